"""Pickers (docs/reference/api.md): teams, a team's members, reps, action types, feedback tags and
escalation triggers — from the directory and the outcomes, within each viewer's scope."""

from __future__ import annotations

from typing import Any

from hindsight.domain.enums import Role
from tests.api.factories import rate_outcome, record
from tests.conftest import Tenant

MEMBER = """mutation($input: TeamMemberInput!) { setTeamMember(input: $input) { id userId } }"""
PICKERS = """{
  teams { id teamId members { userId role displayName } }
  reps { repId teamId displayName inDirectory actions }
  actionTypes { name actions }
  escalationTriggers { trigger count }
}"""


async def directory_and_outcomes(tenant: Tenant) -> None:
    for user, team, role, name in [
        ("rep-1", "t1", "REP", "Ann"),
        ("mgr-1", "t1", "MANAGER", None),
        ("rep-2", "t2", "REP", "Bo"),
    ]:
        member = {"userId": user, "teamId": team, "role": role, "displayName": name}
        await tenant.api.gql(MEMBER, {"input": member}, tenant.token())
    await record(tenant, repId="rep-1", actionType="send_email")
    await record(tenant, repId="rep-1", actionType="send_email")
    await record(tenant, repId="rep-3", teamId="t1", actionType="book_call")
    await record(
        tenant,
        repId="rep-2",
        actionType="escalate",
        outcomeType="ESCALATION",
        metadata={"trigger": "pricing"},
    )


async def pickers(tenant: Tenant, token: str) -> dict[str, Any]:
    return await tenant.api.gql(PICKERS, token=token)


async def test_read_all_roles_see_every_team_rep_and_action(tenant: Tenant) -> None:
    await directory_and_outcomes(tenant)
    found = await pickers(tenant, tenant.token(Role.EXECUTIVE))
    assert [(t["teamId"], [m["userId"] for m in t["members"]]) for t in found["teams"]] == [
        ("t1", ["mgr-1", "rep-1"]),
        ("t2", ["rep-2"]),
    ]
    assert found["reps"] == [
        {"repId": "rep-1", "teamId": "t1", "displayName": "Ann", "inDirectory": True, "actions": 2},
        {"repId": "rep-2", "teamId": "t2", "displayName": "Bo", "inDirectory": True, "actions": 1},
        {"repId": "rep-3", "teamId": None, "displayName": None, "inDirectory": False, "actions": 1},
    ]
    assert found["actionTypes"] == [
        {"name": "book_call", "actions": 1},
        {"name": "escalate", "actions": 1},
        {"name": "send_email", "actions": 2},
    ]
    assert found["escalationTriggers"] == [{"trigger": "pricing", "count": 1}]


async def test_a_manager_and_a_rep_see_their_own_scope(tenant: Tenant) -> None:
    await directory_and_outcomes(tenant)
    manager = await pickers(tenant, tenant.token(Role.MANAGER, sub="mgr-1", team="t1"))
    assert [t["teamId"] for t in manager["teams"]] == ["t1"]
    assert [r["repId"] for r in manager["reps"]] == ["rep-1", "rep-3"]
    assert [a["name"] for a in manager["actionTypes"]] == ["book_call", "send_email"]
    assert manager["escalationTriggers"] == []
    rep = await pickers(tenant, tenant.token(Role.REP, sub="rep-1"))
    assert [t["teamId"] for t in rep["teams"]] == ["t1"]
    assert [r["repId"] for r in rep["reps"]] == ["rep-1"]
    assert rep["actionTypes"] == [{"name": "send_email", "actions": 2}]
    body = (
        await tenant.api.post(
            '{ team(teamId: "t2") { teamId } }', token=tenant.token(Role.MANAGER, team="t1")
        )
    ).json()
    assert body["data"] == {"team": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_picked_objects_are_nodes(tenant: Tenant) -> None:
    await directory_and_outcomes(tenant)
    found = await pickers(tenant, tenant.token())
    team_id = found["teams"][0]["id"]
    query = """query($id: ID!) { node(id: $id) { id ... on Team { teamId members { id } } } }"""
    node = (await tenant.api.gql(query, {"id": team_id}, tenant.token()))["node"]
    assert node["teamId"] == "t1" and len(node["members"]) == 2
    member = node["members"][0]["id"]
    again = await tenant.api.gql(
        "query($id: ID!) { node(id: $id) { ... on TeamMember { userId } } }",
        {"id": member},
        tenant.token(),
    )
    assert again["node"] == {"userId": "mgr-1"}
    body = (
        await tenant.api.post(query, {"id": team_id}, tenant.token(Role.MANAGER, team="t2"))
    ).json()
    assert body["data"] == {"node": None}


async def test_feedback_tags_count_what_the_viewer_may_see(tenant: Tenant) -> None:
    mine = await record(tenant, repId="rep-1")
    theirs = await record(tenant, repId="rep-2")
    rate = """mutation($i: RecordFeedbackInput!) { recordFeedback(input: $i) { __typename } }"""
    for outcome, tags in ((mine, ["tone", "timing"]), (theirs, ["tone"])):
        entry = {
            "targetType": "OUTCOME",
            "targetId": outcome["id"],
            "outcomeId": outcome["id"],
            "source": "INLINE",
            "rating": 1,
            "tags": tags,
        }
        await tenant.api.gql(rate, {"i": entry}, tenant.token(Role.ANALYST))
    await rate_outcome(tenant, mine["id"])  # an untagged entry counts for no tag
    query = "{ feedbackTags { tag count } }"
    everyone = await tenant.api.gql(query, token=tenant.token())
    assert everyone["feedbackTags"] == [
        {"tag": "timing", "count": 1},
        {"tag": "tone", "count": 2},
    ]
    own = await tenant.api.gql(query, token=tenant.token(Role.REP, sub="rep-1"))
    assert own["feedbackTags"] == [{"tag": "timing", "count": 1}, {"tag": "tone", "count": 1}]
