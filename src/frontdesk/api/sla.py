"""SLA policies and business-hours calendars in the REST API (/api/ticketing/sla/): agents read
them and a ticket's SLA; admins create, change, order and delete them. Customers have none
(403). Rules and permissions: sla/policies.py and sla/selectors.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.sla import policies, selectors
from frontdesk.sla.models import BusinessCalendar, SlaPolicy

router = Router(tags=["SLA"])

LIST = frozenset({401, 403, 429})
READ = frozenset({401, 403, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 409, 413, 415, 429})
DELETE = frozenset({400, 401, 403, 404, 429})

HOURS_HELP = (
    'Weekday ("0" is Monday) to intervals ["09:00", "17:00"]; an interval whose end is not '
    "after its start runs past midnight."
)


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class HolidayIO(_Strict):
    day: date
    yearly: bool = Field(False, description="Every year on this month and day.")
    name: str = Field("", max_length=100)


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    hours: dict[str, list[list[str]]] = Field(description=HOURS_HELP)
    holidays: list[HolidayIO]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_holidays(obj: BusinessCalendar) -> list[dict[str, Any]]:
        return [{"day": h.day, "yearly": h.yearly, "name": h.name} for h in obj.holidays.all()]


class CalendarIn(_Strict):
    name: str = Field(max_length=100)
    time_zone: str = Field("UTC", max_length=64, description="An IANA zone: Europe/London.")
    hours: dict[str, list[list[str]]] = Field(description=HOURS_HELP)
    holidays: list[HolidayIO] = []


class CalendarPatchIn(_Strict):
    name: str | None = Field(None, max_length=100)
    time_zone: str | None = Field(None, max_length=64)
    hours: dict[str, list[list[str]]] | None = None
    holidays: list[HolidayIO] | None = None


class TargetIO(_Strict):
    first_response_minutes: int | None = Field(None, ge=1, le=policies.MAX_TARGET_MINUTES)
    next_response_minutes: int | None = Field(None, ge=1, le=policies.MAX_TARGET_MINUTES)
    resolution_minutes: int | None = Field(None, ge=1, le=policies.MAX_TARGET_MINUTES)


class PolicyOut(Schema):
    id: int
    name: str
    position: int = Field(description="The order: the first active policy that matches applies.")
    active: bool
    calendar: int | None = Field(description="Business hours; null: round the clock.")
    categories: list[str] = Field(description="Empty: any category.")
    channels: list[str] = Field(description="Empty: any channel.")
    organisations: list[int] = Field(description="Empty: any organisation (or none).")
    targets: dict[str, TargetIO] = Field(description="Per priority, in business minutes.")
    warn_percent: int = Field(description="Warn at this share of a target; 0: no warning.")
    escalate_priority: bool = Field(description="On a breach, raise the priority one step.")
    escalate_to: int | None = Field(description="On a breach, reassign to this agent.")
    notify: int | None = Field(
        description="The lead told of breaches (and of unassigned warnings)."
    )
    escalate_team: int | None = Field(
        None, description="On a breach, move the ticket to this team (see /teams/)."
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_calendar(obj: SlaPolicy) -> int | None:
        return obj.calendar_id

    @staticmethod
    def resolve_organisations(obj: SlaPolicy) -> list[int]:
        return sorted(org.pk for org in obj.organisations.all())

    @staticmethod
    def resolve_targets(obj: SlaPolicy) -> dict[str, dict[str, int | None]]:
        return {
            t.priority: {name: getattr(t, name) for name in policies.TARGET_FIELDS}
            for t in obj.targets.all()
        }

    @staticmethod
    def resolve_escalate_to(obj: SlaPolicy) -> int | None:
        return obj.escalate_to_id

    @staticmethod
    def resolve_notify(obj: SlaPolicy) -> int | None:
        return obj.notify_id

    @staticmethod
    def resolve_escalate_team(obj: SlaPolicy) -> int | None:
        return obj.escalate_team_id


class PolicyIn(_Strict):
    name: str = Field(max_length=100)
    active: bool = True
    calendar: int | None = None
    categories: list[str] = []
    channels: list[str] = []
    organisations: list[int] = []
    targets: dict[str, TargetIO] = {}
    warn_percent: int = Field(80, ge=0, le=99)
    escalate_priority: bool = False
    escalate_to: int | None = None
    notify: int | None = None
    escalate_team: int | None = None


class PolicyPatchIn(_Strict):
    name: str | None = Field(None, max_length=100)
    active: bool | None = None
    calendar: int | None = None
    categories: list[str] | None = None
    channels: list[str] | None = None
    organisations: list[int] | None = None
    targets: dict[str, TargetIO] | None = None
    warn_percent: int | None = Field(None, ge=0, le=99)
    escalate_priority: bool | None = None
    escalate_to: int | None = None
    notify: int | None = None
    escalate_team: int | None = None


class PolicyOrderIn(_Strict):
    policies: list[int] = Field(description="Every policy's id, once, in the new order.")


class TargetStateOut(Schema):
    metric: str = Field(description="first_response, next_response or resolution.")
    target_minutes: int
    state: str = Field(description="running, paused (Pending), met or missed.")
    due_at: datetime | None = Field(description="While running.")
    seconds_left: int | None = Field(description="While running; negative when overdue.")
    consumed_seconds: int = Field(description="Business time used so far.")
    breached: bool


class TicketSlaOut(Schema):
    ticket: int
    policy: int | None
    policy_name: str
    targets: list[TargetStateOut]


# --- a ticket's SLA -----------------------------------------------------------------------


@router.get(
    "/tickets/{int:ticket_id}/",
    response=_answers({200: TicketSlaOut}, READ),
    url_name="sla_ticket",
)
def sla_ticket(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    """A ticket's SLA targets now: policy null and no targets when none applies."""
    found = selectors.ticket_sla_get(user=caller(request), ticket_id=ticket_id)
    if found is None:
        return {"ticket": ticket_id, "policy": None, "policy_name": "", "targets": []}
    return {
        "ticket": ticket_id,
        "policy": found.policy_id,
        "policy_name": found.policy_name,
        "targets": found.targets,
    }


# --- policies -----------------------------------------------------------------------------


def _policy_values(payload: Schema, *, partial: bool) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=partial)
    if "targets" in values and values["targets"] is not None:
        values["targets"] = dict(values["targets"])
    return values


@router.get("/policies/", response=_answers({200: list[PolicyOut]}, LIST), url_name="sla_policies")
def sla_policies(request: HttpRequest) -> list[SlaPolicy]:
    """Every policy, in order."""
    return list(policies.policies_list(actor=caller(request)))


@router.post(
    "/policies/", response=_answers({201: PolicyOut}, WRITE), url_name="sla_policies_create"
)
def sla_policies_create(request: HttpRequest, payload: PolicyIn) -> Status[SlaPolicy]:
    """A new policy, last in the order (admins)."""
    policy = policies.sla_policy_create(
        actor=caller(request), values=_policy_values(payload, partial=False)
    )
    return Status(201, policy)


@router.put(
    "/policies/order/",
    response=_answers({200: list[PolicyOut]}, WRITE),
    url_name="sla_policies_order",
)
def sla_policies_order(request: HttpRequest, payload: PolicyOrderIn) -> list[SlaPolicy]:
    """Put the policies in a new order (admins)."""
    return policies.sla_policies_reorder(actor=caller(request), policy_ids=payload.policies)


@router.get(
    "/policies/{int:policy_id}/",
    response=_answers({200: PolicyOut}, READ),
    url_name="sla_policy",
)
def sla_policy(request: HttpRequest, policy_id: int) -> SlaPolicy:
    return policies.policy_get(actor=caller(request), policy_id=policy_id)


@router.patch(
    "/policies/{int:policy_id}/",
    response=_answers({200: PolicyOut}, WRITE),
    url_name="sla_policy_patch",
)
def sla_policy_patch(request: HttpRequest, policy_id: int, payload: PolicyPatchIn) -> SlaPolicy:
    """Change what is sent (admins); the tickets under the policies follow in the worker."""
    return policies.sla_policy_update(
        actor=caller(request), policy_id=policy_id, changes=_policy_values(payload, partial=True)
    )


@router.delete(
    "/policies/{int:policy_id}/",
    response=_answers({204: None}, DELETE),
    url_name="sla_policy_delete",
)
def sla_policy_delete(request: HttpRequest, policy_id: int) -> Status[None]:
    """Delete a policy no open ticket is under (admins; turn it off first)."""
    policies.sla_policy_delete(actor=caller(request), policy_id=policy_id)
    return Status(204, None)


# --- calendars ----------------------------------------------------------------------------


@router.get(
    "/calendars/", response=_answers({200: list[CalendarOut]}, LIST), url_name="sla_calendars"
)
def sla_calendars(request: HttpRequest) -> list[BusinessCalendar]:
    return list(policies.calendars_list(actor=caller(request)))


@router.post(
    "/calendars/", response=_answers({201: CalendarOut}, WRITE), url_name="sla_calendars_create"
)
def sla_calendars_create(request: HttpRequest, payload: CalendarIn) -> Status[BusinessCalendar]:
    """A business-hours calendar (admins)."""
    values = payload.model_dump()
    calendar = policies.sla_calendar_create(actor=caller(request), **values)
    return Status(201, calendar)


@router.get(
    "/calendars/{int:calendar_id}/",
    response=_answers({200: CalendarOut}, READ),
    url_name="sla_calendar",
)
def sla_calendar(request: HttpRequest, calendar_id: int) -> BusinessCalendar:
    return policies.calendar_get(actor=caller(request), calendar_id=calendar_id)


@router.patch(
    "/calendars/{int:calendar_id}/",
    response=_answers({200: CalendarOut}, WRITE),
    url_name="sla_calendar_patch",
)
def sla_calendar_patch(
    request: HttpRequest, calendar_id: int, payload: CalendarPatchIn
) -> BusinessCalendar:
    changes = payload.model_dump(exclude_unset=True)
    return policies.sla_calendar_update(
        actor=caller(request), calendar_id=calendar_id, changes=changes
    )


@router.delete(
    "/calendars/{int:calendar_id}/",
    response=_answers({204: None}, DELETE),
    url_name="sla_calendar_delete",
)
def sla_calendar_delete(request: HttpRequest, calendar_id: int) -> Status[None]:
    """Delete a calendar no policy uses (admins)."""
    policies.sla_calendar_delete(actor=caller(request), calendar_id=calendar_id)
    return Status(204, None)
