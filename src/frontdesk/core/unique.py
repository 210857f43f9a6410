"""Case-insensitively unique names (usernames, emails, organisation names) for rows created
in bulk, found with a few queries rather than one query per row."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models.functions import Lower

from frontdesk.core.bulk import QUERY_CHUNK


def taken_values(model: type[models.Model], field_name: str, values: Iterable[str]) -> set[str]:
    """Which of ``values`` are already used, case-insensitively, in ``model.field_name``
    (lowercased)."""
    wanted = sorted({value.lower() for value in values})
    taken: set[str] = set()
    for start in range(0, len(wanted), QUERY_CHUNK):
        chunk = wanted[start : start + QUERY_CHUNK]
        found = (
            model._default_manager.annotate(folded=Lower(field_name))
            .filter(folded__in=chunk)
            .values_list("folded", flat=True)
        )
        taken.update(found)
    return taken


class UniqueValues:
    """Hands out case-insensitively unique values of ``model.field_name``: the first choice
    that is free in the database and not yet handed out by this object. ``likely`` (the
    choices expected to be asked about) are looked up at once; others one by one."""

    def __init__(self, model: type[models.Model], field_name: str, likely: Iterable[str]) -> None:
        self.model = model
        self.field_name = field_name
        self.checked = {value.lower() for value in likely}
        self.taken = taken_values(model, field_name, self.checked)

    def _is_free(self, value: str) -> bool:
        folded = value.lower()
        if folded not in self.checked:  # a rare fallback name: ask the database
            self.checked.add(folded)
            self.taken |= taken_values(self.model, self.field_name, [folded])
        return folded not in self.taken

    def claim(self, choices: Iterable[str]) -> str:
        choice = next(choice for choice in choices if self._is_free(choice))
        self.taken.add(choice.lower())
        return choice
