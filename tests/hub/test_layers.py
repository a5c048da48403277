"""Where the hub reads and writes its tables (docs/architecture.md, issue 14): every
query is built in ``hub/queries/`` or, as part of a write, ``hub/actions/``; every
write is made in ``hub/actions/`` (``hub.db.add_if_new`` is the insert primitive they
call). ``lint-imports`` checks the imports between packages; this checks what no
import contract can see, the statements themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import hub

HUB = Path(hub.__file__).parent
READERS = ("queries", "actions")
WRITERS = ("actions",)
STATEMENTS = {"select": "reads", "insert": "writes", "update": "writes", "delete": "writes"}
SESSION_WRITES = {"add", "add_all", "delete", "merge"}


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(HUB.rglob("*.py")):
        relative = path.relative_to(HUB)
        if relative.parts[0] in ("migrations", "static", "templates"):
            continue
        found.append((relative.as_posix(), ast.parse(path.read_text(), str(path))))
    return found


def _statement_imports(tree: ast.Module) -> set[str]:
    """Which of sqlalchemy's statement builders (``select``, ``insert``…) the module imports."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names |= {alias.name for alias in node.names if alias.name in STATEMENTS}
    return names


def _session_writes(tree: ast.Module) -> list[int]:
    """Lines calling ``<…>.session.add(…)`` and friends (or ``session.add`` on a
    variable named ``session``)."""
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        named_session = (isinstance(owner, ast.Name) and owner.id == "session") or (
            isinstance(owner, ast.Attribute) and owner.attr == "session"
        )
        if named_session and node.func.attr in SESSION_WRITES:
            lines.append(node.lineno)
    return lines


def test_queries_are_built_only_in_queries_and_actions() -> None:
    stray = {
        name: sorted(builders)
        for name, tree in _modules()
        if name.split("/")[0] not in READERS
        and (builders := {b for b in _statement_imports(tree) if STATEMENTS[b] == "reads"})
    }
    assert stray == {}


def test_writes_are_made_only_in_actions() -> None:
    stray: dict[str, object] = {}
    for name, tree in _modules():
        if name.split("/")[0] in WRITERS:
            continue
        builders = {b for b in _statement_imports(tree) if STATEMENTS[b] == "writes"}
        lines = _session_writes(tree) if name != "db.py" else []
        if builders or lines:
            stray[name] = (sorted(builders), lines)
    assert stray == {}


def test_the_check_sees_what_it_looks_for() -> None:
    """The two checks find a stray statement and a stray ``session.add`` (so an empty
    result means the tree is clean, not that the checks are blind)."""
    tree = ast.parse(
        "from sqlalchemy import insert, select\n"
        "async def f(uow):\n"
        "    uow.session.add(1)\n"
        "    await session.delete(2)\n"
    )
    assert _statement_imports(tree) == {"insert", "select"}
    assert _session_writes(tree) == [3, 4]
