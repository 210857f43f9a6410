"""What a report counts while it reads one period: the desk's tally and one per group of
each breakdown, and the per-day counts and SLA outcomes (reports/selectors.py reads the
tickets into them, reports/held.py the aggregates)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from frontdesk.reports.histograms import Times
from frontdesk.sla.models import Metric

Window = tuple[datetime, datetime]

# Each breakdown: its name, its title, and the ticket field it groups by.
DIMENSIONS = (
    ("agent", "Agent", "assignee_id"),
    ("team", "Team", "team_id"),
    ("category", "Category", "category"),
    ("channel", "Channel", "channel"),
    ("organisation", "Organisation", "organisation_id"),
)


DIMENSION_FIELDS = tuple(name for _, _, name in DIMENSIONS)
# The breakdowns by a ticket's value, not by who holds it: the aggregates' rows per value.
BY_VALUE = ("category", "channel", "organisation")


@dataclass
class Tally:
    """One group's numbers (or the desk's)."""

    created: int = 0
    solved: int = 0
    first_response: Times = field(default_factory=Times)
    resolution: Times = field(default_factory=Times)
    met: int = 0
    missed: int = 0
    good: int = 0
    bad: int = 0

    def add(self, other: Tally) -> None:
        self.created += other.created
        self.solved += other.solved
        self.first_response.add(other.first_response)
        self.resolution.add(other.resolution)
        self.met += other.met
        self.missed += other.missed
        self.good += other.good
        self.bad += other.bad


class Tallies:
    """The desk's tally and, with ``breakdowns``, one per group of each breakdown."""

    def __init__(self, *, breakdowns: bool) -> None:
        self.desk = Tally()
        self.groups: dict[str, dict[Any, Tally]] = {name: {} for name, _, _ in DIMENSIONS}
        self.breakdowns = breakdowns
        self._found: dict[tuple[Any, ...], list[Tally]] = {}

    def fields(self) -> tuple[str, ...]:
        """The ticket fields a row must bring: the breakdowns' (none for the desk alone)."""
        return DIMENSION_FIELDS if self.breakdowns else ()

    def of(self, dims: Iterable[Any]) -> list[Tally]:
        """The desk's tally, then those of a ticket's groups (its DIMENSIONS values). Found
        once per set of values: many tickets share them."""
        values = tuple(dims)
        found = self._found.get(values)
        if found is None:
            found = [self.desk]
            if self.breakdowns:
                for (name, _, _), key in zip(DIMENSIONS, values, strict=True):
                    found.append(self.groups[name].setdefault(key, Tally()))
            self._found[values] = found
        return found

    def add_by_value(self, other: Tallies) -> None:
        """Add the groups of ``other``'s breakdowns by value (BY_VALUE) to these."""
        for name in BY_VALUE:
            groups = self.groups[name]
            for key, tally in other.groups[name].items():
                groups.setdefault(key, Tally()).add(tally)


LIVE_METRICS = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)


@dataclass
class Counts:
    """Per-day counts, compliance and the business-time flag, as found so far."""

    created_per_day: dict[date, int] = field(default_factory=dict)
    solved_per_day: dict[date, int] = field(default_factory=dict)
    met: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LIVE_METRICS, 0))
    missed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LIVE_METRICS, 0))
    business: bool = False
