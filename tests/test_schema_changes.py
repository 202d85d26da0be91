"""Schema changes are announced: a breaking change to ``schema.graphql`` since the newest
released schema (``schema/releases/<version>.graphql``) must be listed in CHANGELOG.md's
``[Unreleased]`` section under "### Breaking", naming its type or field (``Query.outcomes``).

Breaking and dangerous changes are graphql-core's ``find_breaking_changes`` /
``find_dangerous_changes``, plus one it does not report: an input type that became
``@oneOf`` (an operation declaring a nullable variable for one of its fields stops working).
The same check runs between consecutive releases against that release's own section.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
)

ROOT = Path(__file__).resolve().parents[1]
RELEASES = ROOT / "schema" / "releases"
CHANGELOG = ROOT / "CHANGELOG.md"
SUBSECTIONS = ("Breaking", "Added", "Changed", "Deprecated", "Fixed", "Security")


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.stem.split("."))


def releases() -> list[Path]:
    """Released schemas, oldest first."""
    return sorted(RELEASES.glob("*.graphql"), key=_version)


def load(path: Path) -> GraphQLSchema:
    return build_schema(path.read_text(encoding="utf-8"))


def section(title: str, text: str | None = None) -> str:
    """The body of the CHANGELOG's ``## [title]`` section."""
    text = CHANGELOG.read_text(encoding="utf-8") if text is None else text
    found = re.search(rf"^## \[{re.escape(title)}\][^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found, f"CHANGELOG.md has no '## [{title}]' section"
    return found.group(1)


def breaking_list(body: str) -> str:
    found = re.search(r"^### Breaking[^\n]*\n(.*?)(?=^###? |\Z)", body, re.M | re.S)
    return found.group(1) if found else ""


def coordinate(description: str, old: GraphQLSchema, new: GraphQLSchema) -> str:
    """The type or field a change is about, as a schema coordinate (``Type.field``)."""
    patterns = (
        (r"field (\w+) on input type (\w+)", "{1}.{0}"),
        (r"(\w+) was removed from enum type (\w+)", "{1}.{0}"),
        (r"\b([_A-Za-z]\w*)\.([_A-Za-z]\w*)", "{0}.{1}"),
    )
    for pattern, shape in patterns:
        if found := re.search(pattern, description):
            return shape.format(*found.groups())
    names = {*old.type_map, *new.type_map}
    return next((word for word in re.findall(r"@?\w+", description) if word in names), "")


def one_of_added(old: GraphQLSchema, new: GraphQLSchema) -> list[tuple[str, str]]:
    """Input types that became @oneOf: graphql-core does not count it as breaking."""
    changes = []
    for name, type_ in new.type_map.items():
        before = old.type_map.get(name)
        if not isinstance(type_, GraphQLInputObjectType):
            continue
        if isinstance(before, GraphQLInputObjectType) and type_.is_one_of > before.is_one_of:
            changes.append((name, f"{name} became @oneOf (exactly one field)."))
    return changes


def breaking(old: GraphQLSchema, new: GraphQLSchema) -> list[tuple[str, str]]:
    """(coordinate, description) of every breaking change from ``old`` to ``new``."""
    found = [
        (coordinate(change.description, old, new), change.description)
        for change in find_breaking_changes(old, new)
    ]
    return found + one_of_added(old, new)


def unlisted(changes: list[tuple[str, str]], listed: str) -> list[str]:
    """The changes whose coordinate the Breaking list does not name, as lines to write."""
    missing = []
    for name, description in changes:
        if not name or not re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", listed):
            missing.append(f"- `{name}`: {description} Migration: …")
    return missing


def test_unreleased_section_has_every_subsection() -> None:
    body = section("Unreleased")
    for title in SUBSECTIONS:
        assert re.search(rf"^### {title}\s*$", body, re.M), f"[Unreleased] lacks ### {title}"


def test_every_release_has_its_schema_and_a_section() -> None:
    assert releases(), f"no released schema in {RELEASES}"
    for path in releases():
        load(path)  # a valid SDL
        assert section(path.stem).strip(), f"CHANGELOG.md: [{path.stem}] is empty"


def test_breaking_changes_since_the_last_release_are_in_the_changelog() -> None:
    newest = releases()[-1]
    changes = breaking(load(newest), load(ROOT / "schema.graphql"))
    missing = unlisted(changes, breaking_list(section("Unreleased")))
    assert not missing, (
        f"schema.graphql breaks clients of {newest.stem} in ways CHANGELOG.md does not "
        "announce. Prefer adding the new and @deprecating the old; else write under "
        "'## [Unreleased]' → '### Breaking':\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("pair", range(1, len(releases())), ids=lambda i: releases()[i].stem)
def test_each_release_lists_its_breaking_changes(pair: int) -> None:
    old, new = releases()[pair - 1], releases()[pair]
    changes = breaking(load(old), load(new))
    missing = unlisted(changes, breaking_list(section(new.stem)))
    assert not missing, f"CHANGELOG.md [{new.stem}] → ### Breaking lacks:\n" + "\n".join(missing)


def test_the_detector_names_what_breaks() -> None:
    old = build_schema("type Query { a: Int!  b(x: Int): Int }  input I { p: Int  q: Int }")
    new = build_schema("type Query { a: Int  c(i: I): Int }  input I @oneOf { p: Int  q: Int }")
    names = {name for name, _ in breaking(old, new)}
    assert names == {"Query.a", "Query.b", "I"}
    assert unlisted(breaking(old, new), "- `Query.a` …\n- `Query.b` …\n- `I` …") == []
    assert unlisted(breaking(old, new), "- `Query.ab` …") != []


def deprecations(schema: GraphQLSchema) -> list[tuple[str, str | None]]:
    """(coordinate, reason) of every deprecated field, argument, input field and enum value;
    a field an interface declares counts once, on the interface."""
    found = []
    for name, type_ in schema.type_map.items():
        members = {**getattr(type_, "fields", {}), **getattr(type_, "values", {})}
        inherited = {f for i in getattr(type_, "interfaces", ()) for f in i.fields}
        for member, definition in members.items():
            if member not in inherited:  # announced once, on the interface
                found.append((f"{name}.{member}", definition.deprecation_reason))
            for arg, argument in getattr(definition, "args", {}).items():
                found.append((f"{name}.{member}({arg}:)", argument.deprecation_reason))
    return [(coordinate, reason) for coordinate, reason in found if reason is not None]


def test_every_deprecation_says_what_instead_and_when_it_goes() -> None:
    current = deprecations(load(ROOT / "schema.graphql"))
    assert current, "expected the deprecated aliases of 0.2.0"
    undated = [
        f"{coordinate}: {reason!r}"
        for coordinate, reason in current
        if not re.search(r"Goes in \d+\.\d+\.\d+, not before \d{4}-\d{2}-\d{2}\.", reason or "")
    ]
    assert not undated, (
        "say when each deprecated name goes (hindsight.schema.deprecations.going):\n"
        + "\n".join(undated)
    )
    listed = section("Unreleased") + "".join(section(path.stem) for path in releases())
    unlisted = [c for c, _ in current if c.split("(")[0] not in listed]
    assert not unlisted, f"CHANGELOG.md lists no deprecation of {unlisted}"
