"""The reports' aggregates (docs/decisions.md, 65): what the tickets of one UTC day did,
counted once by the worker (reports/aggregates.py) so that a report over a million tickets
reads hundreds of rows, not hundreds of thousands of tickets.

Every row carries ``team`` and ``assignee`` columns named as on the ticket, so the gate's own
``access.ticket_condition(user)`` filters them: there is no second visibility rule."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

# The breakdowns a DayTally row may stand for; DESK rows are the ticket's team and assignee
# alone (the summary, the agent and team breakdowns).
DESK = ""
CATEGORY = "category"
CHANNEL = "channel"
ORGANISATION = "organisation"
BREAKDOWN_DIMENSIONS = (CATEGORY, CHANNEL, ORGANISATION)


def every_assignee(dimension: str) -> str:
    """The dimension of a breakdown's rows summed over every assignee of a team (their
    assignee None). The gate shows a team's tickets whatever their assignee, or only those
    assigned to the viewer: a viewer reads the team rows it takes, and the rows per assignee
    of the other teams only (reports/selectors.py), a few hundred rows where one per value,
    team and assignee made tens of thousands."""
    return f"{dimension}+"


# The dimensions of the hour rows: the desk's, and each breakdown's per team.
HOUR_DIMENSIONS = (DESK, *(every_assignee(name) for name in BREAKDOWN_DIMENSIONS))
# The day rows': those, and each breakdown's per assignee. A read or delete of days that names
# them all is ranges of report_day_idx, which leads with the dimension; without them it read
# the whole table (1.4 million rows at a million tickets, 0.3 s for each block of days summed).
DAY_DIMENSIONS = (*HOUR_DIMENSIONS, *BREAKDOWN_DIMENSIONS)


class _TeamAndAssignee(models.Model):
    """The ticket's own names for the two columns the gate's ``ticket_condition(user)``
    filters on, so an aggregate row is filtered by the same rule as a ticket."""

    team = models.ForeignKey(
        "teams.Team",
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        abstract = True


class _Tally(_TeamAndAssignee):
    """What the tickets of a span of time did, under one team and assignee: opened in it
    (``created``, their first responses and the SLA targets whose clock is not running:
    stopped, or paused) and resolved in it (``solved``, their resolution times); and the
    satisfaction answers given in it (``good``, ``bad``), under the ticket's team, assignee
    and values as they stand. Histograms are JSON lists of ``[bucket, count, lowest,
    highest]`` (histograms.Times)."""

    created = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    first_response = models.TextField(default="[]")
    resolution = models.TextField(default="[]")
    first_response_met = models.IntegerField(default=0)
    first_response_missed = models.IntegerField(default=0)
    resolution_met = models.IntegerField(default=0)
    resolution_missed = models.IntegerField(default=0)
    business_time = models.BooleanField(default=False)
    good = models.IntegerField(default=0)
    bad = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DayTally(_Tally):
    """The tickets of one UTC day (or ``span`` days), one team and one assignee, and, unless
    ``dimension`` is DESK, one value of that breakdown."""

    day = models.DateField()
    # 1: the day alone; SPANS (aggregates.py): the block of as many days starting on ``day``,
    # summed from the days' rows, so a long period reads a few blocks rather than every day.
    span = models.PositiveSmallIntegerField(default=1)
    dimension = models.CharField(max_length=16, blank=True, default="")
    value = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["dimension", "span", "day"], name="report_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension or 'desk'} {self.value}".rstrip()


class HourCount(_Tally):
    """The tickets of one UTC hour: per team and assignee (``dimension`` DESK), holding what
    a day's DESK row holds, so a day in any zone is a sum of whole hours (its per-day chart and
    backlog); and per team and value of each breakdown, summed over its assignees (the
    dimension ``every_assignee(...)``, assignee None), so the hours at a period's ends give
    the breakdowns of the teams the gate shows whole. No row per value and assignee: at the
    demo's density an hour holds about one ticket per value, team and assignee, so those rows
    would not be smaller than the tickets (decision 65).

    ``created_15``, ``created_30``, ``created_45`` (and ``solved_...``): of the hour's tickets,
    those opened (resolved) in its quarter from that minute on, so an hour split by a zone's
    midnight at :15, :30 or :45 (Nepal, India, Chatham) is split without reading a ticket."""

    hour = models.DateTimeField()
    dimension = models.CharField(max_length=16, blank=True, default="")
    value = models.CharField(max_length=40, blank=True, default="")
    created_15 = models.IntegerField(default=0)
    created_30 = models.IntegerField(default=0)
    created_45 = models.IntegerField(default=0)
    solved_15 = models.IntegerField(default=0)
    solved_30 = models.IntegerField(default=0)
    solved_45 = models.IntegerField(default=0)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["dimension", "hour"], name="report_hour_dim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.dimension or 'desk'} {self.value}".rstrip()


class AggregateState(models.Model):
    """One row: until when the aggregates hold every change (``fresh_at``: the tickets were
    read after it), and when they were last built whole."""

    fresh_at = models.DateTimeField()
    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Reports counted until {self.fresh_at}"


class StaleDay(models.Model):
    """A UTC day whose counts a deleted ticket made stale: no ticket left marks it, so the next
    refresh (reports/aggregates.py) counts it again and forgets it."""

    day = models.DateField(unique=True)

    def __str__(self) -> str:
        return f"{self.day} to count again"
