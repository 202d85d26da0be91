"""Step 1's slice through the front door: recordOutcome, outcome, outcomes, viewer."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.factories import outcome_input, record
from tests.conftest import Api, Tenant


async def test_record_then_read_back(tenant: Tenant) -> None:
    created = await record(tenant, repId="rep-1", metadata={"channel": "email"})
    assert created["status"] == "PENDING"
    assert created["metadata"] == {"channel": "email"}
    window = dt.datetime.fromisoformat(created["windowEndsAt"]) - dt.datetime.fromisoformat(
        created["createdAt"]
    )
    assert window == dt.timedelta(hours=24)
    data = await tenant.api.gql(documents.OUTCOME, {"id": created["id"]}, tenant.token(Role.AGENT))
    assert data["outcome"] == {k: v for k, v in created.items() if k != "__typename"}


async def test_viewer_reflects_the_token(tenant: Tenant) -> None:
    token = tenant.token(Role.MANAGER, sub="mgr-1", team="team-a")
    data = await tenant.api.gql("{ viewer { subject tenant role team } }", token=token)
    assert data["viewer"] == {
        "subject": "mgr-1",
        "tenant": str(tenant.id),
        "role": "MANAGER",
        "team": "team-a",
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"predictedConfidence": 1.5}, "predictedConfidence"),
        ({"predictedConfidence": -0.01}, "predictedConfidence"),
        ({"actionType": "Send Follow Up"}, "actionType"),
        ({"actionType": "x" * 65}, "actionType"),
        ({"actionType": ""}, "actionType"),
        ({"metadata": {"blob": "x" * 17000}}, "metadata"),
        ({"metadata": [1, 2]}, "metadata"),
        ({"conversationId": ""}, "conversationId"),
        ({"outcomeType": "DEAL_PROGRESSION"}, "dealId"),
    ],
)
async def test_bad_input_is_a_validation_error_and_writes_nothing(
    tenant: Tenant, overrides: dict[str, object], field: str
) -> None:
    data = await tenant.api.gql(
        documents.RECORD, {"input": outcome_input(**overrides)}, tenant.token(Role.AGENT)
    )
    assert data["recordOutcome"]["__typename"] == "ValidationError"
    assert data["recordOutcome"]["field"] == field
    page = await tenant.api.gql(documents.OUTCOMES, token=tenant.token(Role.ADMIN))
    assert page["outcomes"]["edges"] == []


async def test_unknown_outcome_type_is_rejected_by_the_schema(tenant: Tenant) -> None:
    error = await tenant.api.error(
        documents.RECORD, {"input": outcome_input(outcomeType="NOPE")}, tenant.token(Role.AGENT)
    )
    assert "OutcomeType" in error["message"]


async def test_occurred_at_in_the_future_or_too_old_is_refused(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    for when in (now + dt.timedelta(minutes=6), now - dt.timedelta(hours=721)):
        data = await tenant.api.gql(
            documents.RECORD,
            {"input": outcome_input(occurredAt=when.isoformat())},
            tenant.token(Role.AGENT),
        )
        assert data["recordOutcome"]["field"] == "occurredAt"


async def test_same_idempotency_key_returns_the_same_record(tenant: Tenant) -> None:
    first = await record(tenant, idempotencyKey="k-1")
    second = await record(tenant, idempotencyKey="k-1", predictedConfidence=0.1)
    assert second == first


async def test_concurrent_idempotent_records_create_one_row(tenant: Tenant) -> None:
    results = await asyncio.gather(*(record(tenant, idempotencyKey="k-race") for _ in range(8)))
    assert len({r["id"] for r in results}) == 1
    page = await tenant.api.gql(documents.OUTCOMES, token=tenant.token(Role.ADMIN))
    assert len(page["outcomes"]["edges"]) == 1


async def test_pagination_is_stable_and_complete(tenant: Tenant) -> None:
    """Pages of 3 over 7 outcomes: each exactly once, newest first."""
    ids: list[str] = []
    for i in range(7):
        tenant.api.clock.advance(seconds=1)
        ids.append((await record(tenant, conversationId=f"c-{i}"))["id"])
    seen: list[str] = []
    after = None
    while True:
        page = (
            await tenant.api.gql(
                documents.OUTCOMES, {"first": 3, "after": after}, tenant.token(Role.ADMIN)
            )
        )["outcomes"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids[::-1]


async def test_first_is_capped(tenant: Tenant) -> None:
    error = await tenant.api.error(documents.OUTCOMES, {"first": 501}, tenant.token(Role.ADMIN))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_filter_by_status_rep_and_action(tenant: Tenant) -> None:
    await record(tenant, repId="rep-a", actionType="a1")
    await record(tenant, repId="rep-b", actionType="a2")
    flt = {"repId": "rep-b", "actionTypes": ["a2"], "statuses": ["PENDING"]}
    page = await tenant.api.gql(documents.OUTCOMES, {"filter": flt}, tenant.token(Role.ADMIN))
    assert [e["node"]["repId"] for e in page["outcomes"]["edges"]] == ["rep-b"]


async def test_no_token_is_unauthenticated_but_typename_works(api: Api) -> None:
    assert (await api.gql("{ __typename }")) == {"__typename": "Query"}
    error = await api.error(documents.OUTCOMES)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    error = await api.error(documents.OUTCOMES, token="not-a-jwt")
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_roles_are_enforced(tenant: Tenant) -> None:
    error = await tenant.api.error(
        documents.RECORD, {"input": outcome_input()}, tenant.token(Role.REP, sub="rep-1")
    )
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_a_rep_sees_only_their_own_outcomes(tenant: Tenant) -> None:
    mine = await record(tenant, repId="rep-1")
    theirs = await record(tenant, repId="rep-2")
    token = tenant.token(Role.REP, sub="rep-1")
    page = await tenant.api.gql(documents.OUTCOMES, token=token)
    assert [e["node"]["id"] for e in page["outcomes"]["edges"]] == [mine["id"]]
    error = await tenant.api.error(documents.OUTCOME, {"id": theirs["id"]}, token)
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_other_tenants_outcome_is_not_found(tenant: Tenant, api: Api) -> None:
    created = await record(tenant)
    other = api.token(uuid.uuid4(), Role.ADMIN)
    error = await api.error(documents.OUTCOME, {"id": created["id"]}, other)
    assert error["extensions"]["code"] == "NOT_FOUND"
