"""The import runs in the admin: listed and shown to admins, never changed there, and not
shown to anyone else."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.importers.models import ImportRun
from tests.admin_forms import admin_browser

pytestmark = pytest.mark.django_db
RUNS = "/admin/importers/importrun/"
FREESCOUT = Path(__file__).resolve().parent / "fixtures" / "freescout.csv"


@pytest.fixture
def importrun() -> ImportRun:
    call_command("import_csv", str(FREESCOUT), "--format", "freescout", verbosity=0, stdout=None)
    return ImportRun.objects.get()


def test_an_admin_reads_the_runs_and_their_summary(admin: User, importrun: ImportRun) -> None:
    client = admin_browser(admin)
    assert "freescout.csv" in client.get(RUNS).content.decode()
    page = client.get(f"{RUNS}{importrun.pk}/change/").content.decode()
    assert "4 tickets created" in page
    # Read-only: no adding, and a post changes nothing.
    assert client.get(f"{RUNS}add/").status_code == 403
    client.post(f"{RUNS}{importrun.pk}/change/", {"summary": "changed"})
    client.post(f"{RUNS}{importrun.pk}/delete/", {"post": "yes"})
    importrun.refresh_from_db()
    assert "4 tickets created" in importrun.summary


@pytest.mark.parametrize("who", ["agent", "other_agent", "customer", "other_customer", None])
def test_nobody_else_sees_the_runs(
    who: str | None, importrun: ImportRun, request: pytest.FixtureRequest
) -> None:
    client = Client(HTTP_HOST="localhost")
    if who is not None:
        client.force_login(request.getfixturevalue(who))
    response = client.get(f"{RUNS}{importrun.pk}/change/")
    assert response.status_code == 302 and "/login" in response["Location"]
