"""Checks on text that arrives from outside, before it reaches the database."""

from __future__ import annotations

import re

# NUL is refused by PostgreSQL text columns, lone surrogates cannot be encoded as UTF-8, and
# other C0 controls (besides tab and line breaks) have no business in a help desk message.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def is_storable_text(value: str) -> bool:
    return _UNSTORABLE.search(value) is None
