"""Notification choices (notifications/preferences.py): defaults, who may change and read
them, the profile page's section, and the signed one-click unsubscribe link (RFC 8058)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed
from frontdesk.notifications.models import DigestPreference, NotificationPreference, OutboxMail
from frontdesk.notifications.preferences import (
    notification_preferences_get,
    notification_preferences_set,
    preferences_of,
    unsubscribe_token,
)
from frontdesk.notifications.rendering import render
from tests.conftest import open_ticket
from tests.web.conftest import html

pytestmark = pytest.mark.django_db


def _on(user: User) -> dict[str, bool]:
    return {kind.name: on for kind, on in preferences_of(user).kinds}


# --- the service --------------------------------------------------------------------------


def test_defaults_everything_on_and_no_digest(customer: User, agent: User) -> None:
    assert _on(customer) == {
        "ticket_received": True,
        "public_reply": True,
        "status_changed": True,
        "satisfaction_survey": True,
    }
    assert _on(agent) == {
        "customer_replied": True,
        "ticket_assigned": True,
        "mentioned": True,
        "new_ticket": True,
        "sla_alert": True,
        "rule_notice": True,
        "followed_update": True,
    }
    assert preferences_of(agent).digest == "off"


def test_a_user_changes_their_own_choices(agent: User) -> None:
    notification_preferences_set(
        actor=agent, user=agent, enabled={"new_ticket": False}, digest="daily"
    )
    assert _on(agent)["new_ticket"] is False
    assert preferences_of(agent).digest == "daily"
    notification_preferences_set(actor=agent, user=agent, enabled={"new_ticket": True})
    assert _on(agent)["new_ticket"] is True
    assert preferences_of(agent).digest == "daily"  # left out: kept


def test_nobody_changes_someone_elses_choices(agent: User, admin: User, customer: User) -> None:
    for actor in (agent, admin):
        with pytest.raises(NotAllowed):
            notification_preferences_set(
                actor=actor, user=customer, enabled={"public_reply": False}
            )
    assert not NotificationPreference.objects.exists()


def test_an_admin_may_read_anyones_choices_others_only_their_own(
    admin: User, agent: User, customer: User, other_customer: User
) -> None:
    assert notification_preferences_get(actor=admin, user_id=customer.pk).user == customer
    assert notification_preferences_get(actor=customer, user_id=customer.pk).user == customer
    for actor in (agent, other_customer):
        with pytest.raises(NotAllowed):
            notification_preferences_get(actor=actor, user_id=customer.pk)


@pytest.mark.parametrize(
    ("who", "enabled", "digest", "field"),
    [
        ("customer", {"new_ticket": False}, None, "new_ticket"),  # a staff kind
        ("agent", {"public_reply": False}, None, "public_reply"),  # a customer kind
        ("agent", {"bogus": False}, None, "bogus"),
        ("agent", {"new_ticket": "no"}, None, "new_ticket"),
        ("agent", {"new_ticket": False}, "weekly", "digest"),
        ("customer", {}, "daily", "digest"),
    ],
)
def test_bad_choices_are_refused_and_nothing_changes(
    request: pytest.FixtureRequest, who: str, enabled: Any, digest: str | None, field: str
) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(InvalidInput) as refused:
        notification_preferences_set(actor=user, user=user, enabled=enabled, digest=digest)
    assert refused.value.field == field
    assert not NotificationPreference.objects.exists()
    assert not DigestPreference.objects.exists()


# --- the profile page ---------------------------------------------------------------------


def _browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf(client: Client) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(client.get("/profile")))
    assert found is not None
    return found.group(1)


def test_the_profile_page_shows_the_choices(agent: User, customer: User) -> None:
    page = html(_browser(agent).get("/profile"))
    assert 'id="notifications"' in page
    assert "A new ticket arrives that nobody has" in page
    assert 'name="digest"' in page
    assert "Every new ticket that is not assigned" in page  # the hint under the box
    page = html(_browser(customer).get("/profile"))
    assert "When we reply to you" in page
    assert "A new ticket arrives" not in page and 'name="digest"' not in page


def test_saving_without_javascript_redirects_with_a_message(agent: User) -> None:
    client = _browser(agent)
    data = {
        "csrfmiddlewaretoken": _csrf(client),
        "customer_replied": "on",
        "mentioned": "on",
        "digest": "hourly",
    }  # ticket_assigned, new_ticket, sla_alert and rule_notice unticked
    response = client.post("/profile/notifications", data)
    assert response.status_code == 302
    assert response["Location"] == "/profile#notifications"
    assert _on(agent) == {
        "customer_replied": True,
        "ticket_assigned": False,
        "mentioned": True,
        "new_ticket": False,
        "sla_alert": False,
        "rule_notice": False,
        "followed_update": False,
    }
    assert preferences_of(agent).digest == "hourly"
    page = html(client.get("/profile"))
    assert "Saved: which mails you get." in page
    assert re.search(r'id="id_new_ticket" value="on" [^>]*>', page)
    assert not re.search(r'id="id_new_ticket" value="on" [^>]*checked', page)


def test_saving_with_htmx_answers_the_section(customer: User) -> None:
    client = _browser(customer)
    response = client.post(
        "/profile/notifications",
        {"csrfmiddlewaretoken": _csrf(client), "ticket_received": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = html(response)
    assert (
        body.lstrip().startswith("{#") is False
        and '<section class="card" id="notifications"' in body
    )
    assert "Saved: which mails you get." in body
    assert _on(customer) == {
        "ticket_received": True,
        "public_reply": False,
        "status_changed": False,
        "satisfaction_survey": False,
    }


def test_a_bad_digest_shows_the_error_beside_it_and_changes_nothing(agent: User) -> None:
    client = _browser(agent)
    response = client.post(
        "/profile/notifications",
        {"csrfmiddlewaretoken": _csrf(client), "digest": "weekly"},
    )
    assert response.status_code == 400
    assert 'id="id_digest_error"' in html(response)
    assert "Choose no digest, hourly or daily." in html(response)
    assert not NotificationPreference.objects.exists()
    assert not DigestPreference.objects.exists()
    response = client.post(
        "/profile/notifications",
        {"csrfmiddlewaretoken": _csrf(client), "digest": "weekly"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "Choose no digest, hourly or daily." in html(response)


def test_saving_needs_the_csrf_token_and_a_sign_in(agent: User) -> None:
    response = _browser(agent).post("/profile/notifications", {"new_ticket": ""})
    assert response.status_code == 403
    assert not NotificationPreference.objects.exists()
    response = Client().post("/profile/notifications", {"new_ticket": ""})
    assert response.status_code == 302 and response["Location"].startswith("/login")
    assert not NotificationPreference.objects.exists()


# --- unsubscribe --------------------------------------------------------------------------


def _link(customer: User) -> str:
    open_ticket(customer)
    mail = OutboxMail.objects.get(recipient=customer, kind="ticket_received")
    header = render(mail).headers["List-Unsubscribe"]
    return "/" + header.strip("<>").split("/", 3)[3]


def test_the_link_shows_a_confirmation_and_changes_nothing_on_get(customer: User) -> None:
    path = _link(customer)
    response = Client(enforce_csrf_checks=True).get(path)
    assert response.status_code == 200
    assert "When we receive your request" in html(response)
    assert "Turn these mails off" in html(response)
    assert _on(customer)["ticket_received"] is True


def test_one_click_post_turns_that_kind_off_without_sign_in_or_csrf(customer: User) -> None:
    path = _link(customer)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert _on(customer) == {
        "ticket_received": False,
        "public_reply": True,
        "status_changed": True,
        "satisfaction_survey": True,
    }
    assert client.post(path).status_code == 200  # twice is fine
    open_ticket(customer, "Again")
    assert not OutboxMail.objects.filter(recipient=customer, ticket__title="Again").exists()


# Made when the test runs, not when it is collected: a token holds its time of signing, and
# every test worker must collect the same test ids.
FORGED_TOKENS = {
    "nonsense": lambda: "nonsense",
    "tampered": lambda: unsubscribe_token(user_id=1, kind="ticket_received")[:-2] + "xx",
}


@pytest.mark.parametrize("forged", sorted(FORGED_TOKENS))
def test_a_forged_token_is_not_found_and_changes_nothing(customer: User, forged: str) -> None:
    token = FORGED_TOKENS[forged]()
    client = Client(enforce_csrf_checks=True)
    assert client.get(f"/unsubscribe/{token}").status_code == 404
    assert client.post(f"/unsubscribe/{token}").status_code == 404
    assert not NotificationPreference.objects.exists()


def test_a_token_for_a_kind_the_user_cannot_receive_is_not_found(
    customer: User, agent: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    for user, kind in ((customer, "new_ticket"), (agent, "public_reply"), (agent, "digest")):
        token = unsubscribe_token(user_id=user.pk, kind=kind)
        assert client.post(f"/unsubscribe/{token}").status_code == 404
    token = unsubscribe_token(user_id=999999, kind="public_reply")
    assert client.post(f"/unsubscribe/{token}").status_code == 404
    assert not NotificationPreference.objects.exists()


def test_a_token_signed_with_another_salt_does_not_work(customer: User) -> None:
    from django.core import signing

    token = signing.dumps({"u": customer.pk, "k": "public_reply"}, salt="other", compress=False)
    assert Client().post(f"/unsubscribe/{token}").status_code == 404
    assert not NotificationPreference.objects.exists()
