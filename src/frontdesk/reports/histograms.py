"""Durations as the reports count them: the exact values of a few tickets, or histograms read
from the aggregates (reports/models.DayTally), merged.

A bucket is a quarter of a doubling (a value and the next bucket's lowest differ by at most
19 %), and keeps its count, its lowest and its highest value. A rank that falls on either end
of a bucket is therefore exact (a bucket of one or two values is exact throughout); only a rank
inside a bucket of three or more is interpolated, linearly between its lowest and highest."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

BUCKETS_PER_DOUBLING = 4

# (count, median, p90); median and p90 None without any value.
Stats = tuple[int, int | None, int | None]


def bucket_of(seconds: int) -> int:
    return 0 if seconds < 1 else 1 + int(math.log2(seconds) * BUCKETS_PER_DOUBLING)


def stats_of(values: Iterable[int]) -> Stats:
    """The exact count, median (the mean of the two middle values, rounded) and nearest-rank
    p90 of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return 0, None, None
    middle = len(ordered) // 2
    median = (
        ordered[middle] if len(ordered) % 2 else round((ordered[middle - 1] + ordered[middle]) / 2)
    )
    return len(ordered), median, ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def histogram_text(values: Iterable[int]) -> str:
    """The stored form of ``values``: ``[[bucket, count, lowest, highest], ...]``."""
    buckets: dict[int, list[int]] = {}
    for seconds in values:
        add_bucket(buckets, bucket_of(seconds), 1, seconds, seconds)
    return buckets_text(buckets)


def buckets_text(buckets: dict[int, list[int]]) -> str:
    """The stored form of buckets: the JSON ``json.dumps`` writes without spaces. Formatted
    here, the numbers being ints: json.dumps with separators builds an encoder per call, and a
    report build writes two texts per row (about a third of counting a day, 2026-12-04)."""
    if not buckets:
        return "[]"
    return (
        "["
        + ",".join(f"[{b},{c},{low},{high}]" for b, (c, low, high) in sorted(buckets.items()))
        + "]"
    )


def add_bucket(buckets: dict[int, list[int]], bucket: int, count: int, low: int, high: int) -> None:
    found = buckets.get(bucket)
    if found is None:
        buckets[bucket] = [count, low, high]
        return
    found[0] += count
    if low < found[1]:
        found[1] = low
    if high > found[2]:
        found[2] = high


class Times:
    """Durations being counted: exact values, and histograms merged from the aggregates."""

    __slots__ = ("buckets", "values")

    def __init__(self) -> None:
        self.values: list[int] = []
        self.buckets: dict[int, list[int]] = {}

    def append(self, seconds: int) -> None:
        self.values.append(seconds)

    def merge(self, text: str) -> None:
        if len(text) <= 2:  # "[]"
            return
        buckets = self.buckets
        for bucket, count, low, high in json.loads(text):  # add_bucket, inline: the hot loop
            found = buckets.get(bucket)
            if found is None:
                buckets[bucket] = [count, low, high]
                continue
            found[0] += count
            if low < found[1]:
                found[1] = low
            if high > found[2]:
                found[2] = high

    def add(self, other: Times) -> None:
        """Add ``other``'s values and buckets."""
        self.values += other.values
        for bucket, (count, low, high) in other.buckets.items():
            add_bucket(self.buckets, bucket, count, low, high)

    def stats(self) -> Stats:
        if not self.buckets:
            return stats_of(self.values)
        buckets = {key: list(found) for key, found in self.buckets.items()}
        for seconds in self.values:
            add_bucket(buckets, bucket_of(seconds), 1, seconds, seconds)
        ordered = [buckets[key] for key in sorted(buckets)]
        total = sum(found[0] for found in ordered)
        middle = total // 2
        if total % 2:
            median = _at(ordered, middle)
        else:
            median = round((_at(ordered, middle - 1) + _at(ordered, middle)) / 2)
        return total, median, _at(ordered, max(0, math.ceil(0.9 * total) - 1))


def _at(ordered: list[list[int]], rank: int) -> int:
    """The value of 0-based ``rank``: exact at a bucket's ends, interpolated inside it."""
    for count, low, high in ordered:
        if rank < count:
            if rank == 0:
                return low
            if rank == count - 1:
                return high
            return round(low + (high - low) * rank / (count - 1))
        rank -= count
    raise IndexError(rank)
