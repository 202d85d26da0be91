"""docs/operations/security.md for every root query and mutation × every role, generated from the
built schema: each viewer (and a request with no token) sends a document using the field and the
test checks what the server decided. A root field without a rule in ``domain/access.py`` fails here,
and so does one that a role may use against that table (or may not use although it says it may)."""

from __future__ import annotations

import pytest

from hindsight.domain.access import RULES
from hindsight.domain.enums import Role
from tests.api.authorization import OUTSIDERS, STRANGERS, WITHIN, asked
from tests.api.factories import record
from tests.api.root_documents import build_world, decision, document, root_fields
from tests.conftest import Tenant

__all__ = ["asked"]  # the fixture
FIELDS = sorted(root_fields("query", "mutation"))


def test_every_root_field_has_a_rule() -> None:
    missing = sorted(set(root_fields()) - set(RULES))
    assert not missing, f"root fields without an entry in domain/access.py RULES: {missing}"


@pytest.mark.parametrize("field", FIELDS)
async def test_every_role_gets_what_section_8_says(
    tenant: Tenant, field: str, asked: list[str]
) -> None:
    world = await build_world(tenant)
    query, variables = document(field, world, "query", "mutation")
    asked.clear()
    wrong = []
    for who in [*WITHIN, *STRANGERS, *OUTSIDERS]:
        body = (await tenant.api.post(query, variables, who.token(tenant))).json()
        got, expected = decision(field, body), who.expected(field)
        if got != expected:
            wrong.append(f"{who.label}: expected {expected}, server said {got}: {body}")
    anonymous = decision(field, (await tenant.api.post(query, variables)).json())
    if anonymous != "UNAUTHENTICATED":  # no token: only __typename and introspection
        wrong.append(f"no token: expected UNAUTHENTICATED, server said {anonymous}")
    assert not wrong, "\n".join(wrong)
    assert field in asked, f"{field}'s resolver never asked the access table for {field!r}"


VIEWER = "{ viewer { subject role team } }"
TEAM_OUTCOMES = "{ outcomes(first: 10) { edges { node { id repId } } } }"


async def test_a_managers_team_comes_from_their_team_members_row(tenant: Tenant) -> None:
    """docs/operations/security.md: the `team` claim, or else the MANAGER's team_members row, names
    the team."""
    world = await build_world(tenant)  # mgr-a manages team-a in the directory
    await record(tenant, repId="rep-2", teamId="team-b")
    api, row_only = tenant.api, tenant.token(Role.MANAGER, "mgr-a")
    assert (await api.gql(VIEWER, token=row_only))["viewer"]["team"] == "team-a"
    edges = (await api.gql(TEAM_OUTCOMES, token=row_only))["outcomes"]["edges"]
    assert [e["node"]["id"] for e in edges] == [world.outcome_id]
    # A claim wins over the row; no claim and no MANAGER row is no team at all.
    claim = tenant.token(Role.MANAGER, "mgr-a", "team-b")
    assert (await api.gql(VIEWER, token=claim))["viewer"]["team"] == "team-b"
    for nobody in ("mgr-z", "rep-1"):  # rep-1's row says REP: it names no managed team
        token = tenant.token(Role.MANAGER, nobody)
        assert (await api.gql(VIEWER, token=token))["viewer"]["team"] is None
        error = await api.error(TEAM_OUTCOMES, token=token)
        assert error["extensions"]["code"] == "FORBIDDEN"
