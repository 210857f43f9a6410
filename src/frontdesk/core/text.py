"""Checks on text that arrives from outside, before it reaches the database."""

from __future__ import annotations

import re

# NUL is refused by PostgreSQL text columns, lone surrogates cannot be encoded as UTF-8, and
# other C0 controls (besides tab and line breaks) have no business in a help desk message.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates reorder the text around them on screen, so
# that what is read differs from what is stored ("Trojan Source"). The marks (U+200E, U+200F,
# U+061C) only nudge neutral characters and are kept: right-to-left writers need them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Any control character (C0, DEL, C1), the line and paragraph separators, surrogates.
_NOT_IN_A_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_LINE_BREAK = re.compile(r"\r\n?")


def is_storable_text(value: str) -> bool:
    return _UNSTORABLE.search(value) is None


def has_bidi_controls(value: str) -> bool:
    return not BIDI_CONTROLS.isdisjoint(value)


def is_one_printable_line(value: str) -> bool:
    """No control character, line break or bidirectional control: what a title or a name may
    hold. Everything else Unicode prints (letters, punctuation, symbols, emoji) is fine."""
    return _NOT_IN_A_LINE.search(value) is None and not has_bidi_controls(value)


def with_unix_line_breaks(value: str) -> str:
    """``\r\n`` and a lone ``\r`` as ``\n``: an HTML form sends every line break of a
    textarea as ``\r\n``."""
    return _LINE_BREAK.sub("\n", value)
