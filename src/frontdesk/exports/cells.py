"""CSV that is safe to open in a spreadsheet, written as a stream of lines.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and
some also after a tab or a carriage return): a ticket title such as ``=HYPERLINK(...)``
typed by a customer would run on the agent's machine. Such text cells get a leading
apostrophe, which spreadsheets show as text (OWASP, "CSV Injection"). Numbers written by us
are left as they are: ``-3`` is a number, not a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal | date | datetime | bool | None


def safe_cell(value: Cell) -> str:
    """``value`` as CSV text: empty for None, ISO for times, text that could be read as a
    formula escaped with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object that hands back what csv.writer writes, one line at a time."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Cell]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, one line at a time, each cell through
    :func:`safe_cell`; ``rows`` is consumed as lines are asked for."""
    writer = csv.writer(_Line())
    yield writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
