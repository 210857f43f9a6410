"""The reports as tables: the same rows for the page's accessible tables and for the CSV
exports (exports/cells.py escapes and streams them), so the two never disagree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from frontdesk.core.errors import NotFound
from frontdesk.exports.cells import Cell, csv_lines
from frontdesk.reports.selectors import DIMENSIONS, Durations, Group, Report

MINUS = "\N{MINUS SIGN}"  # as a typesetter writes a negative change
REPORT_NAMES = ("summary", "daily", *(name for name, _, _ in DIMENSIONS))
NO_REPORT = gettext_noop("There is no such report.")


def duration_text(seconds: int | None) -> str:
    """``3 d 4 h``, ``2 h 5 min``, ``12 min``; an em dash for none."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def count_text(value: int | None) -> str:
    return "—" if value is None else str(value)


def percent_text(value: int | None) -> str:
    return "—" if value is None else f"{value} %"


@dataclass(frozen=True)
class SummaryLine:
    label: str
    current: str
    previous: str
    change: str  # "+12", "-3 %", "" when either side has no value
    better: bool | None  # whether the change is an improvement (None: neither)
    direction: str  # "up", "down" or "" (no change, or nothing to compare)
    current_value: int | None  # as exported: a count, seconds or a percentage
    previous_value: int | None


def _line(
    label: str,
    now: int | None,
    before: int | None,
    text: str,
    *,
    lower_is_better: bool = False,
    neutral: bool = False,
    unit: str = "",
) -> SummaryLine:
    shown = {"count": count_text, "time": duration_text, "percent": percent_text}[text]
    change, better, direction = "", None, ""
    if now is not None and before is not None:
        delta = now - before
        direction = "up" if delta > 0 else "down" if delta < 0 else ""
        if text == "time":
            sign = "+" if delta > 0 else MINUS if delta < 0 else "±"
            change = sign + duration_text(abs(delta))
        else:
            change = f"{delta:+d}{unit}".replace("-", MINUS) if delta else f"±0{unit}"
        if delta and not neutral:
            better = (delta < 0) if lower_is_better else (delta > 0)
    return SummaryLine(label, shown(now), shown(before), change, better, direction, now, before)


def summary_lines(report: Report) -> list[SummaryLine]:
    now, before = report.summary, report.previous
    return [
        _line("Tickets created", now.created, before.created, "count", neutral=True),
        _line("Tickets solved", now.solved, before.solved, "count"),
        _line("Open at the end", now.backlog, before.backlog, "count", lower_is_better=True),
        *_times("First response", now.first_response, before.first_response),
        *_times("Resolution", now.resolution, before.resolution),
        _line(
            "First response SLA met", now.first_response_sla.share,
            before.first_response_sla.share, "percent", unit=" pts",
        ),
        _line(
            "Resolution SLA met", now.resolution_sla.share, before.resolution_sla.share,
            "percent", unit=" pts",
        ),
        _line(
            "Satisfaction (good)", now.satisfaction.score, before.satisfaction.score, "percent",
            unit=" pts",
        ),
    ]  # fmt: skip


def _times(label: str, now: Durations, before: Durations) -> list[SummaryLine]:
    return [
        _line(f"{label}, median", now.median, before.median, "time", lower_is_better=True),
        _line(f"{label}, p90", now.p90, before.p90, "time", lower_is_better=True),
    ]


Rows = tuple[list[str], Iterator[list[Cell]]]


def _summary_rows(report: Report) -> Rows:
    header = ["measure", "this_period", "previous_period", "from", "to", "previous_from",
              "previous_to"]  # fmt: skip
    period, previous = report.period, report.previous_period
    rows: Iterator[list[Cell]] = (
        [line.label, line.current_value, line.previous_value, period.first, period.last,
         previous.first, previous.last]
        for line in summary_lines(report)
    )  # fmt: skip
    return header, rows


def _daily_rows(report: Report) -> Rows:
    rows: Iterator[list[Cell]] = (
        [day.day, day.created, day.solved, day.backlog] for day in report.days
    )
    return ["day", "created", "solved", "open_at_end_of_day"], rows


GROUP_HEADER = [
    "created", "solved", "first_response_median_seconds", "first_response_p90_seconds",
    "resolution_median_seconds", "resolution_p90_seconds", "sla_met", "sla_missed",
    "sla_met_percent", "satisfaction_good", "satisfaction_bad", "satisfaction_percent",
]  # fmt: skip


def group_cells(group: Group) -> list[Cell]:
    return [
        group.created, group.solved, group.first_response.median, group.first_response.p90,
        group.resolution.median, group.resolution.p90, group.sla.met, group.sla.missed,
        group.sla.share, group.satisfaction.good, group.satisfaction.bad,
        group.satisfaction.score,
    ]  # fmt: skip


def report_lines(report: Report, name: str) -> Iterator[str]:
    """The CSV lines of one report of ``report`` (one of REPORT_NAMES); NotFound otherwise."""
    if name == "summary":
        return csv_lines(*_summary_rows(report))
    if name == "daily":
        return csv_lines(*_daily_rows(report))
    for breakdown in report.breakdowns:
        if breakdown.name == name:
            rows: Iterator[list[Cell]] = (
                [group.label, *group_cells(group)] for group in breakdown.groups
            )
            return csv_lines([name, *GROUP_HEADER], rows)
    raise NotFound(NO_REPORT)
