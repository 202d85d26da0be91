"""The schema explains itself: every type, field, argument and enum value has a description,
and every type with an ``id`` implements ``Node`` (so a normalized cache can merge it)."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
)

from hindsight.api.build import build_schema
from hindsight.settings import Settings

BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}
# Types whose `id` names something else (fixed by docs/reference/api.md): not an identity of their
# own.
NOT_NODES = {
    "OutcomeEvent": "the event's id, for deduplication; events are not stored",
    "NotFoundError": "the id that was not found",
}


def schema() -> GraphQLSchema:
    return build_schema(Settings())._schema


def named_types() -> list[GraphQLNamedType]:
    return [
        t
        for name, t in schema().type_map.items()
        if not name.startswith("__") and name not in BUILT_IN
    ]


def undescribed(t: GraphQLNamedType) -> list[str]:
    missing = [] if t.description else [t.name]
    if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
        for name, field in t.fields.items():
            missing += [] if field.description else [f"{t.name}.{name}"]
            missing += [
                f"{t.name}.{name}({arg})" for arg, a in field.args.items() if not a.description
            ]
    if isinstance(t, GraphQLInputObjectType):
        missing += [f"{t.name}.{n}" for n, f in t.fields.items() if not f.description]
    if isinstance(t, GraphQLEnumType):
        missing += [f"{t.name}.{n}" for n, v in t.values.items() if not v.description]
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    missing = [m for t in named_types() for m in undescribed(t)]
    assert missing == [], f"{len(missing)} without a description: {missing}"


def test_every_type_with_an_id_is_a_node() -> None:
    types = named_types()
    assert any(isinstance(t, GraphQLInterfaceType) and t.name == "Node" for t in types)
    lacking = [
        t.name
        for t in types
        if isinstance(t, GraphQLObjectType)
        and "id" in t.fields
        and "Node" not in {i.name for i in t.interfaces}
        and t.name not in NOT_NODES
    ]
    assert lacking == []
    assert "Outcome" in {t.name for t in types if isinstance(t, GraphQLObjectType)}


def test_the_checks_see_what_they_check() -> None:
    """Guards against a vacuous pass: the walk finds fields, arguments and enum values."""
    for kind in (GraphQLObjectType, GraphQLInputObjectType, GraphQLEnumType):
        assert any(isinstance(t, kind) for t in named_types()), kind
    bare = GraphQLEnumType("Bare", {"A": None})
    assert undescribed(bare) == ["Bare", "Bare.A"]
