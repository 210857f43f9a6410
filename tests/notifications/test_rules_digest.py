"""Agents' digests (notifications/digests.py): held items go out together, at most once a
period, under a clock the test moves."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.notifications import digests
from frontdesk.notifications.models import DigestItem, OutboxMail
from frontdesk.notifications.preferences import notification_preferences_set
from frontdesk.notifications.rendering import render
from frontdesk.tickets import services
from tests.conftest import Clock, open_ticket
from tests.notifications.rows import outbox

pytestmark = pytest.mark.django_db


def test_an_hourly_digest_waits_an_hour_then_carries_every_item(
    customer: User, agent: User, other_agent: User, clock: Clock
) -> None:
    notification_preferences_set(actor=agent, user=agent, enabled={}, digest="hourly")
    first = open_ticket(customer, "Heating broken")
    clock.advance(20 * 60)
    second = open_ticket(customer, "Lights <b>off</b>", assignee=agent, staff=other_agent)
    services.message_post(actor=customer, ticket_id=second.pk, body="Still dark.\nHelp!")
    assert outbox(recipient=agent) == []
    assert DigestItem.objects.filter(user=agent, digest__isnull=True).count() == 3

    clock.advance(30 * 60)  # the oldest has waited 50 minutes
    assert digests.digests_send_due() == 0
    clock.advance(11 * 60)
    assert digests.digests_send_due() == 1
    assert outbox(recipient=agent) == [("digest", "Alice")]
    mail = OutboxMail.objects.get(recipient=agent)
    assert DigestItem.objects.filter(digest=mail).count() == 3
    assert digests.digests_send_due() == 0  # nothing waits: nothing twice

    rendered = render(mail)
    assert rendered.subject == "Frontdesk: 3 updates for you"
    assert first.number in rendered.text and second.number in rendered.text
    assert "Still dark." in rendered.text
    assert "Lights &lt;b&gt;off&lt;/b&gt;" in rendered.html
    assert "<b>off</b>" not in rendered.html
    assert rendered.headers == {}  # a digest is turned off on the profile page


def test_a_daily_digest_waits_a_day(customer: User, agent: User, clock: Clock) -> None:
    notification_preferences_set(actor=agent, user=agent, enabled={}, digest="daily")
    open_ticket(customer)
    clock.advance(23 * 3600)
    assert digests.digests_send_due() == 0
    clock.advance(3600)
    assert digests.digests_send_due() == 1


def test_items_of_an_agent_who_turned_the_digest_off_go_at_once(
    customer: User, agent: User, clock: Clock
) -> None:
    notification_preferences_set(actor=agent, user=agent, enabled={}, digest="daily")
    open_ticket(customer)
    notification_preferences_set(actor=agent, user=agent, enabled={}, digest="off")
    assert digests.digests_send_due() == 1
    open_ticket(customer, "Next")  # no digest now: mailed at once
    assert outbox(recipient=agent) == [("digest", "Alice"), ("new_ticket", "Alice")]


def test_items_for_someone_who_can_no_longer_receive_mail_are_dropped(
    customer: User, agent: User, clock: Clock
) -> None:
    notification_preferences_set(actor=agent, user=agent, enabled={}, digest="hourly")
    open_ticket(customer)
    User.objects.filter(pk=agent.pk).update(is_active=False)
    clock.advance(3601)
    assert digests.digests_send_due() == 0
    assert not DigestItem.objects.filter(user=agent).exists()
    assert outbox(recipient=agent) == []
