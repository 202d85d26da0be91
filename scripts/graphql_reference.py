"""The GraphQL reference page, generated from ``schema.graphql`` so it is never stale.

As an mkdocs hook (``hooks:`` in mkdocs.yml) it adds ``reference/graphql.md`` to every build
(``mkdocs build`` / ``serve``); run alone it prints the page:
``.venv/bin/python scripts/graphql_reference.py > /tmp/graphql.md``.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    get_named_type,
)
from graphql.language import print_ast
from graphql.utilities import ast_from_value

ROOT = Path(__file__).resolve().parents[1]
SDL = ROOT / "schema.graphql"
PAGE = "reference/graphql.md"
INTRO = """# GraphQL reference

Generated from `schema.graphql` (the repository's checked-in SDL) at every documentation
build (the hook `scripts/graphql_reference.py`), so it shows what the server serves. Every type,
field, argument and enum value carries its description; formulas are in them too. For how
to use the API (identity, paging, errors, time zones, limits, the deprecation policy) see
the [API guide](api.md); for the changes between releases, the [changelog](../changelog.md).
"""
SECTIONS: list[tuple[str, type[GraphQLNamedType]]] = [
    ("Objects", GraphQLObjectType),
    ("Interfaces", GraphQLInterfaceType),
    ("Unions", GraphQLUnionType),
    ("Input objects", GraphQLInputObjectType),
    ("Enums", GraphQLEnumType),
    ("Scalars", GraphQLScalarType),
]


def text(description: str | None) -> str:
    """A description as Markdown: ``<`` and ``>`` escaped outside code spans."""
    parts = (description or "").strip().split("`")
    return "`".join(p if i % 2 else html.escape(p, quote=False) for i, p in enumerate(parts))


def inline(description: str | None) -> str:
    """A description on one line, for a list item."""
    return text(" ".join((description or "").split()))


def link(type_: Any) -> str:
    """``[Outcome!]!`` with the named type linked to its entry."""
    name = get_named_type(type_).name
    return f"[`{type_}`](#{name.lower()})"


def default(argument: GraphQLArgument | GraphQLInputField) -> str:
    if argument.default_value is None or repr(argument.default_value) == "Undefined":
        return ""
    value = ast_from_value(argument.default_value, argument.type)
    return f" = {print_ast(value)}" if value else ""


def deprecation(reason: str | None) -> str:
    return f" **Deprecated:** {inline(reason)}" if reason else ""


def field(name: str, definition: GraphQLField | GraphQLInputField) -> list[str]:
    reason = getattr(definition, "deprecation_reason", None)
    head = f"- **`{name}`**: {link(definition.type)}"
    if isinstance(definition, GraphQLInputField):
        head += f"`{default(definition)}`" if default(definition) else ""
    lines = [f"{head} — {inline(definition.description)}{deprecation(reason)}"]
    for arg_name, arg in getattr(definition, "args", {}).items():
        lines.append(
            f"    - `{arg_name}`: {link(arg.type)}{f'`{default(arg)}`' if default(arg) else ''}"
            f" — {inline(arg.description)}{deprecation(arg.deprecation_reason)}"
        )
    return lines


def entry(type_: GraphQLNamedType) -> list[str]:
    described = "  \n".join(text(type_.description).split("\n"))  # keep its line breaks
    lines = [f"### {type_.name}", "", described, ""]
    interfaces = getattr(type_, "interfaces", ())
    if interfaces:
        lines += ["Implements " + ", ".join(link(i) for i in interfaces) + ".", ""]
    if isinstance(type_, GraphQLInputObjectType) and type_.is_one_of:
        lines += ["`@oneOf`: give exactly one field.", ""]
    if isinstance(type_, GraphQLUnionType):
        lines += ["One of " + ", ".join(link(t) for t in type_.types) + ".", ""]
    if isinstance(type_, GraphQLEnumType):
        for name, value in type_.values.items():
            reason = deprecation(value.deprecation_reason)
            lines.append(f"- `{name}` — {inline(value.description)}{reason}")
    for name, definition in getattr(type_, "fields", {}).items():
        lines += field(name, definition)
    return [*lines, ""]


def roots(schema: GraphQLSchema) -> list[str]:
    lines: list[str] = []
    for title, root in (("Query", schema.query_type), ("Mutation", schema.mutation_type),
                        ("Subscription", schema.subscription_type)):  # fmt: skip
        if root is not None:
            lines += [f"## {title}", ""]
            for name, definition in root.fields.items():
                lines += field(name, definition)
            lines.append("")
    return lines


def page(sdl: str) -> str:
    schema = build_schema(sdl)
    roots_names = {t.name for t in (schema.query_type, schema.mutation_type,
                                    schema.subscription_type) if t}  # fmt: skip
    named = [t for n, t in sorted(schema.type_map.items()) if not n.startswith("__")]
    lines = [INTRO, *roots(schema)]
    for title, kind in SECTIONS:
        members = [t for t in named if type(t) is kind and t.name not in roots_names]
        if members:
            lines += [f"## {title}", ""]
            for type_ in members:
                lines += entry(type_)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def on_files(files: Any, config: Any) -> Any:
    """mkdocs hook: add the generated page to the build."""
    from mkdocs.structure.files import File

    content = page(SDL.read_text(encoding="utf-8"))
    files.append(File.generated(config, PAGE, content=content))
    return files


if __name__ == "__main__":
    sys.stdout.write(page(SDL.read_text(encoding="utf-8")))
