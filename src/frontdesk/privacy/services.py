"""Privacy use cases: export a customer's data, anonymise a customer, delete a customer, and
the retention policy. Every rule about them is here, once; the pages, the REST API and the
admin call these functions (docs/privacy.md).

* Export: a customer their own data, an admin anyone's (agents none), under a rate limit.
* Anonymise (admins): the tickets and messages stay for the desk's records; the person is
  replaced by ``deleted-user-<id>`` and everything else that was theirs (sign-in, tokens,
  two-factor, preferences, CC entries, staff note, the files they uploaded, the mails they
  sent as stored by the mail intake, the mails sent to them) is removed.
* Delete (admins): the tickets they requested go entirely, files included, then the account
  is anonymised as above and removed, unless they wrote on someone else's ticket (as CC):
  those messages stay, and so does the anonymised account that wrote them.
* Both refuse staff and System, are idempotent, and write a PrivacyLog row; each kept ticket
  they change gets a system line saying so.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import (
    SYSTEM_USER_ID,
    ApiToken,
    CustomerNote,
    PasswordResetToken,
    ProfileIcon,
    Role,
    SessionEvent,
    SsoIdentity,
    TwoFactor,
    User,
)
from frontdesk.accounts.sessions import sessions_end_for
from frontdesk.core import clock, ratelimit
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.core.models import IdempotencyKey
from frontdesk.following.models import CcPerson
from frontdesk.mail.models import InboundMail
from frontdesk.notifications.models import (
    DigestItem,
    DigestPreference,
    NotificationPreference,
    OutboxMail,
)
from frontdesk.privacy import export
from frontdesk.privacy.models import PrivacyAction, PrivacyLog
from frontdesk.tickets.files import delete_after_commit
from frontdesk.tickets.models import (
    Attachment,
    StagedUpload,
    Status,
    Ticket,
    TicketEvent,
    TicketRead,
)
from frontdesk.tickets.services import record_change, system_message_write

logger = logging.getLogger(__name__)

EXPORT_LIMIT = "privacy_export_user"
CUSTOMER_NOT_FOUND = gettext_noop("There is no customer with that id.")
ONLY_OWN_EXPORT = gettext_noop("Customers can download their own data; admins anyone's.")
ONLY_ADMINS = gettext_noop("Only an admin can anonymise or delete a customer.")
NOT_A_CUSTOMER = gettext_noop(
    "Only customer accounts can be exported, anonymised or deleted here; staff accounts and "
    "System cannot. Make a staff account a customer first if that is what you mean."
)
PLACEHOLDER_PREFIX = "deleted-user-"
ANONYMISED_LINE = "A participant's personal data was removed from this ticket (privacy request)."


def placeholder_name(user_id: int) -> str:
    return f"{PLACEHOLDER_PREFIX}{user_id}"


def placeholder_email(user_id: int) -> str:
    # .invalid is reserved (RFC 2606): no mail can ever go there.
    return f"{placeholder_name(user_id)}@deleted.invalid"


def is_anonymised(user: User) -> bool:
    return user.username == placeholder_name(user.pk) and user.email == placeholder_email(user.pk)


def check_customer(user: User) -> None:
    if user.role != Role.CUSTOMER:
        raise InvalidInput(NOT_A_CUSTOMER)


def _account(customer_id: int, *, lock: bool = False) -> User | None:
    """The account with this id (System's is 0), locked for the caller's transaction."""
    if not (is_id(customer_id) or customer_id == SYSTEM_USER_ID):
        return None
    query = User.objects.select_for_update() if lock else User.objects.all()
    return query.filter(pk=customer_id).first()


def _customer_locked(customer_id: int) -> User:
    user = _account(customer_id, lock=True)
    if user is None:
        raise NotFound(CUSTOMER_NOT_FOUND)
    return user


# --- export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """A finished export: the zip (an open temporary file, deleted when closed) and its name."""

    file: IO[bytes]
    filename: str
    log: PrivacyLog


def customer_export(*, actor: User, customer_id: int) -> Export:
    """The customer's data as a zip (privacy/export.py). A customer may ask for their own, an
    admin for anyone's; an agent for nobody's. Rate limited per asker."""
    if not (actor.is_admin or (actor.role == Role.CUSTOMER and actor.is_active)):
        raise NotAllowed(ONLY_OWN_EXPORT)
    if not actor.is_admin and actor.pk != customer_id:
        raise NotAllowed(ONLY_OWN_EXPORT)
    customer = _account(customer_id)
    if customer is None:
        raise NotFound(CUSTOMER_NOT_FOUND)
    check_customer(customer)
    ratelimit.limits_hit((EXPORT_LIMIT, f"user:{actor.pk}"))
    file, counts = export.export_write(customer)
    log = PrivacyLog.objects.create(
        action=PrivacyAction.EXPORT, actor=actor, customer_id=customer.pk, counts=counts
    )
    return Export(file=file, filename=export.export_name(customer), log=log)


# --- anonymise --------------------------------------------------------------------------------


def customer_anonymise(*, actor: User, customer_id: int) -> PrivacyLog:
    """Anonymise a customer (admins only). A second call changes nothing and answers the
    first call's log row."""
    if not actor.is_admin:
        raise NotAllowed(ONLY_ADMINS)
    with transaction.atomic():
        customer = _customer_locked(customer_id)
        check_customer(customer)
        if is_anonymised(customer):
            earlier = PrivacyLog.objects.filter(
                customer_id=customer.pk, action=PrivacyAction.ANONYMISE
            ).first()
            if earlier is not None:
                return earlier
        counts = _anonymise(customer, actor=actor)
        return PrivacyLog.objects.create(
            action=PrivacyAction.ANONYMISE, actor=actor, customer_id=customer.pk, counts=counts
        )


def _anonymise(customer: User, *, actor: User | None) -> dict[str, int]:
    """Remove the customer's personal data, inside the caller's transaction; what was removed,
    counted. Tickets and messages stay."""
    counts: Counter[str] = Counter()
    old_email = customer.email
    old_addresses = {old_email.lower()} | (
        {customer.email_pending.lower()} if customer.email_pending else set()
    )
    new_email = placeholder_email(customer.pk)
    touched: Counter[int] = Counter()  # ticket id: files removed

    # The files they uploaded, wherever: rows now, stored files once committed.
    uploads = list(Attachment.objects.filter(uploader=customer).select_related("message"))
    for attachment in uploads:
        touched[attachment.message.ticket_id] += 1
    counts["files"] = len(uploads)
    if uploads:
        Attachment.objects.filter(pk__in=[a.pk for a in uploads]).delete()
        delete_after_commit([a.file.name for a in uploads])
    staged = list(StagedUpload.objects.filter(owner=customer))
    if staged:
        StagedUpload.objects.filter(pk__in=[s.pk for s in staged]).delete()
        delete_after_commit([s.file.name for s in staged])

    # Copied on others' tickets: no longer. The history's CC rows named their address.
    cc_rows = list(CcPerson.objects.filter(person=customer))
    counts["cc"] = len(cc_rows)
    CcPerson.objects.filter(pk__in=[row.pk for row in cc_rows]).delete()
    copied_on = {row.ticket_id for row in cc_rows}
    for ticket_id in copied_on:
        touched.setdefault(ticket_id, 0)
    for field in ("old_value", "new_value"):
        counts["history"] += TicketEvent.objects.filter(
            field=TicketEvent.Field.CC, **{f"{field}__in": _cases(old_addresses)}
        ).update(**{field: new_email})

    # Signing in, and everything that proves who they are.
    counts["sessions"] = sessions_end_for(customer, actor=actor)
    counts["session_events"] = SessionEvent.objects.filter(
        Q(user=customer) | Q(username_tried__in=_cases({customer.username.lower()} | old_addresses))
    ).delete()[0]
    counts["api_tokens"] = ApiToken.objects.filter(user=customer).delete()[0]
    counts["two_factor"] = TwoFactor.objects.filter(user=customer).delete()[0]
    # The provider's or the directory's name for them (accounts/sso.py): signing in there
    # again makes a new account rather than finding this one.
    counts["sign_on_links"] = SsoIdentity.objects.filter(user=customer).delete()[0]
    counts["reset_tokens"] = PasswordResetToken.objects.filter(user=customer).delete()[0]
    IdempotencyKey.objects.filter(user=customer).delete()
    counts["preferences"] = (
        NotificationPreference.objects.filter(user=customer).delete()[0]
        + DigestPreference.objects.filter(user=customer).delete()[0]
    )
    DigestItem.objects.filter(user=customer).delete()
    TicketRead.objects.filter(user=customer).delete()
    counts["staff_note"] = CustomerNote.objects.filter(customer=customer).delete()[0]

    # Mail: what they sent, as the intake stored it (raw included), and what was sent to them.
    counts.update(_mail_forget(customer, old_addresses))

    customer.username = placeholder_name(customer.pk)
    customer.email = new_email
    customer.email_pending = ""
    customer.email_verified_at = None
    customer.set_unusable_password()
    customer.is_active = False
    customer.organisation = None
    customer.profile_icon = ProfileIcon.BLUE
    customer.time_zone = ""
    customer.last_login = None
    customer.token_version += 1  # every SupportMe JWT they held ends
    customer.token_kept_jti = ""
    customer.save(
        update_fields=[
            "username",
            "email",
            "email_pending",
            "email_verified_at",
            "password",
            "is_active",
            "organisation",
            "profile_icon",
            "time_zone",
            "last_login",
            "token_version",
            "token_kept_jti",
        ]
    )

    # The kept tickets they were part of say that something was removed.
    requested = Ticket.objects.filter(requester=customer).values_list("pk", flat=True)
    for ticket_id in requested:
        touched.setdefault(ticket_id, 0)
    for ticket in Ticket.objects.filter(pk__in=list(touched)).order_by("pk"):
        files = touched[ticket.pk]
        line = ANONYMISED_LINE + (f" {files} file(s) removed." if files else "")
        system_message_write(ticket, line)
        if ticket.pk in copied_on:
            record_change(ticket, actor, TicketEvent.Field.CC, new_email, "")
    counts["tickets"] = len(touched)
    return {key: value for key, value in counts.items() if value}


def _cases(values: set[str]) -> list[str]:
    """Exact-match candidates for ``__in`` lookups, in the case forms people type."""
    return sorted({form for value in values for form in (value, value.lower(), value.upper())})


def _mail_forget(customer: User, addresses: set[str]) -> dict[str, int]:
    sent_by = Q(message__author=customer)
    for address in addresses:
        sent_by |= Q(from_address__iexact=address) | Q(envelope_from__iexact=address)
    mails = InboundMail.objects.filter(sent_by)
    # A mail that became part of a ticket keeps its place, without who sent it or its bytes;
    # one held, quarantined or ignored goes: its sender is gone.
    kept = mails.filter(status=InboundMail.Status.IMPORTED).update(
        from_address="", from_name="", envelope_from="", raw=b"", size=0
    )
    dropped = (
        InboundMail.objects.filter(sent_by).exclude(status=InboundMail.Status.IMPORTED).delete()[0]
    )
    to_them = Q(recipient=customer)
    for address in addresses:
        to_them |= Q(to_address__iexact=address)
    outbox = OutboxMail.objects.filter(to_them).delete()[0]
    return {"inbound_mail": kept + dropped, "outbox_mail": outbox}


# --- delete -----------------------------------------------------------------------------------


def customer_erase(*, actor: User, customer_id: int) -> PrivacyLog:
    """Delete a customer and the tickets they requested (admins only). Asked again for a
    customer already deleted, it answers the first call's log row."""
    if not actor.is_admin:
        raise NotAllowed(ONLY_ADMINS)
    with transaction.atomic():
        customer = _account(customer_id, lock=True)
        if customer is None:
            earlier = (
                PrivacyLog.objects.filter(
                    customer_id=customer_id, action=PrivacyAction.ERASE
                ).first()
                if is_id(customer_id)
                else None
            )
            if earlier is None:
                raise NotFound(CUSTOMER_NOT_FOUND)
            return earlier
        check_customer(customer)
        ticket_ids = list(Ticket.objects.filter(requester=customer).values_list("pk", flat=True))
        if not ticket_ids and is_anonymised(customer):
            earlier = PrivacyLog.objects.filter(
                customer_id=customer.pk, action=PrivacyAction.ERASE
            ).first()
            if earlier is not None:  # deleted before; the account stayed for others' tickets
                return earlier
        counts = Counter({"tickets_deleted": tickets_delete(ticket_ids)})
        counts.update(_anonymise(customer, actor=actor))
        kept = _erase_account(customer)
        note = (
            ""
            if not kept
            else (
                "The anonymised account stays: it wrote on tickets of other people "
                "(copied on them), which keep their conversation."
            )
        )
        return PrivacyLog.objects.create(
            action=PrivacyAction.ERASE,
            actor=actor,
            customer_id=customer_id,
            counts={key: value for key, value in counts.items() if value},
            note=note,
        )


def _erase_account(customer: User) -> bool:
    """Remove the account row; True when it must stay because rows of others' tickets (their
    messages, a ticket they opened for someone) still name it."""
    if customer.messages.exists() or customer.created_tickets.exists():
        return True
    customer.delete()
    return False


def tickets_delete(ticket_ids: list[int]) -> int:
    """Delete tickets with their conversation, files, history and the mails that became
    them (inside the caller's transaction); the stored files go once committed."""
    if not ticket_ids:
        return 0
    stored = list(
        Attachment.objects.filter(message__ticket_id__in=ticket_ids).values_list("file", flat=True)
    )
    InboundMail.objects.filter(
        Q(ticket_id__in=ticket_ids) | Q(message__ticket_id__in=ticket_ids)
    ).delete()
    deleted = 0
    for ticket in Ticket.objects.filter(pk__in=ticket_ids):
        ticket.delete()  # one by one: live/announce.py and the counts hear of each
        deleted += 1
    delete_after_commit(stored)
    return deleted


# --- retention --------------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when
    it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def retention_cutoff() -> datetime | None:
    months = settings.FRONTDESK_RETENTION_CLOSED_MONTHS
    return months_before(clock.now(), months) if months > 0 else None


def retention_apply() -> PrivacyLog | None:
    """Apply the retention policy once (the worker's daily job): closed tickets closed before
    the cut-off are deleted (``delete``), or their requesters anonymised (``anonymise``) when
    every ticket they requested is such a ticket. None when the policy is off or found
    nothing to do. Each small batch (or customer) is its own transaction, so the job never
    holds the database's writers for long; a run stopped half-way is finished by the next."""
    cutoff = retention_cutoff()
    if cutoff is None:
        return None
    expired = Ticket.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff)
    if settings.FRONTDESK_RETENTION_ACTION == "delete":
        counts = {"tickets_deleted": _retention_delete(expired)}
    else:
        counts = {"customers_anonymised": _retention_anonymise(expired, cutoff)}
    if not any(counts.values()):
        return None
    log = PrivacyLog.objects.create(
        action=PrivacyAction.RETENTION,
        counts=counts,
        note=f"{settings.FRONTDESK_RETENTION_ACTION}: closed before {cutoff:%Y-%m-%d}",
    )
    logger.info("retention policy applied: %s", counts)
    return log


# One run handles at most this many tickets (or customers); the next day's run goes on.
RETENTION_BATCH = 500
# Tickets deleted per transaction.
DELETE_CHUNK = 50


def _retention_delete(expired: QuerySet[Ticket]) -> int:
    ids = list(expired.order_by("pk").values_list("pk", flat=True)[:RETENTION_BATCH])
    deleted = 0
    for start in range(0, len(ids), DELETE_CHUNK):
        with transaction.atomic():
            chunk = expired.filter(pk__in=ids[start : start + DELETE_CHUNK])
            deleted += tickets_delete(list(chunk.values_list("pk", flat=True)))
    return deleted


def _retention_anonymise(expired: QuerySet[Ticket], cutoff: datetime) -> int:
    recent = Ticket.objects.filter(
        ~Q(status=Status.CLOSED) | Q(closed_at__gte=cutoff) | Q(closed_at__isnull=True)
    ).values("requester_id")
    candidates = (
        User.objects.filter(role=Role.CUSTOMER, requested_tickets__in=expired)
        .exclude(pk__in=recent)
        .exclude(username__startswith=PLACEHOLDER_PREFIX)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)[:RETENTION_BATCH]
    )
    done = 0
    for customer_id in list(candidates):
        with transaction.atomic():
            customer = _account(customer_id, lock=True)
            # Checked again under the lock: a new ticket, or an admin, may have come first.
            if customer is None or is_anonymised(customer) or customer.role != Role.CUSTOMER:
                continue
            if Ticket.objects.filter(requester=customer).exclude(pk__in=expired).exists():
                continue
            counts = _anonymise(customer, actor=None)
            PrivacyLog.objects.create(
                action=PrivacyAction.ANONYMISE,
                customer_id=customer.pk,
                counts=counts,
                note="retention policy",
            )
            done += 1
    return done
