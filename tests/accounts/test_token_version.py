"""Token versions (issue 12, "Tokens and sessions"): every SupportMe JWT carries its user's
token version and an id of its own; password change or reset, "sign out everywhere" and
deactivation end every JWT issued before, except the one that changed the password."""

from __future__ import annotations

import jwt
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts import services
from frontdesk.accounts.models import SessionEvent, SessionEventKind, User
from frontdesk.accounts.tokens import access_token_issue, access_token_user
from tests.conftest import PASSWORD
from tests.supportme.helpers import NOT_AUTHENTICATED, get_json, post_json, token_for
from tests.web.test_session_pages import csrf_client

NEW_PASSWORD = "a-new-password-9"


def sign_in(client: Client, user: User, password: str = PASSWORD) -> str:
    status, body = post_json(client, "/login", {"username": user.username, "password": password})
    assert status == 200, body
    return str(body["access_token"])


def works(client: Client, token: str, user: User) -> bool:
    status, body = get_json(client, f"/get-profile/{user.pk}", token=token)
    if status == 403:
        assert body == {"error": NOT_AUTHENTICATED}  # the seed's exact answer
        return False
    assert status == 200, body
    return True


def change_password(client: Client, token: str, old: str, new: str) -> None:
    body = {"old_password": old, "new_password": new, "profile_icon": "/profile-icons/red.png"}
    assert post_json(client, "/profile", body, token=token) == (
        200,
        {"msg": "Profile has been updated."},
    )


def test_a_token_carries_the_version_and_an_id_of_its_own(customer: User) -> None:
    first, second = access_token_issue(customer), access_token_issue(customer)
    claims = jwt.decode(first, settings.JWT_SECRET_KEY, ["HS256"])
    assert claims["ver"] == 0
    assert {"user_id", "account_type", "exp", "ver", "jti"} <= set(claims)
    assert len(claims["jti"]) >= 22
    assert claims["jti"] != jwt.decode(second, settings.JWT_SECRET_KEY, ["HS256"])["jti"]


def test_a_password_change_ends_older_tokens_but_not_the_one_that_made_it(
    client: Client, customer: User
) -> None:
    changer, other = sign_in(client, customer), sign_in(client, customer)
    change_password(client, changer, PASSWORD, NEW_PASSWORD)
    assert works(client, changer, customer)  # the seed's client keeps its token
    assert not works(client, other, customer)
    customer.refresh_from_db()
    assert customer.token_version == 1

    # A token issued after the change works; a second change by the first token ends it,
    # and the first token still works.
    later = sign_in(client, customer, NEW_PASSWORD)
    change_password(client, changer, NEW_PASSWORD, PASSWORD)
    assert works(client, changer, customer)
    assert not works(client, later, customer)
    assert not works(client, other, customer)


def test_a_profile_update_without_a_new_password_ends_nothing(
    client: Client, customer: User
) -> None:
    changer, other = sign_in(client, customer), sign_in(client, customer)
    change_password(client, changer, PASSWORD, "")
    assert works(client, changer, customer) and works(client, other, customer)
    customer.refresh_from_db()
    assert customer.token_version == 0


def test_only_the_kept_token_at_its_version_is_kept(client: Client, customer: User) -> None:
    changer = sign_in(client, customer)
    change_password(client, changer, PASSWORD, NEW_PASSWORD)
    claims = jwt.decode(changer, settings.JWT_SECRET_KEY, ["HS256"])
    forged_version = token_for(customer, ver=claims["ver"] + 5, jti=claims["jti"])
    seed_shaped = token_for(customer)  # no ver, no jti: version 0, which has ended
    no_id = token_for(customer, ver=0)
    bad_claims = [token_for(customer, ver="1"), token_for(customer, ver=-1)]
    for token in (forged_version, seed_shaped, no_id, *bad_claims):
        assert not works(client, token, customer)
    assert works(client, token_for(customer, ver=1), customer)  # the current version


def test_a_token_from_before_versions_works_until_the_first_bump(
    client: Client, customer: User
) -> None:
    seed_shaped = token_for(customer)  # what a server without versions issued
    assert works(client, seed_shaped, customer)
    services.user_set_password(actor=None, user=customer, new_password=NEW_PASSWORD)
    assert not works(client, seed_shaped, customer)


def test_a_reset_or_an_admin_ends_every_token(client: Client, customer: User, admin: User) -> None:
    token = sign_in(client, customer)
    services.user_set_password(actor=None, user=customer, new_password=NEW_PASSWORD)
    assert not works(client, token, customer)
    token = sign_in(client, customer, NEW_PASSWORD)
    services.user_set_password(actor=admin, user=customer, new_password=PASSWORD)
    assert not works(client, token, customer)


def test_deactivation_ends_tokens_for_good(client: Client, customer: User, admin: User) -> None:
    token = sign_in(client, customer)
    services.user_set_active(actor=admin, user=customer, active=False)
    assert not works(client, token, customer)
    services.user_set_active(actor=admin, user=customer, active=True)
    assert not works(client, token, customer)  # reactivating brings no old token back
    assert works(client, sign_in(client, customer), customer)


def test_sign_out_everywhere_ends_every_token(client: Client, customer: User) -> None:
    token = sign_in(client, customer)
    browser, csrf = csrf_client(customer)
    response = browser.post("/profile/sessions/end-others", {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert not works(client, token, customer)
    assert browser.get("/profile").status_code == 200  # the page that asked stays signed in


def test_sign_out_everywhere_needs_the_csrf_token(client: Client, customer: User) -> None:
    token = sign_in(client, customer)
    browser, _ = csrf_client(customer)
    assert browser.post("/profile/sessions/end-others", {}).status_code == 403
    assert works(client, token, customer)


def test_the_version_is_checked_in_the_one_user_read(customer: User) -> None:
    header = f"Bearer {access_token_issue(customer)}"
    with CaptureQueriesContext(connection) as queries:
        assert access_token_user(header) == customer
    assert len(queries) == 1
    assert "token_version" in queries[0]["sql"]


def test_every_bump_is_in_the_audit_trail(client: Client, customer: User, admin: User) -> None:
    change_password(client, sign_in(client, customer), PASSWORD, NEW_PASSWORD)
    services.user_set_password(actor=None, user=customer, new_password=PASSWORD)
    services.user_set_active(actor=admin, user=customer, active=False)
    ended = SessionEvent.objects.filter(kind=SessionEventKind.TOKENS_ENDED).order_by("id")
    assert [(event.user, event.actor) for event in ended] == [
        (customer, customer),
        (customer, None),
        (customer, admin),
    ]
    assert ended[0].ip == "127.0.0.1"
