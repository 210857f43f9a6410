"""The geometry of the reports' charts: where each line, bar, tick and label goes, in the
coordinates of an SVG viewBox. The markup is the templates' (web/templates/web/_chart_*.html);
colours come from CSS custom properties there, so dark mode restyles them. No numbers are
only in a chart: each has a table of the same numbers beside it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from frontdesk.reports.selectors import Breakdown, Report

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
X_LABELS = 6
BAR_ROW = 34
BAR_LABEL = 190
BARS_SHOWN = 10


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # the modifier of its class: chart-line--<css>
    points: str  # "x,y x,y ..." for a polyline
    dots: list[tuple[float, float]]


@dataclass(frozen=True)
class LineChart:
    title: str
    description: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    series: list[Series]


def nice_ceiling(value: float) -> int:
    """The smallest round number (1, 2 or 5 times a power of ten) at or above ``value``."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power) if step * power >= 1 else 1
    return int(10 * power)  # pragma: no cover


def _y_ticks(top: int) -> list[int]:
    step = max(1, nice_ceiling(top / 4))
    return list(range(0, top + 1, step))


def line_chart(
    *,
    title: str,
    description: str,
    days: Sequence[date],
    series: Sequence[tuple[str, str, Sequence[int]]],
) -> LineChart:
    """A chart of one value per day for each of ``series`` (name, css modifier, values)."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    peak = max((value for _, _, values in series for value in values), default=0)
    ticks = _y_ticks(nice_ceiling(peak))
    top = ticks[-1] if ticks[-1] >= peak else nice_ceiling(peak)
    count = len(days)

    def x(index: int) -> float:
        return round(LEFT + (plot_w * index / (count - 1) if count > 1 else plot_w / 2), 1)

    def y(value: int) -> float:
        return round(TOP + plot_h - plot_h * value / top, 1)

    every = max(1, math.ceil(count / X_LABELS))
    x_ticks = [Tick(x(i), days[i].strftime("%d %b")) for i in range(0, count, every)]
    lines = []
    for name, css, values in series:
        dots = [(x(i), y(v)) for i, v in enumerate(values)]
        lines.append(
            Series(
                name=name,
                css=css,
                points=" ".join(f"{px},{py}" for px, py in dots),
                dots=dots if count <= 31 else [],
            )
        )
    return LineChart(
        title=title,
        description=description,
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=TOP + plot_h,
        y_ticks=[Tick(y(value), str(value)) for value in ticks],
        x_ticks=x_ticks,
        series=lines,
    )


@dataclass(frozen=True)
class Bar:
    css: str
    x: int
    y: float
    width: float
    height: float
    value: int
    value_x: float


@dataclass(frozen=True)
class BarRow:
    label: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    width: int
    height: int
    bar_left: int
    rows: list[BarRow]
    more: int  # groups left out of the chart (the table has them all)


def bar_chart(
    *,
    title: str,
    description: str,
    rows: Sequence[tuple[str, Sequence[int]]],
    css: Sequence[str],
) -> BarChart:
    """Horizontal bars: for each row (label, values) one bar per value, styled by ``css``."""
    shown = rows[:BARS_SHOWN]
    peak = max((value for _, values in shown for value in values), default=0)
    top = max(1, peak)
    room = WIDTH - BAR_LABEL - RIGHT - 40
    thickness = (BAR_ROW - 10) / max(1, len(css))
    chart_rows = []
    for index, (label, values) in enumerate(shown):
        row_top = TOP + index * BAR_ROW
        bars = []
        for place, (value, name) in enumerate(zip(values, css, strict=True)):
            length = round(room * value / top, 1)
            bar_y = round(row_top + place * thickness, 1)
            bars.append(
                Bar(
                    css=name,
                    x=BAR_LABEL,
                    y=bar_y,
                    width=length,
                    height=round(thickness - 2, 1),
                    value=value,
                    value_x=round(BAR_LABEL + length + 4, 1),
                )
            )
        chart_rows.append(
            BarRow(
                label=_short(label), label_y=round(row_top + (BAR_ROW - 10) / 2 + 4, 1), bars=bars
            )
        )
    return BarChart(
        title=title,
        description=description,
        width=WIDTH,
        height=TOP + max(1, len(shown)) * BAR_ROW,
        bar_left=BAR_LABEL,
        rows=chart_rows,
        more=max(0, len(rows) - BARS_SHOWN),
    )


def _short(label: str, most: int = 18) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"


# --- the report's charts -----------------------------------------------------------------


def daily_chart(report: Report) -> LineChart:
    days = [day.day for day in report.days]
    created = [day.created for day in report.days]
    solved = [day.solved for day in report.days]
    return line_chart(
        title=gettext("Tickets created and solved per day"),
        description=gettext("%(created)s created and %(solved)s solved from %(first)s to %(last)s.")
        % {
            "created": sum(created),
            "solved": sum(solved),
            "first": date_format(report.period.first, "j M Y"),
            "last": date_format(report.period.last, "j M Y"),
        },
        days=days,
        series=[
            (gettext("Created"), "created", created),
            (gettext("Solved"), "solved", solved),
        ],
    )


def backlog_chart(report: Report) -> LineChart:
    days = [day.day for day in report.days]
    backlog = [day.backlog for day in report.days]
    first, last = (backlog[0], backlog[-1]) if backlog else (0, 0)
    return line_chart(
        title=gettext("Open tickets at the end of each day"),
        description=gettext("From %(first)s to %(last)s open tickets, at most %(most)s.")
        % {"first": first, "last": last, "most": max(backlog, default=0)},
        days=days,
        series=[(pgettext("report series", "Open"), "backlog", backlog)],
    )


def breakdown_chart(breakdown: Breakdown) -> BarChart:
    rows = [(group.label, (group.created, group.solved)) for group in breakdown.groups]
    return bar_chart(
        title=gettext("Tickets created and solved per %(what)s")
        % {"what": breakdown.title.lower()},
        description=", ".join(
            gettext("%(label)s: %(created)s created, %(solved)s solved")
            % {"label": group.label, "created": group.created, "solved": group.solved}
            for group in breakdown.groups[:BARS_SHOWN]
        )
        or gettext("No tickets."),
        rows=rows,
        css=("created", "solved"),
    )
