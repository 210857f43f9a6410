"""Whatever arrives, the pipeline decides something and keeps the raw: every fixture of the
library cut short and with bytes flipped, and a mail left unhandled by a stopped process."""

from __future__ import annotations

import random

import pytest

from frontdesk.mail.models import InboundMail
from frontdesk.mail.pipeline import mail_process_waiting
from frontdesk.mail.tasks import mail_waiting_sweep
from frontdesk.tickets.models import Ticket
from tests.conftest import Clock
from tests.mail.eml import FIXTURES, eml, receive, support_desk  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("support_desk")]

DECIDED = {
    InboundMail.Status.IMPORTED,
    InboundMail.Status.HELD,
    InboundMail.Status.QUARANTINED,
    InboundMail.Status.IGNORED,
}


def _mangled(raw: bytes, rng: random.Random) -> list[bytes]:
    cut = raw[: rng.randrange(1, len(raw))]
    flipped = bytearray(raw)
    for _ in range(max(1, len(raw) // 50)):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    no_breaks = raw.replace(b"\r\n\r\n", b"\r\n", 1)
    return [cut, bytes(flipped), no_breaks, raw.replace(b"\r\n", b"\n"), raw * 2]


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.eml")))
def test_a_mangled_mail_is_always_decided_and_kept(name: str) -> None:
    rng = random.Random(name)  # the same bytes on every run
    for number, raw in enumerate(_mangled(eml(name), rng)):
        inbound = receive(
            raw.replace(b"Message-ID: <", f"Message-ID: <v{number}.".encode())
        )  # checks the raw is kept
        assert inbound.status in DECIDED, (name, inbound.status)
        assert inbound.processed_at is not None
        if inbound.status != InboundMail.Status.IMPORTED:
            assert inbound.reason


def test_mail_left_unhandled_is_handled_by_the_sweep(clock: Clock) -> None:
    stored = InboundMail.objects.create(source="test", raw=eml("plain.eml"), size=1)
    assert mail_process_waiting() == 0  # a mail just stored may still be in hand
    clock.advance(6 * 60)
    assert mail_waiting_sweep.call_local() == 1
    stored.refresh_from_db()
    assert stored.status == InboundMail.Status.IMPORTED
    assert Ticket.objects.count() == 1
    assert mail_process_waiting() == 0
