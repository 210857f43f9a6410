"""The .eml library (tests/mail/fixtures) and a fixed desk for the pipeline's tests.

A fixture may hold ``{placeholders}`` for what only exists at test time (a ticket's number, a
signed reply address or Message-ID, which depend on the ticket and the secret key); :func:`eml`
fills the ones it is given and leaves every other brace alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from frontdesk.mail.intake import mail_receive
from frontdesk.mail.models import InboundMail

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUPPORT = "support@studio.example"


def eml(name: str, **values: object) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(b"{" + key.encode() + b"}", str(value).encode())
    return raw


def receive(raw: bytes, **kwargs: object) -> InboundMail:
    """Through the one way in, as the intakes call it; the row as stored afterwards."""
    inbound = mail_receive(raw, source="test", **kwargs)  # type: ignore[arg-type]
    stored = InboundMail.objects.get(pk=inbound.pk)
    assert bytes(stored.raw) == raw  # nothing lost, whatever became of it
    return stored


@pytest.fixture
def support_desk(settings: Settings) -> str:
    settings.FRONTDESK_SUPPORT_ADDRESSES = [SUPPORT]
    settings.DEFAULT_FROM_EMAIL = f"Studio Support <{SUPPORT}>"
    return SUPPORT
