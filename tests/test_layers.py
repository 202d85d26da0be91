"""The layers of DESIGN §2 hold: schema -> resolvers -> domain, never the other way.

Only the root-field wiring modules of ``schema/`` may import ``hindsight.resolvers``; the
type modules get nested fields' data through ``schema/links.py``. The domain is plain
Python: no GraphQL, no resolvers, no strawberry, no redis.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hindsight

PACKAGE = Path(hindsight.__file__).parent

# schema/ modules that define root fields (Query/Mutation/Subscription) and call resolvers.
WIRING = {
    "history.py",
}
DOMAIN_FORBIDDEN = ("hindsight.schema", "hindsight.resolvers", "strawberry", "redis")


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
            found[str(path.relative_to(PACKAGE))] = bad
    return found


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_wiring_list_names_real_modules() -> None:
    """A renamed wiring module must not silently widen what the next test allows."""
    assert {p.name for p in (PACKAGE / "schema").glob("*.py")} >= WIRING


def test_schema_type_modules_do_not_import_resolvers() -> None:
    types = [p for p in (PACKAGE / "schema").rglob("*.py") if p.name not in WIRING]
    assert offending(types, ("hindsight.resolvers",)) == {}


def test_domain_is_plain_python() -> None:
    assert offending(sorted((PACKAGE / "domain").rglob("*.py")), DOMAIN_FORBIDDEN) == {}


def test_resolver_helpers_know_no_graphql_types() -> None:
    """Resolvers' shared helpers raise/return domain values; only the Context is shared."""
    found = imported(PACKAGE / "resolvers" / "common.py")
    schema = {n for n in found if _under(n, ("hindsight.schema",))}
    assert schema <= {"hindsight.schema.context", "hindsight.schema.context.Context"}
