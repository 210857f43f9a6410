"""Ids from the outside world, parsed once at the edge: in a URL by the ``id`` converter, in
a query string or a form by :func:`parse_id`. A value that is not an id is a 404 (in a path)
or a 400 naming its field (elsewhere), never a 500."""

from __future__ import annotations

from frontdesk.core.errors import InvalidInput

# The largest primary key either database stores (a signed 64-bit integer).
ID_MAX = 2**63 - 1
_DIGITS_MAX = len(str(ID_MAX))
NOT_AN_ID = "Use a whole number (an id)."


def is_id(value: int) -> bool:
    """Could ``value`` be a primary key? Out of range, it names nothing (and would overflow
    the database driver)."""
    return 0 < value <= ID_MAX


def parse_id(text: str, *, field: str, message: str = NOT_AN_ID) -> int:
    """``text`` as an id, or InvalidInput(``message``) naming ``field``. ASCII digits only:
    ``"²"`` is a digit to ``str.isdigit`` but ``int`` raises on it, and ``"٣"`` is 3 to ``int``
    but not how Frontdesk ever writes an id."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > _DIGITS_MAX:
        raise InvalidInput(message, field=field)
    number = int(value)
    if not is_id(number):
        raise InvalidInput(message, field=field)
    return number


class IdConverter:
    """The ``<id:...>`` URL converter: ASCII digits of any length. An id out of range reaches
    the view as a number no row has (the gates answer it NotFound), so that a path's own face
    answers in its own format instead of the resolver's HTML 404."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        return int(value) if len(value) <= _DIGITS_MAX else ID_MAX + 1

    def to_url(self, value: int) -> str:
        return str(value)
