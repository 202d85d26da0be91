"""Step 3 through the front door: recordFeedback, feedback reads, visibility, Outcome.feedback."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import event

from hindsight.db.models import TeamMember
from hindsight.domain.enums import Role
from hindsight.services import channel
from tests.api import documents
from tests.api.factories import record
from tests.conftest import Api, Tenant

ENTRY = """id targetType targetId conversationId outcomeId source rating score comment tags
           reviewerId reviewerRole createdAt updatedAt"""
RECORD = f"""
mutation Rate($input: RecordFeedbackInput!) {{
  recordFeedback(input: $input) {{
    __typename ... on FeedbackEntry {{ {ENTRY} }} ... on ValidationError {{ field message }}
  }}
}}"""
ONE = f"query One($id: ID!) {{ feedback(id: $id) {{ {ENTRY} }} }}"
CONVERSATION = "query C($c: String!) { feedbackForConversation(conversationId: $c) { id } }"
COUNT = "query S($f: FeedbackFilter) { feedbackSummary(filter: $f) { count } }"
OUTCOME_FEEDBACK = """
query { outcomes(first: 50) { edges { node { id feedback { id rating reviewerId } } } } }"""


def entry(**overrides: Any) -> dict[str, Any]:
    values = {
        "targetType": "MESSAGE",
        "targetId": "msg-1",
        "conversationId": "conv-1",
        "source": "INLINE",
        "rating": 1,
    }
    return {**values, **overrides}


async def rate(tenant: Tenant, token: str | None = None, **overrides: Any) -> dict[str, Any]:
    token = token or tenant.token(Role.REP, sub="rep-1")
    data = await tenant.api.gql(RECORD, {"input": entry(**overrides)}, token)
    return data["recordFeedback"]


async def count(tenant: Tenant, token: str | None = None, **flt: Any) -> int:
    data = await tenant.api.gql(COUNT, {"f": flt or None}, token or tenant.token(Role.ADMIN))
    return data["feedbackSummary"]["count"]


async def test_record_then_read_back(tenant: Tenant) -> None:
    outcome = await record(tenant, repId="rep-1", conversationId="conv-9")
    created = await rate(
        tenant,
        targetType="OUTCOME",
        targetId=outcome["id"],
        conversationId=None,
        outcomeId=outcome["id"],
        source="DASHBOARD",
        rating=4,
        comment="good call",
        tags=["timing", "timing", "on-brand"],
    )
    assert created["__typename"] == "FeedbackEntry"
    assert created["score"] == 0.75 and created["tags"] == ["timing", "on-brand"]
    assert created["conversationId"] == "conv-9"  # taken from the linked outcome
    assert (created["reviewerId"], created["reviewerRole"]) == ("rep-1", "REP")
    data = await tenant.api.gql(ONE, {"id": created["id"]}, tenant.token(Role.ANALYST))
    assert data["feedback"] == {k: v for k, v in created.items() if k != "__typename"}


async def test_reviewer_comes_from_the_token_never_the_input(tenant: Tenant) -> None:
    created = await rate(tenant, tenant.token(Role.MANAGER, sub="mgr-7", team="t"))
    assert (created["reviewerId"], created["reviewerRole"]) == ("mgr-7", "MANAGER")
    error = await tenant.api.error(
        RECORD, {"input": entry(reviewerId="someone-else")}, tenant.token(Role.REP, sub="rep-1")
    )
    assert "reviewerId" in error["message"]


@pytest.mark.parametrize(
    ("source", "rating", "score"),
    [
        ("INLINE", -1, 0.0),
        ("INLINE", 0, 0.5),
        ("INLINE", 1, 1.0),
        ("DASHBOARD", 1, 0.0),
        ("DASHBOARD", 3, 0.5),
        ("DASHBOARD", 5, 1.0),
    ],
)
async def test_ratings_map_to_scores(
    tenant: Tenant, source: str, rating: int, score: float
) -> None:
    created = await rate(
        tenant, source=source, rating=rating, comment="x" * 2000, tags=[f"t{i}" for i in range(10)]
    )
    assert created["score"] == score


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"source": "INLINE", "rating": 2}, "rating"),
        ({"source": "INLINE", "rating": -2}, "rating"),
        ({"source": "DASHBOARD", "rating": 0}, "rating"),
        ({"source": "DASHBOARD", "rating": 6}, "rating"),
        ({"comment": "x" * 2001}, "comment"),
        ({"tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({"tags": ["Bad Tag"]}, "tags"),
        ({"tags": ["x" * 33]}, "tags"),
        ({"targetId": ""}, "targetId"),
    ],
)
async def test_bad_input_is_a_validation_error_and_writes_nothing(
    tenant: Tenant, overrides: dict[str, Any], field: str
) -> None:
    result = await rate(tenant, **overrides)
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert await count(tenant) == 0


async def test_an_outcome_out_of_reach_is_not_found_exactly_as_reading_it(
    tenant: Tenant, api: Api
) -> None:
    """docs/operations/security.md: an id the viewer may not see is NOT_FOUND everywhere, with the
    same answer whether it exists elsewhere or not at all, and nothing is written."""
    theirs = await record(tenant, repId="rep-2", teamId="team-b", conversationId="conv-secret")
    other_tenant = await record(Tenant(uuid.uuid4(), api), repId="rep-1")
    rep = tenant.token(Role.REP, sub="rep-1")
    manager = tenant.token(Role.MANAGER, sub="mgr-a", team="team-a")
    cases = [
        (rep, theirs["id"]),
        (manager, theirs["id"]),
        (rep, other_tenant["id"]),
        (rep, str(uuid.uuid4())),
        (rep, "not-a-uuid"),
    ]
    for token, outcome_id in cases:
        read = await api.error(documents.OUTCOME, {"id": outcome_id}, token)
        write = await api.error(RECORD, {"input": entry(outcomeId=outcome_id)}, token)
        assert write["extensions"] == read["extensions"] == {"code": "NOT_FOUND"}
        assert write["message"] == read["message"] and "conv-secret" not in str(write)
    assert await count(tenant) == 0
    analyst = tenant.token(Role.ANALYST)
    mine = await rate(tenant, analyst, outcomeId=theirs["id"], conversationId=None)
    assert mine["conversationId"] == "conv-secret"  # a tenant-wide reviewer may link it


async def test_an_outcome_target_passes_the_same_reach_check(tenant: Tenant, api: Api) -> None:
    """``targetType: OUTCOME`` names an outcome as surely as ``outcomeId``: out of reach it
    is NOT_FOUND and nothing is stored; in reach it is linked (``outcomeId`` set)."""
    theirs = await record(tenant, repId="rep-2", teamId="team-b", conversationId="conv-secret")
    mine = await record(tenant, repId="rep-1", conversationId="conv-mine")
    rep = tenant.token(Role.REP, sub="rep-1")
    manager = tenant.token(Role.MANAGER, sub="mgr-a", team="team-a")
    for token, outcome_id in [(rep, theirs["id"]), (manager, theirs["id"]), (rep, "not-a-uuid")]:
        target = entry(targetType="OUTCOME", targetId=outcome_id, conversationId=None)
        write = await api.error(RECORD, {"input": target}, token)
        assert write["extensions"] == {"code": "NOT_FOUND"} and "conv-secret" not in str(write)
    assert await count(tenant) == 0
    target = {"targetType": "OUTCOME", "targetId": mine["id"]}
    linked = await rate(tenant, rep, **target, conversationId=None)
    assert (linked["outcomeId"], linked["conversationId"]) == (mine["id"], "conv-mine")
    both = await rate(tenant, rep, **target, outcomeId=theirs["id"])
    assert (both["__typename"], both["field"]) == ("ValidationError", "outcomeId")
    assert await count(tenant) == 1


async def test_rating_again_updates_the_entry(tenant: Tenant) -> None:
    first = await rate(tenant, rating=1, tags=["a"])
    tenant.api.clock.advance(minutes=5)
    second = await rate(tenant, rating=-1, comment="changed my mind")
    assert second["id"] == first["id"] and second["createdAt"] == first["createdAt"]
    assert (second["rating"], second["score"], second["tags"]) == (-1, 0.0, [])
    assert second["updatedAt"] > first["updatedAt"]
    other_source = await rate(tenant, source="DASHBOARD", rating=2)
    assert other_source["id"] != first["id"]
    assert await count(tenant) == 2


async def test_concurrent_identical_ratings_leave_one_row(tenant: Tenant) -> None:
    results = await asyncio.gather(*(rate(tenant) for _ in range(10)))
    assert {r["__typename"] for r in results} == {"FeedbackEntry"}
    assert len({r["id"] for r in results}) == 1
    assert await count(tenant) == 1


async def test_agent_may_neither_record_nor_read(tenant: Tenant) -> None:
    agent = tenant.token(Role.AGENT)
    error = await tenant.api.error(RECORD, {"input": entry()}, agent)
    assert error["extensions"]["code"] == "FORBIDDEN"
    created, _ = await rate(tenant), await record(tenant)
    reads = [(ONE, {"id": created["id"]}), (CONVERSATION, {"c": "conv-1"}), (OUTCOME_FEEDBACK, {})]
    for query, variables in reads:
        error = await tenant.api.error(query, variables, agent)
        assert error["extensions"]["code"] == "FORBIDDEN"


async def _rated_world(tenant: Tenant) -> dict[str, str]:
    """rep-1 (team-a) and rep-2 (team-b) outcomes, rated by an analyst and by the reps."""
    mine = await record(tenant, repId="rep-1", teamId="team-a", conversationId="conv-1")
    theirs = await record(tenant, repId="rep-2", teamId="team-b", conversationId="conv-1")
    analyst = tenant.token(Role.ANALYST, sub="ann")
    ids = {
        "on_mine": (await rate(tenant, analyst, targetId="m1", outcomeId=mine["id"]))["id"],
        "on_theirs": (await rate(tenant, analyst, targetId="m2", outcomeId=theirs["id"]))["id"],
        "by_me": (await rate(tenant, targetId="m3"))["id"],
        "by_them": (await rate(tenant, tenant.token(Role.REP, sub="rep-2"), targetId="m4"))["id"],
    }
    return ids


async def test_a_rep_sees_only_their_own_feedback(tenant: Tenant) -> None:
    ids = await _rated_world(tenant)
    token = tenant.token(Role.REP, sub="rep-1")
    seen = await tenant.api.gql(CONVERSATION, {"c": "conv-1"}, token)
    assert {e["id"] for e in seen["feedbackForConversation"]} == {ids["on_mine"], ids["by_me"]}
    for hidden in ("on_theirs", "by_them"):
        error = await tenant.api.error(ONE, {"id": ids[hidden]}, token)
        assert error["extensions"]["code"] == "NOT_FOUND"
    assert await count(tenant, token) == 2
    assert await count(tenant, token, repId="rep-1") == 1
    error = await tenant.api.error(COUNT, {"f": {"repId": "rep-2"}}, token)
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_a_manager_sees_their_teams_feedback(tenant: Tenant) -> None:
    ids = await _rated_world(tenant)
    member = TeamMember(tenant_id=tenant.id, user_id="rep-1", team_id="team-a", role="REP")
    await tenant.api.services.db.run(tenant.id, lambda s: _add(s, member))
    token = tenant.token(Role.MANAGER, sub="mgr-a", team="team-a")
    seen = await tenant.api.gql(CONVERSATION, {"c": "conv-1"}, token)
    assert {e["id"] for e in seen["feedbackForConversation"]} == {ids["on_mine"], ids["by_me"]}
    all_ = await tenant.api.gql(CONVERSATION, {"c": "conv-1"}, tenant.token(Role.EXECUTIVE))
    assert len(all_["feedbackForConversation"]) == 4


async def _add(session: Any, row: Any) -> None:
    session.add(row)


async def test_other_tenants_see_nothing(tenant: Tenant, api: Api) -> None:
    created = await rate(tenant)
    other = api.token(uuid.uuid4(), Role.ADMIN)
    error = await api.error(ONE, {"id": created["id"]}, other)
    assert error["extensions"]["code"] == "NOT_FOUND"
    seen = await api.gql(CONVERSATION, {"c": "conv-1"}, other)
    assert seen["feedbackForConversation"] == []
    assert (await api.gql(COUNT, {}, other))["feedbackSummary"]["count"] == 0


async def test_outcome_feedback_is_one_query_for_a_page(tenant: Tenant) -> None:
    outcomes = [await record(tenant, repId="rep-1", conversationId=f"c-{i}") for i in range(6)]
    for i, outcome in enumerate(outcomes[:5]):
        await rate(
            tenant, targetId=f"m-{i}", rating=i % 2, outcomeId=outcome["id"], conversationId=None
        )
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements.append(sql)

    engine = tenant.api.services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        data = await tenant.api.gql(OUTCOME_FEEDBACK, token=tenant.token(Role.ADMIN))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    nodes = {e["node"]["id"]: e["node"]["feedback"] for e in data["outcomes"]["edges"]}
    assert sorted(len(f) for f in nodes.values()) == [0, 1, 1, 1, 1, 1]
    assert nodes[outcomes[1]["id"]][0]["rating"] == 1
    assert sum("feedback_entries" in s for s in statements) == 1


async def test_every_write_publishes_a_feedback_event(tenant: Tenant) -> None:
    outcome = await record(tenant, repId="rep-3", teamId="team-a")
    manager = tenant.token(Role.MANAGER, sub="mgr-a", team="team-a")
    async with tenant.api.services.broker.subscribe(channel(tenant.id, "feedback")) as messages:
        created = await rate(tenant, manager, outcomeId=outcome["id"])
        message = await asyncio.wait_for(anext(aiter(messages)), 5)
        await rate(tenant, manager, rating=0, outcomeId=outcome["id"])  # an update publishes too
        again = await asyncio.wait_for(anext(aiter(messages)), 5)
    expected = {"feedbackId": created["id"], "reviewerId": "mgr-a", "repId": "rep-3"}
    assert {k: message[k] for k in expected} == expected
    assert again["feedbackId"] == created["id"] and again["id"] != message["id"]
