"""The layers of docs/design.md and issue 15, as import rules every module must keep.

    api/        root fields: the only package that imports both schema and resolvers
    schema/     Strawberry types and their mapping from domain values; never resolvers
    resolvers/  context in, domain values out; never schema
    live/       the dashboard hub and shared reads; never schema or resolvers
    domain/     plain Python: no GraphQL, no resolvers, no strawberry, no redis
    db/         never the domain
    redis       only events/redis_*

An ``ast`` walk, so an import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hindsight

PACKAGE = Path(hindsight.__file__).parent
API, SCHEMA, RESOLVERS = "hindsight.api", "hindsight.schema", "hindsight.resolvers"

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "schema": (RESOLVERS, API),
    "resolvers": (SCHEMA, API),
    "live": (SCHEMA, RESOLVERS, API),
    "domain": (SCHEMA, RESOLVERS, API, "hindsight.live", "strawberry", "redis"),
    "db": ("hindsight.domain", SCHEMA, RESOLVERS, API),
    "context.py": (SCHEMA, RESOLVERS, API),
}


def imported(path: Path) -> set[str]:
    """Every module an ``import``/``from`` anywhere in ``path`` names (local imports too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        bad = sorted(n for n in imported(path) if _under(n, forbidden))
        if bad:
            found[
                path.relative_to(PACKAGE).as_posix() if path.is_relative_to(PACKAGE) else path.name
            ] = bad
    return found


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _modules(part: str) -> list[Path]:
    path = PACKAGE / part
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_layer_imports_only_downwards(part: str) -> None:
    modules = _modules(part)
    assert modules, f"{part} names no module: a rename must not silently drop its rule"
    assert offending(modules, FORBIDDEN[part]) == {}


def test_only_events_redis_modules_import_redis() -> None:
    others = [p for p in PACKAGE.rglob("*.py") if not p.match("events/redis_*.py")]
    assert offending(others, ("redis",)) == {}


def test_the_rules_would_catch_a_violation(tmp_path: Path) -> None:
    """The walk sees a local import, which is how a cycle is usually hidden."""
    module = tmp_path / "types.py"
    module.write_text("def f():\n    from hindsight.resolvers import feedback\n")
    assert offending([module], FORBIDDEN["schema"]) == {
        "types.py": [RESOLVERS, f"{RESOLVERS}.feedback"]
    }
