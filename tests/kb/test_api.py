"""The knowledge base in the REST API (/api/ticketing/kb/) for the whole cast: customers read
the published public articles, agents and admins everything with drafts and answers; agents
and admins write, publish and unpublish; admins add categories. In the OpenAPI document."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.kb import services
from frontdesk.kb.models import Article, ArticleVersion
from tests.api.helpers import BASE, Api, error_of, ids
from tests.kb.conftest import Shelf, article

pytestmark = pytest.mark.django_db

CAST = ["admin", "agent", "other_agent", "customer", "other_customer"]
STAFF = {"admin", "agent", "other_agent"}


@pytest.mark.parametrize("who", CAST)
def test_the_cast_lists_and_reads_what_it_may(
    kb: Shelf, who: str, request: pytest.FixtureRequest
) -> None:
    api = Api(request.getfixturevalue(who))
    staff = who in STAFF
    listed = set(ids(api.get("/kb/articles/")))
    expected = {kb.public.pk, kb.internal.pk, kb.draft.pk} if staff else {kb.public.pk}
    assert listed == expected
    one = api.get(f"/kb/articles/{kb.public.pk}/")
    assert one.status_code == 200
    data = one.json()
    assert data["title"] == "How do I book a class?" and "<em>Book</em>" in data["html"]
    assert data["url"].endswith(f"/kb/articles/{kb.public.slug}")
    assert (data["draft"] is not None) is staff and (data["votes"] is not None) is staff
    for hidden in (kb.internal, kb.draft):
        response = api.get(f"/kb/articles/{hidden.pk}/")
        assert response.status_code == (200 if staff else 404)
    assert api.get("/kb/articles/987654/").status_code == 404


def test_anonymous_callers_are_asked_to_sign_in(kb: Shelf) -> None:
    assert Api().get("/kb/articles/").status_code == 401


@pytest.mark.parametrize("who", CAST)
def test_search_ranks_and_keeps_to_what_the_caller_may_read(
    kb: Shelf, who: str, request: pytest.FixtureRequest, agent: User
) -> None:
    body_only = article(agent, kb.booking, "Timetable", "Every class is on the timetable.")
    api = Api(request.getfixturevalue(who))
    assert ids(api.get("/kb/articles/", search="class")) == [kb.public.pk, body_only.pk]
    refund = ids(api.get("/kb/articles/", search="refund"))
    assert refund == ([kb.internal.pk] if who in STAFF else [])
    assert ids(api.get("/kb/articles/", search="class", category=kb.staff.pk)) == []
    in_booking = ids(api.get("/kb/articles/", search="class", category=kb.booking.pk, limit=1))
    assert in_booking == [kb.public.pk]


def test_bad_queries_are_400(kb: Shelf, customer: User) -> None:
    api = Api(customer)
    assert api.get("/kb/articles/", limit=0).status_code == 400
    assert api.get("/kb/articles/", search="x" * 201).status_code == 400


def test_an_agent_writes_publishes_and_unpublishes(kb: Shelf, agent: User) -> None:
    api = Api(agent)
    made = api.post(
        "/kb/articles/",
        {"title": "Parking", "body": "Behind the **studio**.", "category": kb.booking.pk},
    )
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["published"] is False and data["draft"]["number"] == 1
    changed = api.patch(f"/kb/articles/{data['id']}/", {"body": "Behind the *hall*."})
    assert changed.status_code == 200 and changed.json()["draft"]["number"] == 2
    published = api.post(f"/kb/articles/{data['id']}/publish/")
    assert published.status_code == 200
    assert published.json()["published_version"] == 2
    assert "<em>hall</em>" in published.json()["html"]
    again = api.post(f"/kb/articles/{data['id']}/publish/")
    assert again.status_code == 400 and "already published" in error_of(again)["message"]
    assert api.post(f"/kb/articles/{data['id']}/unpublish/").json()["published"] is False


@pytest.mark.parametrize("who", ["customer", "other_customer"])
def test_customers_write_nothing(kb: Shelf, who: str, request: pytest.FixtureRequest) -> None:
    api = Api(request.getfixturevalue(who))
    body = {"title": "Mine", "body": "Text", "category": kb.booking.pk}
    assert api.post("/kb/articles/", body).status_code == 403
    assert api.patch(f"/kb/articles/{kb.public.pk}/", {"body": "x"}).status_code == 403
    assert api.post(f"/kb/articles/{kb.draft.pk}/publish/").status_code == 403
    assert api.post(f"/kb/articles/{kb.public.pk}/unpublish/").status_code == 403
    assert api.post("/kb/categories/", {"name": "Mine"}).status_code == 403
    assert Article.objects.count() == 3 and ArticleVersion.objects.count() == 3
    assert not Article.objects.get(pk=kb.draft.pk).is_published


def test_categories_are_listed_for_all_and_added_by_admins(
    kb: Shelf, admin: User, agent: User, customer: User
) -> None:
    listed = Api(customer).get("/kb/categories/")
    assert [c["slug"] for c in listed.json()] == ["booking-classes", "for-staff"]
    assert Api(agent).post("/kb/categories/", {"name": "Events"}).status_code == 403
    made = Api(admin).post("/kb/categories/", {"name": "Events", "order": 3})
    assert made.status_code == 201 and made.json()["slug"] == "events"


def test_bad_input_changes_nothing(kb: Shelf, agent: User) -> None:
    api = Api(agent)
    for body in (
        {"title": "", "body": "x", "category": kb.booking.pk},
        {"title": "T", "body": "x", "category": 987654},
        {"title": "T", "body": "x", "category": kb.booking.pk, "visibility": "secret"},
        {"title": "T", "body": "x", "category": kb.booking.pk, "slug": "Not ok"},
        {"title": "T", "body": "x", "category": kb.booking.pk, "extra": 1},
    ):
        response = api.post("/kb/articles/", body)
        assert response.status_code == 400, (body, response.content)
    assert Article.objects.count() == 3


def test_a_session_write_needs_the_csrf_token(kb: Shelf, agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    url = f"{BASE}/kb/articles/{kb.draft.pk}/publish/"
    assert client.post(url, content_type="application/json").status_code == 403
    assert not Article.objects.get(pk=kb.draft.pk).is_published
    client.get("/home")
    token = client.cookies["csrftoken"].value
    response = client.post(url, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_the_operations_are_in_the_openapi_document(kb: Shelf, agent: User) -> None:
    document = Api(agent).get(f"{BASE}/openapi.json").json()
    paths = document["paths"]
    assert {"get", "post"} <= set(paths[f"{BASE}/kb/articles/"])
    assert {"get", "patch"} <= set(paths[f"{BASE}/kb/articles/{{article_id}}/"])
    assert "post" in paths[f"{BASE}/kb/articles/{{article_id}}/publish/"]
    assert "post" in paths[f"{BASE}/kb/articles/{{article_id}}/unpublish/"]
    services.article_vote(actor=agent, session_key=None, article_id=kb.public.pk, helpful=True)
    assert Api(agent).get(f"/kb/articles/{kb.public.pk}/").json()["votes"] == {"yes": 1, "no": 0}
