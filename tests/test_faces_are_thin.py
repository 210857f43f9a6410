"""Faces only parse, call a service or a selector, and render: none of them reads or writes a
model directly, so no rule (who sees what, what a change records) can be written twice.

Scans the faces' source for ``X.objects``, for ``.save(``, ``.delete(``, ``bulk_create``
and ``bulk_update`` calls, and for ``transaction.atomic``: use cases that must happen
together are one use case, not a transaction a face opens around two. A face that truly needs
one is listed in ALLOWED with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "frontdesk"
FACES = sorted(
    [
        *(SRC / "web").rglob("*.py"),
        *(SRC / "api").rglob("*.py"),
        SRC / "supportme" / "api.py",
        SRC / "live" / "views.py",
        *SRC.glob("*/admin.py"),
    ]
)
WRITES = frozenset({"save", "delete", "bulk_create", "bulk_update"})

# (path relative to src/frontdesk, the name used): why it is fine.
ALLOWED: dict[tuple[str, str], str] = {
    ("core/admin.py", "atomic"): "ServiceForm.clean runs the use cases in a savepoint it always "
    "rolls back, to show their refusals beside the fields; nothing is committed there",
}


def _uses(path: Path) -> list[tuple[int, str]]:
    """(line, name) of every ``.objects`` and every model write call in ``path``, in order.
    Decorators are routes (``@router.delete(...)``), not writes."""
    tree = ast.parse(path.read_text(), filename=str(path))
    decorators = {
        id(decorator)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for decorator in node.decorator_list
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append((node.lineno, "objects"))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "atomic"
            and isinstance(node.value, ast.Name)
            and node.value.id == "transaction"
        ):
            found.append((node.lineno, "atomic"))
        elif (
            isinstance(node, ast.Call)
            and id(node) not in decorators
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITES
        ):
            found.append((node.lineno, node.func.attr))
    return sorted(found)


@pytest.mark.parametrize("path", FACES, ids=lambda path: str(path.relative_to(SRC)))
def test_faces_go_through_services_and_selectors(path: Path) -> None:
    name = str(path.relative_to(SRC))
    offending = [
        f"{name}:{line} uses .{what}" for line, what in _uses(path) if (name, what) not in ALLOWED
    ]
    assert offending == [], "Call a service or selector instead (or list it in ALLOWED)"


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    face = tmp_path / "face.py"
    face.write_text(
        "@router.delete('/')\n"
        "def view(t):\n    Ticket.objects.get(pk=1)\n    t.save()\n    t.delete()\n"
        "    with transaction.atomic():\n        pass\n"
    )
    assert _uses(face) == [(3, "objects"), (4, "save"), (5, "delete"), (6, "atomic")]


def test_every_face_is_scanned() -> None:
    names = {str(path.relative_to(SRC)) for path in FACES}
    assert {"supportme/api.py", "live/views.py", "api/ticketing.py", "tickets/admin.py"} <= names
    assert any(name.startswith("web/views/") for name in names)
