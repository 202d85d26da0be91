"""Documents generated from the schema (hypothesis-graphql) for every query and mutation root
field, sent with valid tokens of every role: none may answer 5xx or INTERNAL_SERVER_ERROR,
and a refused mutation writes nothing (docs/operations/security.md).

Each valid document is sent twice: as generated (arguments as literals) and with its
arguments as variables, NUL bytes there turned into lone surrogates. Strings lean towards
the ids the seeded tenant holds and towards NUL bytes; DateTime
literals span years 1 to 9999 with and without offsets, edges included; JSON arguments are
nested objects. The examples are derandomised (the same documents every run,
so CI cannot flake); set ``HINDSIGHT_FUZZ_EXAMPLES`` to send more per field.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from dataclasses import replace
from typing import Any, NamedTuple

import graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis_graphql import Mode, from_schema

from hindsight.api.build import build_schema
from hindsight.domain.enums import Role
from tests.api.factories import rate_outcome, record
from tests.api.test_bad_input import row_counts
from tests.conftest import Tenant

EXAMPLES = int(os.environ.get("HINDSIGHT_FUZZ_EXAMPLES", "6"))
REFUSED = {"ValidationError", "NotFoundError"}
TEXT = st.text(st.characters(codec="utf-8", max_codepoint=0xFFFF), max_size=12)
NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)


def literal(value: Any) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(literal(v) for v in value))
    fields = (
        graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=literal(v))
        for k, v in value.items()
    )
    return graphql.ObjectValueNode(fields=tuple(fields))


OFFSETS = st.none() | st.integers(-14 * 60, 14 * 60).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
EDGES = ["0001-01-01T00:05:29Z", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"]
DATETIMES = st.one_of(
    st.builds(lambda d, tz: d.replace(tzinfo=tz).isoformat(), st.datetimes(), OFFSETS),
    st.sampled_from([*EDGES, "2026-01-01T00:00:00", "9999-12-31T23:59:59Z"]),
    TEXT,
)
WORDS = ["conv-1", "rep-1", "team-1", "deal-1", "send_follow_up", "DEMO", "", "a\x00b"]
STRINGS = st.one_of(
    st.sampled_from(WORDS),
    st.text(st.sampled_from(["\x00", "a", "_", "é", "\U0001f600"]), max_size=8),
    TEXT,
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**31), 2**31 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | STRINGS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=8,
)
SCALARS = {
    "String": STRINGS.map(lambda s: graphql.StringValueNode(value=s)),
    "DateTime": DATETIMES.map(lambda s: graphql.StringValueNode(value=s)),
    "Date": st.dates().map(lambda d: graphql.StringValueNode(value=d.isoformat())),
    "JSON": st.dictionaries(NAMES, JSON, max_size=3).map(literal),
}
ROLES = [
    (Role.ADMIN, "admin", None),
    (Role.AGENT, "agent", None),
    (Role.REP, "rep-1", None),
    (Role.MANAGER, "manager", "team-1"),
    (Role.EXECUTIVE, "executive", None),
    (Role.ANALYST, "analyst", None),
]


def with_typename(document: graphql.DocumentNode) -> str:
    """Print the document with ``__typename`` on each root field, to see refusals as data."""
    (operation,) = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    typename = graphql.FieldNode(name=graphql.NameNode(value="__typename"))
    fields = []
    for field in operation.selection_set.selections:
        if isinstance(field, graphql.FieldNode) and field.selection_set is not None:
            inner = (*field.selection_set.selections, typename)
            field = replace(field, selection_set=graphql.SelectionSetNode(selections=inner))
        fields.append(field)
    selection_set = graphql.SelectionSetNode(selections=tuple(fields))
    return graphql.print_ast(
        graphql.DocumentNode(definitions=(replace(operation, selection_set=selection_set),))
    )


class Case(NamedTuple):
    document: str
    variables: dict[str, Any]
    is_mutation: bool
    field: str


@functools.cache
def documents() -> list[Case]:
    """EXAMPLES per root field and mode; each valid one also with its arguments as variables."""
    schema = build_schema_for_fuzzing()
    found: list[Case] = []
    for root, is_mutation in [(schema.query_type, False), (schema.mutation_type, True)]:
        assert root is not None
        for name in root.fields:
            for mode in (Mode.POSITIVE, Mode.NEGATIVE):
                for document in _examples(schema, name, mode):
                    found.append(Case(document, {}, is_mutation, name))
                    variables = as_variables(document, root)
                    if mode is Mode.POSITIVE and variables[1]:
                        found.append(Case(*variables, is_mutation, name))
    return found


def surrogates(value: Any) -> Any:
    """NUL bytes become lone surrogates: JSON can carry them, a GraphQL literal cannot."""
    if isinstance(value, str):
        return value.replace("\x00", "\ud800")
    if isinstance(value, list):
        return [surrogates(v) for v in value]
    if isinstance(value, dict):
        return {k: surrogates(v) for k, v in value.items()}
    return value


def as_variables(document: str, root: graphql.GraphQLObjectType) -> tuple[str, dict[str, Any]]:
    """The same operation with each root field argument sent as a variable of its type."""
    (operation,) = graphql.parse(document).definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    definitions, values, fields = [], {}, []
    for field in operation.selection_set.selections:
        assert isinstance(field, graphql.FieldNode)
        arguments = []
        for argument in field.arguments or ():
            name = graphql.NameNode(value=f"v{len(definitions)}")
            type_ = root.fields[field.name.value].args[argument.name.value].type
            values[name.value] = surrogates(graphql.value_from_ast_untyped(argument.value))
            definitions.append(
                graphql.VariableDefinitionNode(
                    variable=graphql.VariableNode(name=name), type=graphql.parse_type(str(type_))
                )
            )
            arguments.append(replace(argument, value=graphql.VariableNode(name=name)))
        fields.append(replace(field, arguments=tuple(arguments)))
    operation = replace(
        operation,
        variable_definitions=tuple(definitions),
        selection_set=graphql.SelectionSetNode(selections=tuple(fields)),
    )
    return graphql.print_ast(graphql.DocumentNode(definitions=(operation,))), values


def _examples(schema: graphql.GraphQLSchema, name: str, mode: Mode) -> list[str]:
    strategy = from_schema(
        schema, fields=[name], custom_scalars=SCALARS, print_ast=with_typename, mode=mode
    )
    seen: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(document: str) -> None:
        seen.append(document)

    try:
        collect()
    except InvalidArgument:  # NEGATIVE mode: nothing in this field's arguments to violate
        assert mode is Mode.NEGATIVE
    return list(dict.fromkeys(seen))


def build_schema_for_fuzzing() -> graphql.GraphQLSchema:
    from hindsight.settings import Settings

    strawberry_schema = build_schema(Settings(database_url="sqlite://", jwt_secret="x" * 40))
    return strawberry_schema._schema


async def _seed(tenant: Tenant) -> None:
    created = await record(tenant, repId="rep-1", teamId="team-1", dealId="deal-1")
    await rate_outcome(tenant, created["id"])


async def test_generated_documents_never_break_the_server(tenant: Tenant) -> None:
    await _seed(tenant)
    api, failures = tenant.api, []
    tokens = [tenant.token(role, sub, team) for role, sub, team in ROLES]
    for i, (document, variables, is_mutation, field) in enumerate(documents()):
        token = tokens[i % len(tokens)]
        before = await row_counts(tenant) if is_mutation else None
        response = await api.http.post(
            "/graphql",
            content=json.dumps({"query": document, "variables": variables}),  # ASCII: \ud800
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        )
        body = response.json()
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        if response.status_code >= 500 or "INTERNAL_SERVER_ERROR" in codes:
            failures.append((field, document, response.status_code, body))
            continue
        result = (body.get("data") or {}).get(field)
        refused = bool(body.get("errors")) or (
            isinstance(result, dict) and result.get("__typename") in REFUSED
        )
        if is_mutation and refused and await row_counts(tenant) != before:
            failures.append((field, document, "wrote rows although refused", body))
    assert not failures, failures[:3]
