"""The reports page (/reports) and its CSV exports (/reports/<name>.csv), for agents and
admins: the period asked for in the query string (the viewer's time zone), the numbers from
reports/selectors.py through the gate, charts drawn by reports/charts.py's geometry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from frontdesk.core.clock import now
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.exports.responses import csv_response
from frontdesk.reports import charts, periods, selectors, tables
from frontdesk.web.pages import current_user, forbidden, not_found, page_methods

# The reports' words as the page says them (reports/ keeps the English of the CSV exports).
REPORT_WORDS = (
    gettext_noop("Tickets created"),
    gettext_noop("Tickets solved"),
    gettext_noop("Open at the end"),
    gettext_noop("First response, median"),
    gettext_noop("First response, p90"),
    gettext_noop("Resolution, median"),
    gettext_noop("Resolution, p90"),
    gettext_noop("First response SLA met"),
    gettext_noop("Resolution SLA met"),
    gettext_noop("Satisfaction (good)"),
    # the breakdowns (reports/selectors.py's DIMENSIONS, NONE_LABELS)
    gettext_noop("Agent"),
    gettext_noop("Team"),
    gettext_noop("Category"),
    gettext_noop("Channel"),
    gettext_noop("Organisation"),
    gettext_noop("Unassigned"),
    gettext_noop("No team"),
    gettext_noop("No organisation"),
)
# The breakdowns whose groups are named by a fixed list (Category, Channel), said translated.
LISTED = frozenset({"category", "channel"})


def _said(line: tables.SummaryLine) -> tables.SummaryLine:
    change = line.change.replace(" pts", " " + gettext("pts")) if line.change else ""
    return replace(line, label=gettext(line.label), change=change)


def _said_breakdown(breakdown: selectors.Breakdown) -> selectors.Breakdown:
    nobody = selectors.NONE_LABELS.get(breakdown.name)
    groups = [
        replace(group, label=gettext(group.label))
        if breakdown.name in LISTED or (nobody and group.label == nobody)
        else group
        for group in breakdown.groups
    ]
    return replace(breakdown, title=gettext(breakdown.title), groups=groups)


def _zone() -> ZoneInfo:
    zone = timezone.get_current_timezone()
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo("UTC")


def _today(zone: ZoneInfo) -> date:
    return now().astimezone(zone).date()


def _period(request: HttpRequest) -> tuple[str, periods.Period]:
    zone = _zone()
    return periods.period_parse(
        preset=request.GET.get("range", ""),
        first=request.GET.get("from", ""),
        last=request.GET.get("to", ""),
        zone=zone,
        today=_today(zone),
    )


def _query(preset: str, period: periods.Period) -> str:
    if preset == periods.CUSTOM:
        return f"range=custom&from={period.first.isoformat()}&to={period.last.isoformat()}"
    return f"range={preset}"


@page_methods
@never_cache
@login_required
def reports_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    try:
        selectors.check_may_report(user)
    except NotAllowed as exc:
        return forbidden(request, exc.said())
    context: dict[str, Any] = {
        "presets": list(periods.PRESETS),
        "values": {key: request.GET.get(key, "") for key in ("range", "from", "to")},
    }
    try:
        preset, period = _period(request)
    except InvalidInput as exc:
        context["error"] = exc.said()
        return render(request, "web/reports.html", context, status=400)
    report = selectors.report_for(user=user, period=period)
    context.update(
        preset=preset,
        period=period,
        report=report,
        query=_query(preset, period),
        summary=[_said(line) for line in tables.summary_lines(report)],
        daily_chart=charts.daily_chart(report),
        backlog_chart=charts.backlog_chart(report),
        breakdowns=[
            (said, charts.breakdown_chart(said))
            for said in (_said_breakdown(b) for b in report.breakdowns)
        ],
        time_zone=str(period.zone),
    )
    context["values"] = {
        "range": preset,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
    }
    return render(request, "web/reports.html", context)


@never_cache
@require_GET
@login_required
def reports_export(request: HttpRequest, name: str) -> HttpResponseBase:
    user = current_user(request)
    try:
        selectors.check_may_report(user)
    except NotAllowed as exc:
        return forbidden(request, exc.said())
    if name not in tables.REPORT_NAMES:
        return not_found(request, tables.NO_REPORT)
    try:
        _, period = _period(request)
        report = selectors.report_for(user=user, period=period)
        lines = tables.report_lines(report, name)
    except NotFound as exc:
        return not_found(request, exc.said())
    except InvalidInput as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    stamp = f"{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    return csv_response(lines, name=f"report-{name}-{stamp}")
