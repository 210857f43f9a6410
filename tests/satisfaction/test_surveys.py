"""Customer satisfaction: one survey per ticket once it is resolved, mailed through the outbox
with two signed one-click links; opening a link records nothing, the page's form (CSRF) does,
once; the requester can answer from the ticket's page too; the answer is in the history, the
staff sidebar, the statistics (desk and per agent) and the REST API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail as sent_mail
from django.core import signing
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.notifications.delivery import outbox_deliver
from frontdesk.notifications.models import OutboxMail
from frontdesk.satisfaction import services
from frontdesk.satisfaction.models import Survey
from frontdesk.tickets import services as tickets
from frontdesk.tickets.models import Status, Ticket, TicketEvent
from tests.api.helpers import Api
from tests.conftest import Clock, open_ticket
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
KIND = "satisfaction_survey"


def _resolved(customer: User, agent: User, title: str = "Heating not working") -> Ticket:
    ticket = open_ticket(customer, title, assignee=agent, staff=agent)
    tickets.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED)
    ticket.refresh_from_db()
    return ticket


def _survey_mails(ticket: Ticket) -> list[OutboxMail]:
    return list(OutboxMail.objects.filter(ticket=ticket, kind=KIND))


def _links(ticket: Ticket) -> dict[str, str]:
    """The survey mail, delivered, and its two links (path only)."""
    (mail,) = _survey_mails(ticket)
    outbox_deliver(mail_id=mail.pk)
    text = sent_mail.outbox[-1].body
    found = dict(re.findall(r"^(Good|Bad):\s+https?://[^/]+(/survey/\S+)$", text, re.M))
    assert set(found) == {"Good", "Bad"}, text
    return found


def _csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def _token_of(client: Client, path: str) -> str:
    client.get(path)
    return str(client.cookies["csrftoken"].value)


# --- asking ---------------------------------------------------------------------------------


def test_one_survey_mail_per_ticket_through_the_outbox(customer: User, agent: User) -> None:
    ticket = _resolved(customer, agent)
    (mail,) = _survey_mails(ticket)
    assert mail.recipient_id == customer.pk and mail.status == OutboxMail.Status.PENDING
    survey = Survey.objects.get(ticket=ticket)
    assert survey.agent_id == agent.pk and not survey.is_answered
    # Reopened and resolved again, then closed: still the one survey, the one mail.
    tickets.ticket_change_status(actor=customer, ticket_id=ticket.pk, status=Status.REOPENED)
    tickets.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED)
    tickets.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    assert len(_survey_mails(ticket)) == 1
    assert Survey.objects.filter(ticket=ticket).count() == 1


def test_the_mail_has_two_links_and_forgets_them_once_sent(customer: User, agent: User) -> None:
    ticket = _resolved(customer, agent)
    links = _links(ticket)
    message = sent_mail.outbox[-1]
    assert message.subject == f"[{ticket.number}] How did we do? {ticket.title}"
    assert message.to == [customer.email]
    html_part = str(message.alternatives[0][0])  # type: ignore[attr-defined]
    assert links["Good"] in html_part and links["Bad"] in html_part
    (mail,) = _survey_mails(ticket)
    mail.refresh_from_db()
    assert mail.status == OutboxMail.Status.SENT
    assert not any(key.startswith("secret_") for key in mail.data)


def test_no_survey_when_turned_off(customer: User, agent: User, settings: Settings) -> None:
    settings.FRONTDESK_SATISFACTION_SURVEYS = False
    ticket = _resolved(customer, agent)
    assert not Survey.objects.exists() and not _survey_mails(ticket)


def test_a_customer_closing_their_own_ticket_is_asked_on_the_page_not_by_mail(
    customer: User,
) -> None:
    ticket = open_ticket(customer)
    tickets.ticket_change_status(actor=customer, ticket_id=ticket.pk, status=Status.CLOSED)
    assert Survey.objects.filter(ticket=ticket).exists()
    assert not _survey_mails(ticket)
    page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "How did we do?" in page and f'action="/ticket/{ticket.pk}/satisfaction"' in page


def test_a_customer_who_turned_surveys_off_gets_no_mail(customer: User, agent: User) -> None:
    from frontdesk.notifications.preferences import notification_preferences_set

    notification_preferences_set(actor=customer, user=customer, enabled={KIND: False}, digest=None)
    ticket = _resolved(customer, agent)
    assert Survey.objects.filter(ticket=ticket).exists() and not _survey_mails(ticket)


# --- answering by link ----------------------------------------------------------------------


def test_opening_a_link_records_nothing_the_form_does_once(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = _resolved(customer, agent)
    links = _links(ticket)
    client = _csrf_client()
    page = html(client.get(links["Bad"]))
    assert 'id="survey-bad" value="bad" checked' in page
    assert not Survey.objects.get(ticket=ticket).is_answered
    # Reassigned before the answer: the rating is the assignee's at that moment.
    tickets.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=other_agent.pk)
    refused = client.post(links["Bad"], {"rating": "bad"})
    assert refused.status_code == 403
    assert not Survey.objects.get(ticket=ticket).is_answered
    token = _token_of(client, links["Bad"])
    done = client.post(
        links["Bad"], {"rating": "bad", "comment": "Took days.", "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 200 and "Thank you for your answer!" in html(done)
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.rating, survey.comment, survey.agent_id) == ("bad", "Took days.", other_agent.pk)
    event = TicketEvent.objects.filter(ticket=ticket, field="satisfaction").get()
    assert (event.actor_id, event.new_value) == (customer.pk, "bad")
    # The same link, or the other one, again: the first answer stands.
    for link in (links["Bad"], links["Good"]):
        again = client.post(link, {"rating": "good", "csrfmiddlewaretoken": token})
        assert "You have rated this ticket already" in html(again)
    assert Survey.objects.get(ticket=ticket).rating == "bad"
    assert TicketEvent.objects.filter(ticket=ticket, field="satisfaction").count() == 1
    with pytest.raises(Conflict):
        services.survey_answer(actor=customer, ticket_id=ticket.pk, rating="good")


@pytest.mark.parametrize("how", ["altered", "other salt", "expired", "no such survey"])
def test_a_tampered_or_stale_link_is_refused(
    customer: User, agent: User, clock: Clock, how: str
) -> None:
    clock.current = START
    ticket = _resolved(customer, agent)
    good = _links(ticket)["Good"]
    token = good.removeprefix("/survey/")
    survey = Survey.objects.get(ticket=ticket)
    if how == "altered":
        payload = signing.loads(token, salt=services.SALT)
        forged = signing.dumps({**payload, "s": payload["s"]}, salt=services.SALT)
        token = forged[:-3] + ("aaa" if not forged.endswith("aaa") else "bbb")
    elif how == "other salt":
        token = signing.dumps({"s": survey.pk, "r": "good", "t": int(START.timestamp())})
    elif how == "expired":
        clock.advance(timedelta(days=31).total_seconds())
    else:
        token = signing.dumps(
            {"s": survey.pk + 1, "r": "good", "t": int(START.timestamp())}, salt=services.SALT
        )
    client = Client()
    assert client.get(f"/survey/{token}").status_code == 404
    answer = client.post(f"/survey/{token}", {"rating": "good", "csrfmiddlewaretoken": "x" * 64})
    assert answer.status_code in (403, 404)
    assert not Survey.objects.get(ticket=ticket).is_answered
    with pytest.raises(NotFound):
        services.survey_answer_by_link(raw=token, rating="good")


def test_a_bad_answer_keeps_what_was_written(customer: User, agent: User) -> None:
    ticket = _resolved(customer, agent)
    good = _links(ticket)["Good"]
    client = _csrf_client()
    token = _token_of(client, good)
    answer = client.post(good, {"rating": "meh", "comment": "So so", "csrfmiddlewaretoken": token})
    assert answer.status_code == 400
    page = html(answer)
    assert "Choose Good or Bad." in page and "So so" in page
    assert not Survey.objects.get(ticket=ticket).is_answered


# --- answering on the page ------------------------------------------------------------------


def test_the_requester_rates_from_the_ticket_page(
    customer: User, other_customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, assignee=None)
    page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "How did we do?" not in page  # not before it is resolved
    with pytest.raises(InvalidInput):
        services.survey_answer(actor=customer, ticket_id=ticket.pk, rating="good")
    tickets.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED)
    path = f"/ticket/{ticket.pk}/satisfaction"
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.post(path, {"rating": "good"}).status_code == 403
    token = _token_of(client, f"/ticket/{ticket.pk}")
    other = signed_in(other_customer).post(path, {"rating": "bad", "csrfmiddlewaretoken": "x" * 64})
    assert other.status_code == 404
    assert (
        signed_in(agent).post(path, {"rating": "bad", "csrfmiddlewaretoken": "x" * 64}).status_code
        == 403
    )
    done = client.post(path, {"rating": "good", "comment": "Quick!", "csrfmiddlewaretoken": token})
    assert done.status_code == 302
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "Thank you for your answer!" in page
    assert "rating--good" in page and "Quick!" in page
    staff_page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    assert 'id="satisfaction-card"' in staff_page and "Quick!" in staff_page
    assert "set satisfaction to good" in staff_page  # the history
    with pytest.raises(NotAllowed):
        services.survey_answer(actor=agent, ticket_id=ticket.pk, rating="bad")


# --- results --------------------------------------------------------------------------------


def _answer(ticket: Ticket, rating: str) -> None:
    services.survey_answer(actor=ticket.requester, ticket_id=ticket.pk, rating=rating)


def test_statistics_count_good_and_bad_for_the_desk_and_each_agent(
    customer: User, agent: User, other_agent: User
) -> None:
    for number, (who, rating) in enumerate(
        [(agent, "good"), (agent, "good"), (agent, "bad"), (other_agent, "good")]
    ):
        _answer(_resolved(customer, who, f"Ticket {number}"), rating)
    _resolved(customer, agent, "Not answered")
    body = Api(agent).get("/tickets/statistics/").json()
    assert body["satisfaction"] == {"good": 3, "bad": 1, "score": 75}
    by_agent = {row["username"]: row for row in body["satisfaction_by_agent"]}
    assert by_agent[agent.username] == {
        "agent": agent.pk,
        "username": agent.username,
        "good": 2,
        "bad": 1,
        "score": 67,
    }
    assert by_agent[other_agent.username]["score"] == 100
    mine = Api(customer).get("/tickets/statistics/").json()
    assert mine["satisfaction"] is None and mine["satisfaction_by_agent"] == []


def test_the_surveys_list_filters_for_staff_only(
    customer: User, other_customer: User, agent: User, other_agent: User
) -> None:
    first = _resolved(customer, agent, "First")
    second = _resolved(other_customer, other_agent, "Second")
    _answer(first, "good")
    _answer(second, "bad")
    third = _resolved(customer, agent, "Third")
    api = Api(agent)
    listed = api.get("/surveys/").json()
    assert [row["ticket"] for row in listed["results"]] == [third.pk, second.pk, first.pk]
    assert listed["results"][0]["rating"] == "" and listed["next_before"] is None
    assert [r["ticket"] for r in api.get("/surveys/", rating="bad").json()["results"]] == [
        second.pk
    ]
    assert [r["ticket"] for r in api.get("/surveys/", agent=agent.pk).json()["results"]] == [
        third.pk,
        first.pk,
    ]
    assert [r["ticket"] for r in api.get("/surveys/", answered="false").json()["results"]] == [
        third.pk
    ]
    page = api.get("/surveys/", limit=2).json()
    assert len(page["results"]) == 2 and page["next_before"] is not None
    rest = api.get("/surveys/", limit=2, before=page["next_before"]).json()
    assert [r["ticket"] for r in rest["results"]] == [first.pk]
    assert api.get("/surveys/", rating="meh").status_code == 400
    assert Api(customer).get("/surveys/").status_code == 403
    document = api.get("/openapi.json").json()
    assert "/api/ticketing/surveys/" in document["paths"]


def test_the_surveys_list_takes_any_offset_and_refuses_a_time_off_the_calendar(
    customer: User, agent: User
) -> None:
    """PostgreSQL refuses offsets past 15:59, Python allows up to 23:59: a bound is moved to
    UTC first; one that leaves the calendar is a 400 naming it."""
    _answer(_resolved(customer, agent, "First"), "good")
    api = Api(agent)
    wide = api.get("/surveys/", rated_after="2000-01-01T00:00:00+20:57").json()["results"]
    assert len(wide) == 1
    off = api.get("/surveys/", rated_before="0001-01-01T00:00:00+05:00")
    assert off.status_code == 400 and off.json()["error"]["fields"].keys() == {"rated_before"}
