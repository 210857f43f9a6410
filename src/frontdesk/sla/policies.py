"""Admins' use cases for business-hours calendars and SLA policies, with every rule on their
values; reads for the staff. The Django admin and the REST API are faces over these.

An edited policy (its targets, scope, calendar, order, or turned off) applies to the active
tickets it or another policy governs, in the worker (``clocks.sla_policies_reapply``): each gets the
policy that matches it now, with a history row when its due date moves. A new policy applies
to tickets opened from then on, and to those whose priority or category changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import Organisation, User
from frontdesk.core.clock import now
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.core.jobs import after_commit
from frontdesk.sla import clocks
from frontdesk.sla.calendars import check_hours, zone_get
from frontdesk.sla.models import BusinessCalendar, Holiday, SlaPolicy, SlaTarget
from frontdesk.teams.selectors import team_choose
from frontdesk.tickets.models import Category, Channel, Priority

ADMINS_ONLY = gettext_noop("Only admins can change SLA policies and calendars.")
MAX_TARGET_MINUTES = 366 * 24 * 60
TARGET_FIELDS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")


def _check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(ADMINS_ONLY)


def _check_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(gettext_noop("Only agents and admins can see SLA policies."))


def _name(value: object, *, field: str = "name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(gettext_noop("Give it a name."), field=field)
    if len(value.strip()) > 100:
        raise InvalidInput(gettext_noop("A name is at most 100 characters."), field=field)
    return value.strip()


# --- calendars ------------------------------------------------------------------------------


def _clock_time(value: object) -> time:
    if isinstance(value, str):
        try:
            parsed = time.fromisoformat(value)
            if parsed.second == 0 and parsed.microsecond == 0 and parsed.tzinfo is None:
                return parsed
        except ValueError:
            pass
    raise InvalidInput(
        gettext_noop("%(value)s is not a time of day such as 09:00."),
        values={"value": repr(value)},
        field="hours",
    )


def clean_hours(value: object) -> dict[str, list[list[str]]]:
    """Working hours as stored: ``{"0": [["09:00", "17:00"]], ...}`` (weekday 0 is Monday)."""
    if not isinstance(value, Mapping):
        raise InvalidInput(gettext_noop("Working hours map weekdays to intervals."), field="hours")
    parsed: dict[int, list[tuple[time, time]]] = {}
    for day, spans in value.items():
        try:
            weekday = int(day)
        except (TypeError, ValueError):
            raise InvalidInput(
                gettext_noop("%(day)s is not a weekday number."),
                values={"day": repr(day)},
                field="hours",
            ) from None
        if not isinstance(spans, list) or not all(
            isinstance(span, list | tuple) and len(span) == 2 for span in spans
        ):
            raise InvalidInput(gettext_noop("Each interval is a start and an end."), field="hours")
        parsed[weekday] = [(_clock_time(start), _clock_time(end)) for start, end in spans]
    check_hours(parsed)
    return {
        str(day): [[start.strftime("%H:%M"), end.strftime("%H:%M")] for start, end in spans]
        for day, spans in sorted(parsed.items())
        if spans
    }


def clean_holidays(value: object) -> list[Holiday]:
    """``[{"day": "2026-12-25", "yearly": true, "name": "Christmas"}, ...]`` as unsaved rows."""
    if not isinstance(value, list):
        raise InvalidInput(gettext_noop("Holidays are a list."), field="holidays")
    found: dict[date, Holiday] = {}
    for item in value:
        if not isinstance(item, Mapping):
            raise InvalidInput(gettext_noop("Each holiday has a day."), field="holidays")
        day = item.get("day")
        try:
            day = day if isinstance(day, date) else date.fromisoformat(str(day))
        except ValueError:
            raise InvalidInput(
                gettext_noop("%(day)s is not a date such as 2026-12-25."),
                values={"day": repr(day)},
                field="holidays",
            ) from None
        name = item.get("name", "")
        if not isinstance(name, str) or len(name) > 100:
            raise InvalidInput(
                gettext_noop("A holiday's name is text of 100 characters at most."),
                field="holidays",
            )
        yearly = item.get("yearly", False)
        if not isinstance(yearly, bool):
            raise InvalidInput(gettext_noop("Yearly is true or false."), field="holidays")
        found[day] = Holiday(day=day, yearly=yearly, name=name.strip())
    return list(found.values())


def calendar_get(*, actor: User, calendar_id: int) -> BusinessCalendar:
    _check_staff(actor)
    found = BusinessCalendar.objects.prefetch_related("holidays").filter(pk=calendar_id).first()
    if found is None:
        raise NotFound(gettext_noop("There is no such calendar."))
    return found


def calendars_list(*, actor: User) -> QuerySet[BusinessCalendar]:
    _check_staff(actor)
    return BusinessCalendar.objects.prefetch_related("holidays").order_by("name")


def _unique_calendar_name(name: str, pk: int | None = None) -> None:
    if BusinessCalendar.objects.filter(name__iexact=name).exclude(pk=pk or 0).exists():
        raise InvalidInput(gettext_noop("Another calendar has this name."), field="name")


def sla_calendar_create(
    *,
    actor: User,
    name: str,
    time_zone: str,
    hours: Mapping[str, Any],
    holidays: Iterable[Mapping[str, Any]] = (),
) -> BusinessCalendar:
    _check_admin(actor)
    name = _name(name)
    zone_get(time_zone)
    stored = clean_hours(hours)
    days = clean_holidays(list(holidays))
    with transaction.atomic():
        _unique_calendar_name(name)
        calendar = BusinessCalendar.objects.create(name=name, time_zone=time_zone, hours=stored)
        for day in days:
            day.calendar = calendar
        Holiday.objects.bulk_create(days)
    return calendar_get(actor=actor, calendar_id=calendar.pk)


def sla_calendar_update(
    *, actor: User, calendar_id: int, changes: Mapping[str, Any]
) -> BusinessCalendar:
    """Change a calendar's name, time zone, hours or holidays (the list replaces the old)."""
    _check_admin(actor)
    allowed = {"name", "time_zone", "hours", "holidays"}
    refused = sorted(set(changes) - allowed)
    if refused:
        raise InvalidInput(
            gettext_noop("These fields cannot be changed: %(fields)s."),
            values={"fields": ", ".join(refused)},
            field=refused[0],
        )
    with transaction.atomic():
        calendar = calendar_get(actor=actor, calendar_id=calendar_id)
        if "name" in changes:
            calendar.name = _name(changes["name"])
            _unique_calendar_name(calendar.name, calendar.pk)
        if "time_zone" in changes:
            zone_get(changes["time_zone"])
            calendar.time_zone = changes["time_zone"]
        if "hours" in changes:
            calendar.hours = clean_hours(changes["hours"])
        if "holidays" in changes:
            days = clean_holidays(changes["holidays"])
            calendar.holidays.all().delete()
            for day in days:
                day.calendar = calendar
            Holiday.objects.bulk_create(days)
        calendar.updated_at = now()
        calendar.save()
        if {"time_zone", "hours", "holidays"} & set(changes):
            _reapply_after_commit(actor)
    return calendar_get(actor=actor, calendar_id=calendar_id)


def sla_calendar_delete(*, actor: User, calendar_id: int) -> None:
    _check_admin(actor)
    with transaction.atomic():
        calendar = calendar_get(actor=actor, calendar_id=calendar_id)
        used = list(calendar.policies.values_list("name", flat=True)[:3])
        if used:
            raise InvalidInput(
                gettext_noop("Policies use this calendar (%(names)s); give them another first."),
                values={"names": ", ".join(used)},
            )
        calendar.delete()


# --- policies -------------------------------------------------------------------------------


def policies_list(*, actor: User) -> QuerySet[SlaPolicy]:
    _check_staff(actor)
    return (
        SlaPolicy.objects.select_related("calendar", "escalate_to", "notify")
        .prefetch_related("targets", "organisations")
        .order_by("position", "id")
    )


def policy_get(*, actor: User, policy_id: int) -> SlaPolicy:
    found = policies_list(actor=actor).filter(pk=policy_id).first()
    if found is None:
        raise NotFound(gettext_noop("There is no such SLA policy."))
    return found


def _codes(value: object, choices: type[Category] | type[Channel], field: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(
            gettext_noop("%(field)s are a list of codes."),
            values={"field": field.capitalize()},
            field=field,
        )
    unknown = sorted(set(value) - set(choices.values))
    if unknown:
        raise InvalidInput(
            gettext_noop("Unknown %(field)s: %(codes)s."),
            values={"field": field, "codes": ", ".join(unknown)},
            field=field,
        )
    return sorted(set(value))


def _staff_person(value: object, field: str) -> User | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(gettext_noop("Choose a person by id."), field=field)
    person = User.objects.filter(pk=value, is_active=True).first()
    if person is None or not person.is_staff_member:
        raise InvalidInput(gettext_noop("Choose an active agent or admin."), field=field)
    return person


def clean_targets(value: object) -> dict[str, dict[str, int | None]]:
    """``{"high": {"first_response_minutes": 60, ...}, ...}``: minutes, or None for none."""
    if not isinstance(value, Mapping):
        raise InvalidInput(gettext_noop("Targets map priorities to minutes."), field="targets")
    cleaned: dict[str, dict[str, int | None]] = {}
    for priority, minutes in value.items():
        if priority not in Priority.values:
            raise InvalidInput(
                gettext_noop("Unknown priority %(priority)s."),
                values={"priority": repr(priority)},
                field="targets",
            )
        if not isinstance(minutes, Mapping) or set(minutes) - set(TARGET_FIELDS):
            raise InvalidInput(
                gettext_noop("A target names %(fields)s."),
                values={"fields": ", ".join(TARGET_FIELDS)},
                field="targets",
            )
        row: dict[str, int | None] = {}
        for name in TARGET_FIELDS:
            number = minutes.get(name)
            if number is not None and (
                not isinstance(number, int)
                or isinstance(number, bool)
                or not 1 <= number <= MAX_TARGET_MINUTES
            ):
                raise InvalidInput(
                    gettext_noop("A target is a number of minutes from 1 to %(limit)s."),
                    values={"limit": MAX_TARGET_MINUTES},
                    field="targets",
                )
            row[name] = number
        cleaned[priority] = row
    return cleaned


def _clean_policy(values: Mapping[str, Any], pk: int | None = None) -> dict[str, Any]:
    known = {
        "name", "active", "calendar", "categories", "channels", "organisations", "targets",
        "warn_percent", "escalate_priority", "escalate_to", "notify", "escalate_team",
    }  # fmt: skip
    refused = sorted(set(values) - known)
    if refused:
        raise InvalidInput(
            gettext_noop("Unknown fields: %(fields)s."),
            values={"fields": ", ".join(refused)},
            field=refused[0],
        )
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = _name(values["name"])
        if SlaPolicy.objects.filter(name__iexact=cleaned["name"]).exclude(pk=pk or 0).exists():
            raise InvalidInput(gettext_noop("Another policy has this name."), field="name")
    for flag in ("active", "escalate_priority"):
        if flag in values:
            if not isinstance(values[flag], bool):
                raise InvalidInput(gettext_noop("Say true or false."), field=flag)
            cleaned[flag] = values[flag]
    if "calendar" in values:
        calendar_id = values["calendar"]
        if calendar_id is None:
            cleaned["calendar"] = None
        else:
            found = (
                BusinessCalendar.objects.filter(pk=calendar_id).first()
                if isinstance(calendar_id, int) and not isinstance(calendar_id, bool)
                else None
            )
            if found is None:
                raise InvalidInput(gettext_noop("There is no such calendar."), field="calendar")
            cleaned["calendar"] = found
    if "categories" in values:
        cleaned["categories"] = _codes(values["categories"], Category, "categories")
    if "channels" in values:
        cleaned["channels"] = _codes(values["channels"], Channel, "channels")
    if "organisations" in values:
        ids = values["organisations"]
        if not isinstance(ids, list | tuple) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            raise InvalidInput(
                gettext_noop("Organisations are a list of ids."), field="organisations"
            )
        found_orgs = list(Organisation.objects.filter(pk__in=ids))
        if len(found_orgs) != len(set(ids)):
            raise InvalidInput(
                gettext_noop("There is no such organisation."), field="organisations"
            )
        cleaned["organisations"] = found_orgs
    if "targets" in values:
        cleaned["targets"] = clean_targets(values["targets"])
    if "warn_percent" in values:
        percent = values["warn_percent"]
        if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 99:
            raise InvalidInput(
                gettext_noop("Warn at a percentage from 1 to 99 of the target (0: no warning)."),
                field="warn_percent",
            )
        cleaned["warn_percent"] = percent
    for person in ("escalate_to", "notify"):
        if person in values:
            cleaned[person] = _staff_person(values[person], person)
    if "escalate_team" in values:
        team = values["escalate_team"]
        cleaned["escalate_team"] = (
            None if team is None else team_choose(team, field="escalate_team")
        )
    return cleaned


def _apply(policy: SlaPolicy, cleaned: Mapping[str, Any]) -> None:
    for name, value in cleaned.items():
        if name not in {"organisations", "targets"}:
            setattr(policy, name, value)
    policy.updated_at = now()
    policy.save()
    if "organisations" in cleaned:
        policy.organisations.set(cleaned["organisations"])
    if "targets" in cleaned:
        policy.targets.all().delete()
        SlaTarget.objects.bulk_create(
            SlaTarget(policy=policy, priority=priority, **minutes)
            for priority, minutes in cleaned["targets"].items()
            if any(minutes.values())
        )


def sla_policy_create(*, actor: User, values: Mapping[str, Any]) -> SlaPolicy:
    """A new policy, last in the order. ``values``: name (required), targets, calendar (an
    id; none for round the clock), categories, channels, organisations (ids), warn_percent,
    escalate_priority, escalate_to and notify (an agent's id), escalate_team (a team's id),
    active."""
    _check_admin(actor)
    if "name" not in values:
        raise InvalidInput(gettext_noop("Give it a name."), field="name")
    with transaction.atomic():
        cleaned = _clean_policy(values)
        last = SlaPolicy.objects.aggregate(last=Max("position"))["last"]
        policy = SlaPolicy(position=0 if last is None else last + 1)
        _apply(policy, cleaned)
    return policy_get(actor=actor, policy_id=policy.pk)


def sla_policy_update(*, actor: User, policy_id: int, changes: Mapping[str, Any]) -> SlaPolicy:
    """Change a policy (the fields as :func:`sla_policy_create` takes them; targets replace
    the old). The tickets it governs follow, in the worker."""
    _check_admin(actor)
    with transaction.atomic():
        policy = policy_get(actor=actor, policy_id=policy_id)
        _apply(policy, _clean_policy(changes, pk=policy.pk))
        _reapply_after_commit(actor)
    return policy_get(actor=actor, policy_id=policy_id)


def sla_policy_delete(*, actor: User, policy_id: int) -> None:
    """Delete a policy no active ticket is under (turn it off first: its tickets move to the
    policy that matches them then). Done tickets lose its clocks."""
    _check_admin(actor)
    with transaction.atomic():
        policy = policy_get(actor=actor, policy_id=policy_id)
        if clocks.tickets_under(policy.pk):
            raise InvalidInput(
                gettext_noop(
                    "Open tickets are under this policy: turn it off first, and delete it once "
                    "they have moved to another."
                ),
                field="active",
            )
        policy.delete()


def sla_policies_reorder(*, actor: User, policy_ids: list[int]) -> list[SlaPolicy]:
    """Put the policies in this order (every policy, each once): the first that matches a
    ticket applies."""
    _check_admin(actor)
    with transaction.atomic():
        policies = {p.pk: p for p in SlaPolicy.objects.select_for_update()}
        if sorted(policy_ids) != sorted(policies) or len(set(policy_ids)) != len(policy_ids):
            raise InvalidInput(
                gettext_noop("Name every policy once, in the new order."), field="order"
            )
        for position, pk in enumerate(policy_ids):
            if policies[pk].position != position:
                policies[pk].position = position
                policies[pk].save(update_fields=["position"])
        _reapply_after_commit(actor)
    return list(policies_list(actor=actor))


def sla_policies_move(*, actor: User, policy_ids: list[int], step: int) -> list[SlaPolicy]:
    """Move the chosen policies one place earlier (``step`` -1) or later (+1) in the order."""
    _check_admin(actor)
    if step not in (-1, 1):
        raise InvalidInput(gettext_noop("Move one place earlier or later."), field="order")
    order = list(SlaPolicy.objects.order_by("position", "id").values_list("pk", flat=True))
    chosen = set(policy_ids) & set(order)
    for pk in sorted(chosen, key=order.index, reverse=step > 0):
        place = order.index(pk)
        other = place + step
        if 0 <= other < len(order) and order[other] not in chosen:
            order[place], order[other] = order[other], order[place]
    return sla_policies_reorder(actor=actor, policy_ids=order)


def _reapply_after_commit(actor: User) -> None:
    actor_id = actor.pk

    def queue() -> None:
        from frontdesk.sla.tasks import policies_reapply

        policies_reapply(actor_id)

    after_commit(queue, what="apply the edited SLA policies")
