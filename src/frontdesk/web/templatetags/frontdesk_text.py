"""People's words on the pages: a message or a resolution as written, escaped, with its line
breaks and its web links made clickable. Plain text, not Markdown: a customer's ``*``,
``1.`` or ``#3`` reads as typed (docs/decisions.md). The APIs return the raw text."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from frontdesk.core.text import with_unix_line_breaks
from frontdesk.mail.bodies import fold_start

register = template.Library()

# Only web addresses become links: ``http://``, ``https://`` or ``www.``. Nothing else can
# (no javascript:, data:, file: or relative link), whatever the text says.
_LINK = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"'`\u00a0\u2000-\u200f\u2028-\u202f\u2060-\u206f]+", re.I
)
_TRAILING = ".,;:!?*'\""
LINK_MAX = 2000  # characters: a longer "address" stays text
LINK_ATTRIBUTES = 'rel="noopener noreferrer nofollow" target="_blank" dir="ltr"'


_OPENING = {")": "(", "]": "[", "}": "{"}


def _split_link(candidate: str) -> tuple[str, str]:
    """The address and what follows it: the punctuation that ends a sentence, a closing
    bracket that opened before the address."""
    end = len(candidate)
    while end and _ends_outside(candidate, end):
        end -= 1
    return candidate[:end], candidate[end:]


def _ends_outside(candidate: str, end: int) -> bool:
    last = candidate[end - 1]
    if last in _TRAILING:
        return True
    unbalanced = candidate.count(last, 0, end) > candidate.count(_OPENING.get(last, ""), 0, end)
    return last in _OPENING and unbalanced


def _link(address: str) -> str:
    href = address if "://" in address else f"https://{address}"
    return f'<a href="{escape(href)}" {LINK_ATTRIBUTES}>{escape(address)}</a>'


def _linked(line: str) -> str:
    parts: list[str] = []
    position = 0
    for match in _LINK.finditer(line):
        address, rest = _split_link(match.group())
        if len(address) > LINK_MAX or address.lower() in {"http://", "https://", "www."}:
            continue
        parts += [escape(line[position : match.start()]), _link(address), escape(rest)]
        position = match.end()
    parts.append(escape(line[position:]))
    return "".join(parts)


@register.filter
def message_text(value: object) -> SafeString:
    """Escaped text with ``<br>`` for each line break and its web links clickable
    (``rel="noopener noreferrer nofollow"``, opened in a new tab)."""
    text = with_unix_line_breaks("" if value is None else str(value))
    return mark_safe("<br>".join(_linked(line) for line in text.split("\n")))  # noqa: S308


@register.filter
def message_folded(value: object) -> SafeString:
    """:func:`message_text`, with a mail's quoted history and signature (from where
    mail/bodies.py's ``fold_start`` finds them) folded under "Show quoted text". The whole
    text is in the page; only its display is folded."""
    text = with_unix_line_breaks("" if value is None else str(value))
    start = fold_start(text)
    if start is None:
        return message_text(text)
    shown, folded = text[:start].rstrip("\n"), text[start:]
    return format_html(
        '{}<details class="quoted"><summary>Show quoted text</summary>{}</details>',
        message_text(shown),
        message_text(folded),
    )
