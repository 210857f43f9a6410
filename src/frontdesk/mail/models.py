"""Every mail that arrives, kept raw before anything else is done with it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from frontdesk.core.clock import now
from frontdesk.core.errors import Said


class InboundMail(models.Model):
    """One received mail. The raw bytes are stored first, in their own transaction, so no mail
    is ever lost to a parsing error or a crash: what cannot be handled stays here, quarantined
    or held, for an admin or an agent to see."""

    class Status(models.TextChoices):
        RECEIVED = "received", gettext_noop("Received, not yet handled")
        IMPORTED = "imported", gettext_noop("Imported")
        HELD = "held", gettext_noop("Held for an agent")
        QUARANTINED = "quarantined", gettext_noop("Quarantined")
        IGNORED = "ignored", gettext_noop("Ignored")

    received_at = models.DateTimeField(default=now, db_index=True)
    source = models.CharField(
        max_length=300, help_text=_("where it came from (imap://…, smtp, lmtp)")
    )
    envelope_from = models.CharField(max_length=998, blank=True)
    envelope_to = models.TextField(blank=True, help_text=_("the envelope recipients, one a line"))
    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    message_id_header = models.CharField(max_length=998, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    reason = models.TextField(blank=True, help_text=_("why it was held, quarantined or ignored"))
    # The same as its text's facts (core/errors.Said.facts), to say it in the reader's
    # language; None for a reason stored before they were kept, or one that is a failure's
    # own words (shown as stored).
    reason_facts = models.JSONField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the pipeline read from the headers, for the lists agents and admins see.
    from_address = models.CharField(max_length=254, blank=True, db_index=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    # An agent's decision on a held mail (accepted: imported; dismissed: ignored).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"], name="mail_status_received")]

    def __str__(self) -> str:
        return f"mail {self.pk} from {self.envelope_from or '?'} ({self.status})"

    def reason_said(self) -> str:
        """The reason in the active language; as stored when its facts were not kept."""
        if self.reason_facts:
            return Said.from_facts(self.reason_facts).said()
        return self.reason


# --- the IMAP poller's own records (mail/imap.py) -------------------------------------------


class ImapMailbox(models.Model):
    """One polled folder (``user@host:port/folder``): who polls it now, as a lease a poller
    renews while it works and its successor takes over once it lapses (or its process is
    gone), and the state of the current incident, so that a mailbox that cannot be reached is
    logged once, not every minute."""

    key = models.CharField(max_length=300, unique=True)
    lease_owner = models.CharField(max_length=200, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.key


class ImapImported(models.Model):
    """A message the poller has handed to the intake, by its IMAP identity (UIDVALIDITY and
    UID in the folder). Written in the transaction that keeps the raw, so a poll interrupted
    before the message was marked seen (or moved) does not import it again, Message-ID or
    not."""

    mailbox = models.ForeignKey(ImapMailbox, on_delete=models.CASCADE, related_name="imported")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    inbound = models.ForeignKey(
        InboundMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="mail_imap_imported_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.uidvalidity}:{self.uid}"
