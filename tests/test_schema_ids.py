"""Every type with an ``id`` is a Node (issue 25): ``id`` is what ``node(id:)`` refetches and
what client caches merge on, so a type that is not a Node names its id for what it is, and
keeps ``id`` only as a deprecated alias until it goes (schema.deprecations.going)."""

from __future__ import annotations

from graphql import GraphQLObjectType, build_schema

from hindsight.api.export import sdl

ALIASES = {"OutcomeEvent": "eventId", "NotFoundError": "requestedId"}


def test_every_type_with_a_live_id_is_a_node() -> None:
    schema = build_schema(sdl())
    loose = {}
    for name, type_ in schema.type_map.items():
        if not isinstance(type_, GraphQLObjectType) or "id" not in type_.fields:
            continue
        if any(i.name == "Node" for i in type_.interfaces):
            continue
        loose[name] = type_.fields["id"].deprecation_reason
    assert set(loose) == set(ALIASES)
    for name, reason in loose.items():
        assert reason and reason.startswith(f"Use {ALIASES[name]}") and "Goes in" in reason, name
        assert ALIASES[name] in schema.type_map[name].fields  # type: ignore[union-attr]
