"""Who wants which notifications: each user's choices per kind, an agent's digest, and the
signed one-click unsubscribe links every mail of a kind one can turn off carries.

A user changes only their own choices; an admin may read anyone's (to answer "why did I get
no mail?"). An unsubscribe link needs no sign-in: it is signed (django.core.signing, under
SECRET_KEY) and names one user and one kind, so it can turn off that and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.notifications.kinds import KINDS, DigestPeriod, Kind, kinds_for
from frontdesk.notifications.models import DigestPreference, NotificationPreference

UNSUBSCRIBE_SALT = "frontdesk.notifications.unsubscribe"
UNSUBSCRIBE_INVALID = gettext_noop(
    "This unsubscribe link is not valid. Sign in to change your notifications."
)
PERSON_NOT_FOUND = gettext_noop("There is no user with that id.")


@dataclass(frozen=True)
class Preferences:
    """A user's notification choices: each kind they can receive with on/off, and their
    digest (always ``off`` for a customer)."""

    user: User
    kinds: list[tuple[Kind, bool]]
    digest: str

    def enabled(self, kind: str) -> bool:
        return next(on for each, on in self.kinds if each.name == kind)


def _receives(user: User) -> list[Kind]:
    return kinds_for(staff=user.is_staff_member)


def preferences_of(user: User) -> Preferences:
    """``user``'s choices (the defaults where they made none). Two queries."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "enabled"))
    kinds = [(kind, stored.get(kind.name, kind.default)) for kind in _receives(user)]
    digest = DigestPeriod.OFF.value
    if user.is_staff_member:
        digest = (
            DigestPreference.objects.filter(user=user).values_list("period", flat=True).first()
            or DigestPeriod.OFF.value
        )
    return Preferences(user=user, kinds=kinds, digest=digest)


def notification_preferences_get(*, actor: User, user_id: int) -> Preferences:
    """Someone's choices: one's own, or anyone's for an admin."""
    if actor.pk != user_id and not actor.is_admin:
        raise NotAllowed(gettext_noop("You can only see your own notification settings."))
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(PERSON_NOT_FOUND)
    return preferences_of(user)


def notification_preferences_set(
    *, actor: User, user: User, enabled: Mapping[str, bool], digest: str | None = None
) -> Preferences:
    """Turn kinds on or off and (agents) choose a digest, all or nothing. Only one's own:
    nobody, an admin included, chooses which mail someone else gets. Every kind named must be
    one the user can receive; a kind left out keeps its current choice."""
    if actor.pk != user.pk:
        raise NotAllowed(gettext_noop("You can only change your own notification settings."))
    if not actor.is_active:
        raise NotAllowed(gettext_noop("This account is not active."))
    allowed = {kind.name for kind in _receives(user)}
    for name, value in enabled.items():
        if name not in allowed:
            raise InvalidInput(
                gettext_noop("There is no notification called %(name)s for you."),
                values={"name": repr(name)},
                field=name,
            )
        if not isinstance(value, bool):
            raise InvalidInput(gettext_noop("Choose on or off."), field=name)
    if digest is not None:
        if not user.is_staff_member:
            raise InvalidInput(gettext_noop("Digests are for agents."), field="digest")
        if digest not in {period.value for period in DigestPeriod}:
            raise InvalidInput(gettext_noop("Choose no digest, hourly or daily."), field="digest")
    with transaction.atomic():
        _store(user, enabled)
        if digest is not None:
            DigestPreference.objects.update_or_create(
                user=user, defaults={"period": digest, "updated_at": now()}
            )
    return preferences_of(user)


def _store(user: User, enabled: Mapping[str, bool]) -> None:
    moment = now()
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=kind, enabled=value, updated_at=moment)
            for kind, value in enabled.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["enabled", "updated_at"],
    )


# --- what the rules ask ---------------------------------------------------------------------


def wanted(user_ids: Iterable[int], kind: str) -> set[int]:
    """Of ``user_ids``, those who receive ``kind`` (their choice, else its default). One query."""
    ids = set(user_ids)
    if not ids:
        return set()
    choices = dict(
        NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list(
            "user_id", "enabled"
        )
    )
    default = KINDS[kind].default
    return {user_id for user_id in ids if choices.get(user_id, default)}


def wanted_pairs(pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Of ``(user id, kind)`` pairs, those whose user receives that kind (their choice, else
    the kind's default). One query for any number of people and kinds."""
    asked = set(pairs)
    if not asked:
        return set()
    user_ids = sorted({user_id for user_id, _ in asked})
    kinds = sorted({kind for _, kind in asked})
    choices = {
        (user_id, kind): enabled
        for user_id, kind, enabled in _choices((len(user_ids), len(kinds)), *user_ids, *kinds)
    }
    return {pair for pair in asked if choices.get(pair, KINDS[pair[1]].default)}


def _choices_query(
    counts: tuple[int, int], *values: int | str
) -> QuerySet[NotificationPreference, tuple[int, str, bool]]:
    user_ids, kinds = values[: counts[0]], values[counts[0] :]
    return NotificationPreference.objects.filter(user_id__in=user_ids, kind__in=kinds).values_list(
        "user_id", "kind", "enabled"
    )


def digest_periods(user_ids: Iterable[int]) -> dict[int, str]:
    """The digest each of ``user_ids`` chose, for those with one on. One query."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(_digests(len(ids), *ids))


def _digests_query(count: int, *user_ids: int) -> QuerySet[DigestPreference, tuple[int, str]]:
    rows = DigestPreference.objects.filter(user_id__in=user_ids).exclude(period=DigestPeriod.OFF)
    return rows.values_list("user_id", "period")


# Asked by every change that notifies anyone: compiled once per number of people and kinds
# (core/compiled.py), since compiling them cost more than running them.
_choices = CompiledRead(_choices_query)
_digests = CompiledRead(_digests_query)


# --- unsubscribe links ----------------------------------------------------------------------


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=False)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = unsubscribe_token(user_id=user_id, kind=kind)
    return f"{settings.FRONTDESK_SITE_URL}/unsubscribe/{token}"


@dataclass(frozen=True)
class Unsubscribe:
    user: User
    kind: Kind
    enabled: bool  # the choice now


def unsubscribe_target(*, token: str) -> Unsubscribe:
    """What a link would turn off, for its confirmation page. A token that does not verify,
    names no user or a kind that user cannot receive is NotFound, all alike."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise NotFound(UNSUBSCRIBE_INVALID) from None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    name = payload.get("k") if isinstance(payload, dict) else None
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    kind = next((kind for kind in _receives(user) if kind.name == name), None) if user else None
    if user is None or kind is None:
        raise NotFound(UNSUBSCRIBE_INVALID)
    return Unsubscribe(user=user, kind=kind, enabled=wanted([user.pk], kind.name) == {user.pk})


def notification_unsubscribe(*, token: str) -> Unsubscribe:
    """Turn off the kind the link names for the user it names (RFC 8058 one-click, or the
    confirmation page's button). Doing it twice is fine."""
    target = unsubscribe_target(token=token)
    with transaction.atomic():
        _store(target.user, {target.kind.name: False})
    return Unsubscribe(user=target.user, kind=target.kind, enabled=False)
