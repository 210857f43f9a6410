"""docs/architecture.md names the code as it is: every module path it draws or mentions exists,
and every function, class or constant it names in backticks is defined in Frontdesk. A module
renamed or a use case merged without the page following fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "frontdesk"
DOC = ROOT / "docs" / "architecture.md"

# A module path: "tickets/access.py", "*/admin.py", "tests/tickets/test_every_change.py", or
# a bare "selectors.py"; "core/errors.http_status" names a module and a name in it.
PATH = re.compile(r"(?<![\w/.*<>])((?:[\w*<>]+/)*[\w*]+)\.(py\b|[a-z_]+\b)")
CODE = re.compile(r"`([^`\n]+)`")
FENCED = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _paths(text: str) -> set[str]:
    """The module paths in ``text``, as written (with ``.py``)."""
    found = set()
    for stem, suffix in PATH.findall(text):
        if "/" not in stem and suffix != "py":
            continue  # "access.ticket_get", "services.record_change": names, not paths
        found.add(f"{stem}.{suffix}" if suffix == "md" else f"{stem}.py")
    return found


def _exists(path: str) -> bool:
    if path.startswith(("tests/", "docs/")):
        return (ROOT / path).exists()
    if "/" not in path or path.startswith("*/"):
        return any(SRC.rglob(path.removeprefix("*/")))
    return (SRC / path).exists()


def _names(text: str) -> set[str]:
    """The last part of every name the text sets in backticks (``access.ticket_get(...)``
    names ``ticket_get``), when it could only be code: with an underscore or a capital."""
    found = set()
    for code in CODE.findall(FENCED.sub("", text)):
        match = NAME.match(code)
        if match is None or "/" in code or code.endswith(".py"):
            continue
        name = match.group(0).rsplit(".", 1)[-1]
        if "_" in name.strip("_") or name[0].isupper() or name.startswith("_"):
            found.add(name)
    return found


def _defined() -> set[str]:
    """Every function, class, constant, attribute and field defined in Frontdesk."""
    names = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name | ast.arg) and isinstance(
                getattr(node, "ctx", ast.Store()), ast.Store
            ):
                names.add(node.id if isinstance(node, ast.Name) else node.arg)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return names


def test_every_module_the_page_names_exists() -> None:
    text = DOC.read_text()
    paths = _paths(text)
    assert {"tickets/access.py", "core/errors.py", "selectors.py"} <= paths  # the scan works
    assert sorted(path for path in paths if not _exists(path)) == []


def test_every_name_the_page_sets_as_code_is_defined() -> None:
    names = _names(DOC.read_text())
    assert {"ticket_get", "message_post", "NotVisible", "_fields"} <= names  # the scan works
    assert sorted(names - _defined()) == []


def test_the_scans_find_what_is_missing() -> None:
    text = "`tickets/gone.py` draws tickets/paging.py and core/errors.http_status; `ticket_gone()`"
    assert _paths(text) == {"tickets/gone.py", "tickets/paging.py", "core/errors.py"}
    assert [path for path in sorted(_paths(text)) if not _exists(path)] == ["tickets/gone.py"]
    assert _names(text) - _defined() == {"ticket_gone"}
