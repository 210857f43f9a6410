"""The date range a report covers: whole days in the viewer's time zone, from a preset (the
last 7, 30 or 90 days, today included) or typed dates, and the period of the same length just
before it, which the report compares with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop

from frontdesk.core.errors import InvalidInput

PRESETS = {"7": 7, "30": 30, "90": 90}
DEFAULT_PRESET = "30"
CUSTOM = "custom"
LONGEST_DAYS = 366


@dataclass(frozen=True)
class Period:
    first: date  # the first day, included
    last: date  # the last day, included
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def starts(self) -> datetime:
        """The first instant of the first day, in UTC."""
        return _midnight(self.first, self.zone)

    @property
    def ends(self) -> datetime:
        """The first instant after the last day, in UTC."""
        return _midnight(self.last + timedelta(days=1), self.zone)

    def previous(self) -> Period:
        """The period of as many days that ends the day before this one starts."""
        return Period(
            first=self.first - timedelta(days=self.days),
            last=self.first - timedelta(days=1),
            zone=self.zone,
        )

    def each_day(self) -> Iterator[date]:
        for offset in range(self.days):
            yield self.first + timedelta(days=offset)

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def day_end(self, day: date) -> datetime:
        return _midnight(day + timedelta(days=1), self.zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period_parse(
    *, preset: str, first: str, last: str, zone: ZoneInfo, today: date
) -> tuple[str, Period]:
    """The period asked for: ``preset`` one of PRESETS (``""``: the default), or ``custom``
    with ``first`` and ``last`` as ISO dates. Returns the preset as understood, and the period.
    InvalidInput for anything else, a reversed range or one over LONGEST_DAYS."""
    preset = preset or (CUSTOM if first or last else DEFAULT_PRESET)
    if preset in PRESETS:
        days = PRESETS[preset]
        return preset, Period(first=today - timedelta(days=days - 1), last=today, zone=zone)
    if preset != CUSTOM:
        raise InvalidInput(
            gettext_noop("Choose the last 7, 30 or 90 days, or your own dates."), field="range"
        )
    start, end = _date(first, "from"), _date(last, "to")
    if end < start:
        raise InvalidInput(gettext_noop("The range ends before it starts."), field="to")
    if (end - start).days + 1 > LONGEST_DAYS:
        raise InvalidInput(
            gettext_noop("A range is at most %(limit)s days long."),
            values={"limit": LONGEST_DAYS},
            field="to",
        )
    return CUSTOM, Period(first=start, last=end, zone=zone)


def _date(text: str, field: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(gettext_noop("Enter a date as YYYY-MM-DD."), field=field) from None
    if day.year < 2000 or day.year > 9000:
        raise InvalidInput(gettext_noop("That date is out of range."), field=field)
    return day
