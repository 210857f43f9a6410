"""Privacy in the admin: the privacylog list (read only), and on the accounts list the
"Export data" action (the zip, through the use case) and "Anonymise or delete", which opens
the confirmation page; only customers, one at a time."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.privacy import services
from frontdesk.privacy.models import PrivacyLog
from tests.admin_forms import admin_browser
from tests.privacy.conftest import Desk, read_zip

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
LOG = "/admin/privacy/privacylog/"


def _action(client: object, action: str, *ids: int) -> object:
    page = client.get(USERS)  # type: ignore[attr-defined]
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value  # type: ignore[attr-defined]
    return client.post(  # type: ignore[attr-defined]
        USERS,
        {"action": action, "_selected_action": list(ids), "csrfmiddlewaretoken": token},
        follow=False,
    )


def test_export_action_answers_the_zip(desk: Desk, admin: User, customer: User) -> None:
    answer = _action(admin_browser(admin), "export_data", customer.pk)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"  # type: ignore[attr-defined]
    data, files = read_zip(b"".join(answer.streaming_content))  # type: ignore[attr-defined]
    assert data["account"]["id"] == customer.pk and len(files) == 3
    assert PrivacyLog.objects.get().actor == admin


def test_actions_take_one_customer_and_refuse_staff(
    admin: User, agent: User, customer: User, other_customer: User
) -> None:
    client = admin_browser(admin)
    two = _action(client, "export_data", customer.pk, other_customer.pk)
    assert two.status_code == 302  # type: ignore[attr-defined]
    assert "Choose one customer" in client.get(USERS).content.decode()
    staff = _action(client, "export_data", agent.pk)
    assert staff.status_code == 302  # type: ignore[attr-defined]
    assert "Only customer accounts" in client.get(USERS).content.decode()
    assert not PrivacyLog.objects.exists()


def test_anonymise_action_opens_the_confirmation_page(admin: User, customer: User) -> None:
    client = admin_browser(admin)
    answer = _action(client, "anonymise_or_delete", customer.pk)
    assert answer["Location"] == f"/customers/{customer.pk}/privacy"  # type: ignore[index]
    assert User.objects.get(pk=customer.pk).is_active  # nothing done yet
    change = client.get(f"{USERS}{customer.pk}/change/").content.decode()
    assert f'href="/customers/{customer.pk}/privacy"' in change


def test_privacylog_is_listed_read_only(admin: User, customer: User, agent: User) -> None:
    log = services.customer_anonymise(actor=admin, customer_id=customer.pk)
    client = admin_browser(admin)
    page = client.get(LOG)
    assert page.status_code == 200 and "Anonymised" in page.content.decode()
    assert client.get(f"{LOG}{log.pk}/change/").status_code == 200
    assert client.get(f"{LOG}add/").status_code == 403
    assert client.post(f"{LOG}{log.pk}/delete/").status_code == 403
    assert admin_browser(agent).get(LOG).status_code == 302
