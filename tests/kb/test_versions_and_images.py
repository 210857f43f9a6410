"""Restoring an old version (a new version, the history kept) and images in articles (uploaded
from the editor, typed by their content, served with their article's visibility, removed once
out of the text), on the pages for the whole cast with CSRF checked as a browser's requests
are, in the admin, and in the REST API, with "was this helpful?" there too."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, TooLarge
from frontdesk.kb import images, services
from frontdesk.kb.models import (
    Action,
    Article,
    ArticleImage,
    ArticleVersion,
    ArticleVote,
    KbEvent,
)
from frontdesk.web.views.kb import with_image_at
from tests.admin_forms import admin_browser
from tests.api.helpers import BASE, Api, error_of
from tests.kb.conftest import Shelf
from tests.kb.test_pages import browser, post, someone
from tests.web.conftest import html

pytestmark = pytest.mark.django_db

CAST = ["admin", "agent", "other_agent", "customer", "other_customer", "anonymous"]
STAFF = {"admin", "agent", "other_agent"}


def image_bytes(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str = "timetable.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if content is None else content, "image/png")


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def edited(kb: Shelf, agent: User) -> Article:
    """The public article with a second version (the published one is version 1)."""
    return services.article_update(
        actor=agent,
        article_id=kb.public.pk,
        values={"body": "Choose a class, then press *Book*.\n\nBring a towel."},
    )


# --- restoring a version: the use case -------------------------------------------------------


def test_restoring_makes_a_new_version_and_keeps_the_history(kb: Shelf, agent: User) -> None:
    edited(kb, agent)
    article = services.article_restore(actor=agent, article_id=kb.public.pk, number=1)
    assert article.draft_number == 3
    assert (article.title, article.body) == (
        "How do I book a class?",
        "Choose a class, then *Book*.",
    )
    versions = dict(ArticleVersion.objects.filter(article=article).values_list("number", "body"))
    assert versions == {
        1: "Choose a class, then *Book*.",
        2: "Choose a class, then press *Book*.\n\nBring a towel.",
        3: "Choose a class, then *Book*.",
    }
    assert ArticleVersion.objects.get(article=article, number=3).author == agent
    article.refresh_from_db()
    assert article.published_number == 1  # readers see what they saw until it is published
    event = KbEvent.objects.get(action=Action.VERSION_RESTORED)
    assert (event.actor, event.article, event.summary) == (
        agent,
        article,
        "version 3, a copy of version 1",
    )


def test_what_cannot_be_restored(kb: Shelf, agent: User) -> None:
    edited(kb, agent)
    with pytest.raises(InvalidInput, match="already the draft"):
        services.article_restore(actor=agent, article_id=kb.public.pk, number=2)
    services.article_restore(actor=agent, article_id=kb.public.pk, number=1)
    with pytest.raises(InvalidInput, match="says the same as the draft"):
        services.article_restore(actor=agent, article_id=kb.public.pk, number=1)
    with pytest.raises(NotFound):
        services.article_restore(actor=agent, article_id=kb.public.pk, number=9)
    with pytest.raises(NotFound):
        services.article_restore(actor=agent, article_id=kb.public.pk, number=2**70)
    assert ArticleVersion.objects.filter(article=kb.public).count() == 3


@pytest.mark.parametrize("who", ["customer", "other_customer"])
def test_customers_restore_nothing(
    kb: Shelf, agent: User, who: str, request: pytest.FixtureRequest
) -> None:
    edited(kb, agent)
    with pytest.raises(NotAllowed):
        services.article_restore(
            actor=request.getfixturevalue(who), article_id=kb.public.pk, number=1
        )
    assert Article.objects.get(pk=kb.public.pk).draft_number == 2


# --- restoring a version: the pages ----------------------------------------------------------


@pytest.mark.parametrize("who", CAST)
def test_the_cast_and_an_old_version(
    kb: Shelf, agent: User, who: str, request: pytest.FixtureRequest
) -> None:
    edited(kb, agent)
    client = browser(someone(who, request))
    page_path = f"/kb/manage/articles/{kb.public.pk}/versions/1"
    page = client.get(page_path)
    restored = post(client, f"{page_path}/restore", {}, page=f"/kb/articles/{kb.public.slug}")
    article = Article.objects.get(pk=kb.public.pk)
    if who in STAFF:
        assert page.status_code == 200
        text = html(page)
        assert "Restore version 1" in text
        assert "<em>Book</em>" in text  # rendered as readers would see it
        assert "Added: </span>Choose a class, then *Book*." in text
        assert "Removed: </span>Choose a class, then press *Book*." in text
        assert "Removed: </span>Bring a towel." in text
        assert restored.status_code == 302
        assert restored["Location"] == f"/kb/manage/articles/{kb.public.pk}"
        assert article.draft_number == 3 and article.body == "Choose a class, then *Book*."
        editor = html(client.get(f"/kb/manage/articles/{kb.public.pk}"))
        assert "Version restored: version 3, a copy of version 1" in editor
        assert f'href="/kb/manage/articles/{kb.public.pk}/versions/2"' in editor
    else:
        expected = 302 if who == "anonymous" else 403
        assert page.status_code == expected and restored.status_code == expected
        assert article.draft_number == 2


def test_the_draft_and_its_twin_offer_no_restore(kb: Shelf, agent: User) -> None:
    edited(kb, agent)
    client = browser(agent)
    draft = html(client.get(f"/kb/manage/articles/{kb.public.pk}/versions/2"))
    assert "This version is the draft" in draft and "Restore version" not in draft
    services.article_restore(actor=agent, article_id=kb.public.pk, number=1)
    twin = html(client.get(f"/kb/manage/articles/{kb.public.pk}/versions/1"))
    assert "nothing to restore" in twin and "Restore version 1" not in twin
    refused = post(
        client,
        f"/kb/manage/articles/{kb.public.pk}/versions/1/restore",
        {},
        page=f"/kb/articles/{kb.public.slug}",
    )
    assert refused.status_code == 302
    assert Article.objects.get(pk=kb.public.pk).draft_number == 3
    assert client.get(f"/kb/manage/articles/{kb.public.pk}/versions/9").status_code == 404
    assert client.get("/kb/manage/articles/987654/versions/1").status_code == 404


def test_restoring_without_the_csrf_token_is_refused(kb: Shelf, agent: User) -> None:
    edited(kb, agent)
    response = browser(agent).post(f"/kb/manage/articles/{kb.public.pk}/versions/1/restore")
    assert response.status_code == 403
    assert Article.objects.get(pk=kb.public.pk).draft_number == 2


# --- images: uploading from the editor -------------------------------------------------------


def _form(article: Article, **changes: Any) -> dict[str, Any]:
    return {
        "title": article.title,
        "category": str(article.category_id),
        "visibility": article.visibility,
        "slug": article.slug,
        "body": article.body,
        **changes,
    }


def test_an_agent_uploads_an_image_into_the_text_and_publishes_it(
    kb: Shelf, agent: User, settings: Settings
) -> None:
    client = browser(agent)
    editor = f"/kb/manage/articles/{kb.public.pk}"
    typed = "Choose a class, then *Book*.\r\n\r\nThe timetable:"
    response = post(
        client,
        editor,
        _form(kb.public, body=typed, action="image", image=upload(), alt="The timetable"),
        page=editor,
    )
    assert response.status_code == 200
    image = ArticleImage.objects.get()
    assert (image.article, image.content_type, image.alt) == (
        kb.public,
        "image/png",
        "The timetable",
    )
    assert image.original_name == "timetable.png" and image.uploader == agent
    assert image.markdown == f"![The timetable](/kb/images/{image.pk})"
    page = html(response)
    assert f"The timetable:\n\n![The timetable](/kb/images/{image.pk})" in page  # typed text kept
    assert "Save the draft to keep it" in page
    assert ArticleVersion.objects.filter(article=kb.public).count() == 1  # nothing saved yet
    assert len(stored_files(settings)) == 1
    assert stored_files(settings)[0].suffix == ".png"
    assert KbEvent.objects.filter(action=Action.IMAGE_ADDED, article=kb.public).count() == 1

    body = f"The timetable:\n\n{image.markdown}"
    saved = post(client, editor, _form(kb.public, body=body, action="save"), page=editor)
    assert saved.status_code == 302
    post(client, f"{editor}/publish", {}, page=editor)
    reader = html(browser(None).get(f"/kb/articles/{kb.public.slug}"))
    assert f'<img src="/kb/images/{image.pk}" alt="The timetable">' in reader
    served = browser(None).get(f"/kb/images/{image.pk}")
    assert served.status_code == 200 and b"".join(served.streaming_content) == image_bytes()


def test_saving_with_an_image_chosen_uploads_it_too(kb: Shelf, agent: User) -> None:
    editor = f"/kb/manage/articles/{kb.draft.pk}"
    response = post(
        browser(agent), editor, _form(kb.draft, action="save", image=upload()), page=editor
    )
    assert response.status_code == 302
    image = ArticleImage.objects.get()
    article = Article.objects.get(pk=kb.draft.pk)
    assert (
        article.draft_number == 2 and article.body == f"Coming soon.\n\n![](/kb/images/{image.pk})"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "is not a PNG"),
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "is not a"),
        ("notes.png", b"Just text, named like an image.", "is not a PNG"),
        ("empty.png", b"", "is empty"),
    ],
)
def test_the_type_is_read_from_the_content(
    kb: Shelf, agent: User, settings: Settings, name: str, content: bytes, message: str
) -> None:
    editor = f"/kb/manage/articles/{kb.public.pk}"
    response = post(
        browser(agent),
        editor,
        _form(kb.public, action="image", image=upload(name, content)),
        page=editor,
    )
    assert response.status_code == 400 and message in html(response)
    assert "There is a problem" in html(response)  # the summary above the form names it too
    assert not ArticleImage.objects.exists() and stored_files(settings) == []


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")]
)
def test_each_kind_of_image_whatever_its_name(
    kb: Shelf, agent: User, fmt: str, content_type: str
) -> None:
    image = services.article_image_add(
        actor=agent, article_id=kb.public.pk, file=upload("photo.txt", image_bytes(fmt))
    )
    assert image.content_type == content_type and image.file.name.endswith(image.suffix)


def test_an_image_too_large_is_refused(
    kb: Shelf, agent: User, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(images, "IMAGE_MAX_BYTES", 50)
    with pytest.raises(TooLarge):
        services.article_image_add(actor=agent, article_id=kb.public.pk, file=upload())
    editor = f"/kb/manage/articles/{kb.public.pk}"
    response = post(
        browser(agent), editor, _form(kb.public, action="image", image=upload()), page=editor
    )
    assert response.status_code == 413 and "an image can be at most" in html(response)
    assert not ArticleImage.objects.exists() and stored_files(settings) == []


def test_a_failed_row_leaves_no_file(
    kb: Shelf, agent: User, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise Conflict("Taken.")

    monkeypatch.setattr(services, "_log", refuse)
    with pytest.raises(Conflict):
        services.article_image_add(actor=agent, article_id=kb.public.pk, file=upload())
    assert not ArticleImage.objects.exists() and stored_files(settings) == []


@pytest.mark.parametrize("who", ["customer", "other_customer", "anonymous"])
def test_only_editors_upload(
    kb: Shelf, who: str, request: pytest.FixtureRequest, settings: Settings
) -> None:
    client = browser(someone(who, request))
    editor = f"/kb/manage/articles/{kb.public.pk}"
    response = post(
        client,
        editor,
        _form(kb.public, action="image", image=upload()),
        page=f"/kb/articles/{kb.public.slug}",
    )
    assert response.status_code == (302 if who == "anonymous" else 403)
    if who != "anonymous":
        with pytest.raises(NotAllowed):
            services.article_image_add(
                actor=request.getfixturevalue(who), article_id=kb.public.pk, file=upload()
            )
    assert not ArticleImage.objects.exists() and stored_files(settings) == []


def test_uploading_without_the_csrf_token_is_refused(kb: Shelf, agent: User) -> None:
    response = browser(agent).post(
        f"/kb/manage/articles/{kb.public.pk}", _form(kb.public, action="image", image=upload())
    )
    assert response.status_code == 403 and not ArticleImage.objects.exists()


# --- images: who sees them ---------------------------------------------------------------------


@pytest.mark.parametrize("who", CAST)
def test_an_image_is_seen_by_whoever_reads_its_article(
    kb: Shelf, agent: User, who: str, request: pytest.FixtureRequest
) -> None:
    shown = {
        name: services.article_image_add(actor=agent, article_id=article.pk, file=upload())
        for name, article in (("public", kb.public), ("internal", kb.internal), ("draft", kb.draft))
    }
    for name, article in (("public", kb.public), ("internal", kb.internal)):
        text = f"See {shown[name].markdown}"
        services.article_update(actor=agent, article_id=article.pk, values={"body": text})
        services.article_publish(actor=agent, article_id=article.pk)
    client = browser(someone(who, request))
    staff = who in STAFF
    for name, image in shown.items():
        response = client.get(f"/kb/images/{image.pk}")
        assert response.status_code == (200 if staff or name == "public" else 404), name
        if response.status_code == 200:
            assert response["Content-Type"] == "image/png"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in response["Content-Security-Policy"]
            assert response["Cache-Control"] == "private, no-cache"
    assert client.get("/kb/images/987654").status_code == 404
    services.article_unpublish(actor=agent, article_id=kb.public.pk)
    gone = client.get(f"/kb/images/{shown['public'].pk}")
    assert gone.status_code == (200 if staff else 404)  # the article's rule, at once


@pytest.mark.parametrize("who", CAST)
def test_an_image_for_the_next_draft_waits_for_its_publishing(
    kb: Shelf, agent: User, who: str, request: pytest.FixtureRequest
) -> None:
    """Added to a published public article's draft, an image is the editors' until the draft
    that shows it is published; a longer address that begins with it does not count."""
    image = services.article_image_add(actor=agent, article_id=kb.public.pk, file=upload())
    client = browser(someone(who, request))
    readers = 200 if who in STAFF else 404
    assert client.get(f"/kb/images/{image.pk}").status_code == readers
    longer = f"![other](/kb/images/{image.pk}0)"
    services.article_update(actor=agent, article_id=kb.public.pk, values={"body": longer})
    services.article_publish(actor=agent, article_id=kb.public.pk)
    assert client.get(f"/kb/images/{image.pk}").status_code == readers
    services.article_update(
        actor=agent, article_id=kb.public.pk, values={"body": f"See {image.markdown}"}
    )
    assert client.get(f"/kb/images/{image.pk}").status_code == readers  # a draft still
    services.article_publish(actor=agent, article_id=kb.public.pk)
    assert client.get(f"/kb/images/{image.pk}").status_code == 200


def test_an_unchanged_image_is_not_sent_again(kb: Shelf, agent: User) -> None:
    image = services.article_image_add(actor=agent, article_id=kb.public.pk, file=upload())
    services.article_update(actor=agent, article_id=kb.public.pk, values={"body": image.markdown})
    services.article_publish(actor=agent, article_id=kb.public.pk)
    response = Client().get(
        f"/kb/images/{image.pk}", headers={"If-None-Match": f'"{image.sha256}"'}
    )
    assert response.status_code == 304


# --- images: removing --------------------------------------------------------------------------


def test_an_image_is_removed_once_out_of_the_text(
    kb: Shelf,
    agent: User,
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
) -> None:
    image = services.article_image_add(actor=agent, article_id=kb.public.pk, file=upload())
    services.article_update(
        actor=agent, article_id=kb.public.pk, values={"body": f"See {image.markdown}"}
    )
    services.article_publish(actor=agent, article_id=kb.public.pk)
    client = browser(agent)
    editor = f"/kb/manage/articles/{kb.public.pk}"
    assert f'action="/kb/manage/images/{image.pk}/remove"' in html(client.get(editor))
    refused = post(client, f"/kb/manage/images/{image.pk}/remove", {}, page=editor)
    assert refused.status_code == 302 and ArticleImage.objects.filter(pk=image.pk).exists()
    assert "still in the article" in html(client.get(editor))

    services.article_update(actor=agent, article_id=kb.public.pk, values={"body": "No image."})
    with pytest.raises(Conflict, match="published text"):
        services.article_image_remove(actor=agent, image_id=image.pk)
    services.article_publish(actor=agent, article_id=kb.public.pk)
    with django_capture_on_commit_callbacks(execute=True):
        removed = post(client, f"/kb/manage/images/{image.pk}/remove", {}, page=editor)
    assert removed.status_code == 302 and removed["Location"] == editor
    assert not ArticleImage.objects.exists() and stored_files(settings) == []
    assert KbEvent.objects.filter(action=Action.IMAGE_REMOVED, actor=agent).count() == 1
    # The address names nothing now (an old version that showed it shows it as missing).
    assert browser(agent).get(f"/kb/images/{image.pk}").status_code == 404


@pytest.mark.parametrize("who", ["customer", "other_customer", "anonymous"])
def test_only_editors_remove_images(
    kb: Shelf, agent: User, who: str, request: pytest.FixtureRequest
) -> None:
    image = services.article_image_add(actor=agent, article_id=kb.public.pk, file=upload())
    response = post(
        browser(someone(who, request)),
        f"/kb/manage/images/{image.pk}/remove",
        {},
        page=f"/kb/articles/{kb.public.slug}",
    )
    # Not in the published text: a customer is told there is no such image.
    assert response.status_code == (302 if who == "anonymous" else 404)
    assert ArticleImage.objects.filter(pk=image.pk).exists()


def test_removing_without_the_csrf_token_is_refused(kb: Shelf, agent: User) -> None:
    image = services.article_image_add(actor=agent, article_id=kb.public.pk, file=upload())
    assert browser(agent).post(f"/kb/manage/images/{image.pk}/remove").status_code == 403
    assert ArticleImage.objects.filter(pk=image.pk).exists()


def test_images_in_the_admin(kb: Shelf, admin: User, agent: User) -> None:
    kept = services.article_image_add(actor=agent, article_id=kb.public.pk, file=upload())
    unused = services.article_image_add(actor=agent, article_id=kb.internal.pk, file=upload())
    services.article_update(
        actor=agent, article_id=kb.public.pk, values={"body": f"See {kept.markdown}"}
    )
    client = admin_browser(admin)
    listing = client.get("/admin/kb/articleimage/")
    assert listing.status_code == 200 and "timetable.png" in html(listing)
    assert client.get("/admin/kb/articleimage/add/").status_code == 403
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/admin/kb/articleimage/",
        {
            "action": "delete_selected",
            "_selected_action": [str(kept.pk), str(unused.pk)],
            "post": "yes",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    assert list(ArticleImage.objects.values_list("pk", flat=True)) == [kept.pk]
    messages = [str(m) for m in response.wsgi_request._messages]  # type: ignore[attr-defined]
    assert any("still in the article" in m for m in messages)
    one = client.post(
        f"/admin/kb/articleimage/{kept.pk}/delete/", {"post": "yes", "csrfmiddlewaretoken": token}
    )
    assert one.status_code == 302 and one["Location"] == "/admin/kb/articleimage/"
    assert ArticleImage.objects.filter(pk=kept.pk).exists()
    messages = [str(m) for m in one.wsgi_request._messages]  # type: ignore[attr-defined]
    assert any("still in the article" in m for m in messages)


# --- the REST API ------------------------------------------------------------------------------

API_CAST = ["admin", "agent", "other_agent", "customer", "other_customer"]


@pytest.mark.parametrize("who", API_CAST)
def test_versions_and_restoring_in_the_api(
    kb: Shelf, agent: User, who: str, request: pytest.FixtureRequest
) -> None:
    edited(kb, agent)
    api = Api(request.getfixturevalue(who))
    listed = api.get(f"/kb/articles/{kb.public.pk}/versions/")
    restored = api.post(f"/kb/articles/{kb.public.pk}/versions/1/restore/")
    if who in STAFF:
        assert listed.status_code == 200
        assert [v["number"] for v in listed.json()] == [2, 1]
        assert listed.json()[0]["author"] == agent.pk
        assert restored.status_code == 200, restored.content
        data = restored.json()
        assert data["draft"]["number"] == 3 and data["draft"]["body"] == kb.public.body
        assert data["published_version"] == 1
        again = api.post(f"/kb/articles/{kb.public.pk}/versions/1/restore/")
        assert again.status_code == 400 and "says the same" in error_of(again)["message"]
        missing = api.post(f"/kb/articles/{kb.public.pk}/versions/9/restore/")
        assert missing.status_code == 404
    else:
        assert listed.status_code == 403 and restored.status_code == 403
        assert Article.objects.get(pk=kb.public.pk).draft_number == 2


@pytest.mark.parametrize("who", API_CAST)
def test_images_in_the_api(
    kb: Shelf, agent: User, who: str, request: pytest.FixtureRequest
) -> None:
    """Upload (multipart, typed by content), list and remove an article's images: agents and
    admins; customers are refused and nothing is stored."""
    api = Api(request.getfixturevalue(who))
    path = f"{BASE}/kb/articles/{kb.public.pk}/images/"
    form = {"file": upload("map.png"), "alt": "The map"}
    sent = api.client.post(path, form, headers=api.headers)
    listed = api.get(f"/kb/articles/{kb.public.pk}/images/")
    if who not in STAFF:
        assert (sent.status_code, listed.status_code) == (403, 403)
        assert not ArticleImage.objects.exists()
        return
    assert sent.status_code == 201, sent.content
    image = ArticleImage.objects.get()
    data = sent.json()
    assert data["markdown"] == f"![The map](/kb/images/{image.pk})" == image.markdown
    assert (data["content_type"], data["alt"], data["url"]) == ("image/png", "The map", image.url)
    assert [row["id"] for row in listed.json()] == [image.pk]
    services.article_update(actor=agent, article_id=kb.public.pk, values={"body": image.markdown})
    kept = api.delete(f"/kb/images/{image.pk}/")
    assert kept.status_code == 409 and "still in the article" in error_of(kept)["message"]
    services.article_update(actor=agent, article_id=kb.public.pk, values={"body": "No image."})
    assert api.delete(f"/kb/images/{image.pk}/").status_code == 204
    assert not ArticleImage.objects.exists()
    assert api.delete(f"/kb/images/{image.pk}/").status_code == 404


def test_an_image_upload_through_the_api_is_checked(kb: Shelf, agent: User) -> None:
    api = Api(agent)
    path = f"{BASE}/kb/articles/{kb.public.pk}/images/"
    html_file = SimpleUploadedFile("x.png", b"<html><script>1</script></html>", "image/png")
    not_image = api.client.post(path, {"file": html_file}, headers=api.headers)
    assert not_image.status_code == 400 and "not a PNG" in error_of(not_image)["message"]
    unknown = api.client.post(path, {"file": upload(), "caption": "x"}, headers=api.headers)
    assert unknown.status_code == 400 and "caption" in error_of(unknown)["message"]
    as_json = api.post(f"/kb/articles/{kb.public.pk}/images/", {"alt": "x"})
    assert as_json.status_code == 415
    missing = api.client.post(
        f"{BASE}/kb/articles/987654/images/", {"file": upload()}, headers=api.headers
    )
    assert missing.status_code == 404
    assert not ArticleImage.objects.exists()


@pytest.mark.parametrize("who", API_CAST)
def test_the_cast_votes_in_the_api(kb: Shelf, who: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(who)
    api = Api(user)
    first = api.post(f"/kb/articles/{kb.public.pk}/vote/", {"helpful": True})
    assert first.status_code == 200 and first.json() == {"article": kb.public.pk, "helpful": True}
    second = api.post(f"/kb/articles/{kb.public.pk}/vote/", {"helpful": False})
    assert second.status_code == 200 and second.json()["helpful"] is False
    assert list(ArticleVote.objects.filter(user=user).values_list("helpful", flat=True)) == [False]
    internal = api.post(f"/kb/articles/{kb.internal.pk}/vote/", {"helpful": True})
    assert internal.status_code == (200 if who in STAFF else 404)
    draft = api.post(f"/kb/articles/{kb.draft.pk}/vote/", {"helpful": True})
    assert draft.status_code == (400 if who in STAFF else 404)
    for bad in ({}, {"helpful": "yes"}, {"helpful": True, "extra": 1}):
        assert api.post(f"/kb/articles/{kb.public.pk}/vote/", bad).status_code == 400
    assert ArticleVote.objects.filter(user=user).count() == (2 if who in STAFF else 1)


def test_votes_from_the_page_and_the_api_are_one(kb: Shelf, customer: User, agent: User) -> None:
    services.article_vote(actor=customer, session_key=None, article_id=kb.public.pk, helpful=True)
    Api(customer).post(f"/kb/articles/{kb.public.pk}/vote/", {"helpful": False})
    assert Api(agent).get(f"/kb/articles/{kb.public.pk}/").json()["votes"] == {"yes": 0, "no": 1}


def test_a_session_vote_needs_the_csrf_token(kb: Shelf, customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    url = f"{BASE}/kb/articles/{kb.public.pk}/vote/"
    body = {"helpful": True}
    assert client.post(url, body, content_type="application/json").status_code == 403
    assert not ArticleVote.objects.exists()
    client.get("/home")
    token = client.cookies["csrftoken"].value
    response = client.post(
        url, body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200 and ArticleVote.objects.get().user == customer


def test_the_new_operations_are_in_the_openapi_document(agent: User) -> None:
    paths = Api(agent).get(f"{BASE}/openapi.json").json()["paths"]
    assert "get" in paths[f"{BASE}/kb/articles/{{article_id}}/versions/"]
    assert (
        "post" in paths[f"{BASE}/kb/articles/{{article_id}}/versions/{{version_number}}/restore/"]
    )
    assert "post" in paths[f"{BASE}/kb/articles/{{article_id}}/vote/"]


# --- in the reader's language ---------------------------------------------------------------


def test_a_spanish_editor_reads_versions_and_images_in_spanish(kb: Shelf, agent: User) -> None:
    edited(kb, agent)
    User.objects.filter(pk=agent.pk).update(language="es")
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    page = client.get(f"/kb/manage/articles/{kb.public.pk}/versions/1").content.decode()
    for spanish in ("Versión 1 de «", "Restaurar la versión 1", "Cambios respecto al borrador"):
        assert spanish in page
    assert "Restore version" not in page
    editor = client.get(f"/kb/manage/articles/{kb.public.pk}").content.decode()
    for spanish in ("Añadir una imagen", "Subir la imagen", "Quién puede leerlo", "Imágenes"):
        assert spanish in editor
    assert "Add an image" not in editor
    answer = client.post(f"/kb/manage/articles/{kb.public.pk}/versions/1/restore", follow=True)
    assert "Versión 1 restaurada como versión 3" in answer.content.decode()


@pytest.mark.parametrize(
    ("body", "cursor", "expected"),
    [
        ("One.\r\n\r\nTwo.", "4", "One.\n\n![x](/kb/images/1)\n\nTwo."),  # CRLF counted once
        ("One.\nTwo.", "5", "One.\n\n![x](/kb/images/1)\n\nTwo."),  # at a line's start
        ("💃 One. Two.", "7", "💃 One.\n\n![x](/kb/images/1)\n\nTwo."),  # characters, not bytes
        ("One.", "0", "![x](/kb/images/1)\n\nOne."),
        ("One.\n\n", "4", "One.\n\n![x](/kb/images/1)\n"),  # at the end: as without a cursor
        ("One.", "", "One.\n\n![x](/kb/images/1)\n"),
        ("One.", "99", "One.\n\n![x](/kb/images/1)\n"),
        ("One.", "-1", "One.\n\n![x](/kb/images/1)\n"),  # not a place: the end
        ("One.", "²", "One.\n\n![x](/kb/images/1)\n"),
        ("", "0", "![x](/kb/images/1)\n"),
    ],
)
def test_an_image_goes_where_the_cursor_was(body: str, cursor: str, expected: str) -> None:
    assert with_image_at(body, "![x](/kb/images/1)", cursor) == expected


def test_the_editor_puts_the_image_at_the_cursor_it_is_sent(kb: Shelf, agent: User) -> None:
    client = browser(agent)
    editor = f"/kb/manage/articles/{kb.public.pk}"
    form = _form(kb.public, body="Before.\r\nAfter.", action="image", image=upload(), alt="Map")
    response = post(client, editor, {**form, "cursor": "7"}, page=editor)
    image = ArticleImage.objects.get()
    page = html(response)
    assert f"Before.\n\n![Map](/kb/images/{image.pk})\n\nAfter." in page
    assert "where the cursor was" in page
