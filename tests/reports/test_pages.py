"""The reports page and its CSV exports through the test client: who may open them, the charts
and the tables of the same numbers, the ranges, and cells safe against formula injection."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from frontdesk.accounts.models import Organisation, User
from tests.conftest import Clock
from tests.reports.helpers import NOW, utc, worked
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db

WEEK_QUERY = "range=custom&from=2026-11-23&to=2026-11-29"


@pytest.fixture
def desk(customer: User, agent: User, clock: Clock) -> None:
    clock.current = NOW
    worked(customer, agent, opened=utc(23, 10), answered_after=timedelta(minutes=30),
           solved_at=utc(23, 12))  # fmt: skip
    worked(customer, agent, opened=utc(25, 8), answered_after=timedelta(minutes=10))


def browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_sign_in() -> None:
    for path in ("/reports", "/reports/daily.csv"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login")


def test_customers_are_refused(customer: User, other_customer: User) -> None:
    for user in (customer, other_customer):
        client = browser(user)
        assert client.get("/reports").status_code == 403
        assert client.get("/reports/daily.csv").status_code == 403
        assert client.get("/reports/agent.csv").status_code == 403
        assert 'href="/reports"' not in html(client.get("/home"))


@pytest.mark.usefixtures("desk")
@pytest.mark.parametrize("who", ["admin", "agent", "other_agent"])
def test_staff_see_charts_and_the_same_numbers_in_tables(
    who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    response = browser(user).get(f"/reports?{WEEK_QUERY}")
    assert response.status_code == 200
    page = html(response)
    assert 'href="/reports" aria-current="page"' in page
    charts = re.findall(r'<svg class="chart-svg"[^>]*role="img"', page)
    assert len(charts) == 2 + 5  # per day, open per day, five breakdowns
    assert '<title id="chart-daily-title">Tickets created and solved per day</title>' in page
    assert "2 created and 1 solved from 23 Nov 2026 to 29 Nov 2026." in page
    assert page.count("<polyline") == 3  # created, solved, open
    # The table of the same numbers: Monday one created and one solved; one open at its end.
    assert re.search(r"Mon 23 Nov</th><td class=\"num\">1</td><td class=\"num\">1</td>"
                     r"<td class=\"num\">0</td>", page)  # fmt: skip
    assert re.search(r"Wed 25 Nov</th><td class=\"num\">1</td><td class=\"num\">0</td>"
                     r"<td class=\"num\">1</td>", page)  # fmt: skip
    assert "First response, median" in page and "20 min" in page  # (10 + 30) / 2
    assert 'href="/reports/agent.csv?range=custom&amp;from=2026-11-23&amp;to=2026-11-29"' in page


@pytest.mark.usefixtures("desk")
def test_the_chosen_preset_is_marked_and_its_dates_offered(agent: User) -> None:
    page = html(browser(agent).get("/reports?range=7"))
    assert 'href="/reports?range=7" aria-current="page"' in page
    assert 'name="from" value="2026-11-24"' in page and 'name="to" value="2026-11-30"' in page
    default = html(browser(agent).get("/reports"))
    assert 'href="/reports?range=30" aria-current="page"' in default
    custom = html(browser(agent).get(f"/reports?{WEEK_QUERY}"))
    assert 'aria-current="page">Last' not in custom
    assert 'name="from" value="2026-11-23" required' in custom


@pytest.mark.parametrize(
    "query",
    ["range=12", "range=custom&from=2026-11-30&to=2026-11-01", "range=custom&from=x&to=y",
     "range=custom&from=2020-01-01&to=2026-01-01"],
)  # fmt: skip
def test_a_bad_range_is_a_400_with_the_reason(agent: User, query: str) -> None:
    response = browser(agent).get(f"/reports?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in html(response)
    assert browser(agent).get(f"/reports/daily.csv?{query}").status_code == 400


def test_an_unknown_report_is_a_404(agent: User) -> None:
    assert browser(agent).get("/reports/secrets.csv").status_code == 404


def test_only_get(agent: User) -> None:
    assert signed_in(agent).post("/reports/daily.csv").status_code == 405
    assert signed_in(agent).delete("/reports").status_code == 405


def _csv(client: Client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()  # type: ignore[arg-type]


@pytest.mark.usefixtures("desk")
def test_the_daily_and_summary_csv(agent: User) -> None:
    lines = _csv(browser(agent), f"/reports/daily.csv?{WEEK_QUERY}")
    assert lines[0] == "day,created,solved,open_at_end_of_day"
    assert lines[1:4] == ["2026-11-23,1,1,0", "2026-11-24,0,0,0", "2026-11-25,1,0,1"]
    assert len(lines) == 8
    summary = _csv(browser(agent), f"/reports/summary.csv?{WEEK_QUERY}")
    assert summary[0].startswith("measure,this_period,previous_period")
    assert "Tickets created,2,0,2026-11-23,2026-11-29,2026-11-16,2026-11-22" in summary
    assert any(line.startswith("First response, median,1200,") for line in summary) or any(
        line.startswith('"First response, median",1200,') for line in summary
    )


def test_cells_that_could_run_as_formulas_are_escaped(
    customer: User, agent: User, clock: Clock
) -> None:
    clock.current = NOW
    customer.organisation = Organisation.objects.create(name='=HYPERLINK("http://x")')
    customer.save(update_fields=["organisation"])
    worked(customer, agent, opened=utc(24, 10))
    lines = _csv(browser(agent), f"/reports/organisation.csv?{WEEK_QUERY}")
    assert lines[1].startswith('"\'=HYPERLINK(""http://x"")",1,0')
    assert "=HYPERLINK" in html(browser(agent).get(f"/reports?{WEEK_QUERY}"))  # shown as text
