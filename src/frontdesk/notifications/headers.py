"""How a notification's headers are written: the standard library's ``compat32`` rules, with
the common case written directly.

Django builds a mail as ``compat32`` messages, whose generator hands every header, short or
long, to ``email.header.Header``: a folding machine that splits the value into chunks, measures
each and joins them again. For the dozen or so headers of a mail that are printable ASCII and
already fit on one line (Content-Type, MIME-Version, From, To, Date, Message-ID, ...), what it
writes is ``Name: value``. Writing a mail's bytes was a fifth of the worker's CPU per mail,
about half of it finding that out (bench/README.md, "Mail: headers and templates").
:data:`FOLDING` writes those directly and leaves every other header (non-ASCII, too long,
control characters, a ``Header`` object) to ``compat32`` itself, so a mail's bytes are those
``compat32`` writes (tests/notifications/test_mail_bytes.py checks both ways).
"""

from __future__ import annotations

import re
from email.policy import Compat32
from typing import Any

# Printable ASCII: on one line, Header() gives it back unchanged. (Tabs, line breaks and other
# control characters are left to Header, whose rules for them are its own.)
_AS_IS = re.compile(r"[ -~]*")


class OneLineCompat32(Compat32):
    """``compat32``, with a header that fits on one line as it is written without Header()."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and self.max_line_length is not None
            and len(name) + 2 + len(value) <= self.max_line_length
            and _AS_IS.fullmatch(value)
        ):
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


FOLDING = OneLineCompat32()
