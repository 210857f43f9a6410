"""The SLA's notes on a ticket's conversation, in the page's reader's language.

The notes are stored in English (sla/services.py writes them; the APIs return a ticket's
messages as written). A page matches a note by its English pattern and says it again, as
tickets/texts.py does for the system lines; a note that matches nothing is shown as stored.
The due time inside a note stays as it was written.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

# The metrics as the notes name them (Metric's labels, lower-cased).
METRIC_WORDS = {
    "first response": gettext_noop("first response"),
    "next response": gettext_noop("next response"),
    "resolution": gettext_noop("resolution"),
}
_METRIC = "(?P<metric>" + "|".join(METRIC_WORDS) + ")"
_NOTES = [
    (
        re.compile(
            rf"^SLA warning: {_METRIC} is due (?P<when>.+?) \(in (?P<minutes>\d+) min\), "
            r"policy (?P<policy>.+)\.$",
            re.S,
        ),
        gettext_noop(
            "SLA warning: %(metric)s is due %(when)s (in %(minutes)s min), policy %(policy)s."
        ),
    ),
    (
        re.compile(
            rf"^SLA breached: {_METRIC} was due (?P<when>.+?), policy (?P<policy>.+)\.$", re.S
        ),
        gettext_noop("SLA breached: %(metric)s was due %(when)s, policy %(policy)s."),
    ),
    (
        re.compile(r"^Overdue: this ticket was due (?P<when>.+) and is not resolved yet\.$", re.S),
        gettext_noop("Overdue: this ticket was due %(when)s and is not resolved yet."),
    ),
]


def sla_note_said(text: str) -> str:
    """An SLA note in the active language, or the text as stored when it is not one."""
    for pattern, words in _NOTES:
        match = pattern.match(text)
        if match is None:
            continue
        parts = match.groupdict()
        if "metric" in parts:
            parts["metric"] = gettext(METRIC_WORDS[parts["metric"]])
        return gettext(words) % parts
    return text
