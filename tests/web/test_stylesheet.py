"""The stylesheet's blocks: a rule holds declarations only; only at-rules (@media, @supports)
hold rules. A merge once left a selector's "{" without its body, and browsers that nest CSS
read every rule after it as nested inside it: the date inputs, the links card and the
followers list lost their styles."""

from __future__ import annotations

import re
from pathlib import Path

STYLESHEET = Path(__file__).parents[2] / "src/frontdesk/web/static/frontdesk/frontdesk.css"


def test_no_rule_is_nested_in_another() -> None:
    text = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.S)
    opened: list[str] = []  # the selector or at-rule of each open block
    start = 0
    for match in re.finditer(r"[{}]", text):
        if match.group() == "{":
            head = text[start : match.start()].strip().split(";")[-1].strip()
            if opened:
                assert opened[-1].startswith("@"), f"{head!r} is nested in {opened[-1]!r}"
            opened.append(head)
        else:
            assert opened, "a '}' closes nothing"
            opened.pop()
        start = match.end()
    assert not opened, f"{opened[-1]!r} is never closed"
