"""Every type with an ``id`` is a Node (issue 25): ``id`` is what ``node(id:)`` refetches and
what client caches merge on, so a type that is not a Node names its id for what it is, and
keeps ``id`` only as a deprecated alias until it goes (schema.deprecations.going)."""

from __future__ import annotations

from graphql import GraphQLObjectType, build_schema

from hindsight.api.export import sdl
from hindsight.domain.enums import Role
from tests.api.documents import RESOLVE
from tests.conftest import Tenant

ALIASES = {"OutcomeEvent": "eventId", "NotFoundError": "missingId"}


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
        assert reason and f"Use {ALIASES[name]}" in reason and "Goes in" in reason, name
        assert ALIASES[name] in schema.type_map[name].fields  # type: ignore[union-attr]


async def test_not_found_names_its_id_missing_id_and_keeps_the_alias(tenant: Tenant) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    document = RESOLVE.replace("missingId message", "missingId id message")
    variables = {"input": {"outcomeId": missing, "status": "POSITIVE"}}
    data = await tenant.api.gql(document, variables, tenant.token(Role.AGENT))
    assert data["resolveOutcome"] == {
        "__typename": "NotFoundError",
        "missingId": missing,
        "id": missing,
        "message": "no outcome with this id",
    }
