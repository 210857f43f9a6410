"""The reports in the REST API (/api/ticketing/reports/): the same numbers as the reports page,
as JSON, for agents and admins over the tickets they may see (customers 403). The period is
read in ``time_zone`` (an IANA name; the server's zone when left out), as the API reads every
time without an offset. Numbers: reports/selectors.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.core.clock import now
from frontdesk.reports import periods, selectors
from frontdesk.sla.calendars import zone_get

router = Router(tags=["Reports"])

READ = frozenset({400, 401, 403, 429})


class ReportQuery(Schema):
    range: str = Field("", description="7, 30 or 90 (the last days, today included), or custom.")
    from_: str = Field("", alias="from", description="The first day (custom): YYYY-MM-DD.")
    to: str = Field("", description="The last day (custom): YYYY-MM-DD.")
    time_zone: str = Field("", max_length=64, description="The zone days are read in.")


class PeriodOut(Schema):
    first: date
    last: date
    days: int


class DurationsOut(Schema):
    count: int
    median_seconds: int | None
    p90_seconds: int | None


class ComplianceOut(Schema):
    met: int
    missed: int
    percent: int | None


class ReportSatisfactionOut(Schema):
    good: int
    bad: int
    percent: int | None


class SummaryOut(Schema):
    created: int
    solved: int
    open_at_end: int
    first_response: DurationsOut
    resolution: DurationsOut
    first_response_sla: ComplianceOut
    resolution_sla: ComplianceOut
    satisfaction: ReportSatisfactionOut


class DayOut(Schema):
    day: date
    created: int
    solved: int
    open_at_end: int


class GroupOut(Schema):
    key: str = Field(description='The id or value grouped by; "" for none.')
    label: str
    created: int
    solved: int
    first_response: DurationsOut
    resolution: DurationsOut
    sla: ComplianceOut
    satisfaction: ReportSatisfactionOut


class ReportOut(Schema):
    time_zone: str
    period: PeriodOut
    previous_period: PeriodOut
    summary: SummaryOut
    previous: SummaryOut
    days: list[DayOut]
    breakdowns: dict[str, list[GroupOut]]
    business_time: bool
    # Whole days were counted from the aggregates the worker keeps, holding the changes made
    # until this time; null: every number was read from the tickets as they are now.
    as_of: datetime | None = None


def _period(period: periods.Period) -> dict[str, Any]:
    return {"first": period.first, "last": period.last, "days": period.days}


def _durations(found: selectors.Durations) -> dict[str, Any]:
    return {"count": found.count, "median_seconds": found.median, "p90_seconds": found.p90}


def _compliance(found: selectors.Compliance) -> dict[str, Any]:
    return {"met": found.met, "missed": found.missed, "percent": found.share}


def _satisfaction(good: int, bad: int, score: int | None) -> dict[str, Any]:
    return {"good": good, "bad": bad, "percent": score}


def _summary(summary: selectors.Summary) -> dict[str, Any]:
    score = summary.satisfaction
    return {
        "created": summary.created,
        "solved": summary.solved,
        "open_at_end": summary.backlog,
        "first_response": _durations(summary.first_response),
        "resolution": _durations(summary.resolution),
        "first_response_sla": _compliance(summary.first_response_sla),
        "resolution_sla": _compliance(summary.resolution_sla),
        "satisfaction": _satisfaction(score.good, score.bad, score.score),
    }


def _group(group: selectors.Group) -> dict[str, Any]:
    score = group.satisfaction
    return {
        "key": group.key,
        "label": group.label,
        "created": group.created,
        "solved": group.solved,
        "first_response": _durations(group.first_response),
        "resolution": _durations(group.resolution),
        "sla": _compliance(group.sla),
        "satisfaction": _satisfaction(score.good, score.bad, score.score),
    }


@router.get("/", response={200: ReportOut, READ: ErrorOut}, url_name="reports")
def reports(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    """The report of a period and of the period of the same length before it."""
    user = caller(request)
    selectors.check_may_report(user)  # before the range is read, as the page does
    zone = zone_get(query.time_zone or settings.TIME_ZONE)
    _, period = periods.period_parse(
        preset=query.range,
        first=query.from_,
        last=query.to,
        zone=zone,
        today=now().astimezone(zone).date(),
    )
    report = selectors.report_for(user=user, period=period)
    return {
        "time_zone": str(zone),
        "period": _period(report.period),
        "previous_period": _period(report.previous_period),
        "summary": _summary(report.summary),
        "previous": _summary(report.previous),
        "days": [
            {"day": d.day, "created": d.created, "solved": d.solved, "open_at_end": d.backlog}
            for d in report.days
        ],
        "breakdowns": {b.name: [_group(g) for g in b.groups] for b in report.breakdowns},
        "business_time": report.business_time,
        "as_of": report.as_of,
    }
