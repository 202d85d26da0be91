"""``recordOutcomes`` / ``recordSignals``: one result per input in order, per-item
idempotency (outcomes and signals), valid items commit together, and the same sums as
single calls."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select

from hindsight.db.models import OutcomeRecord, OutcomeRollup, Signal
from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.factories import outcome_input, record, signal
from tests.conftest import Tenant

RECORD_MANY = f"""
mutation Many($inputs: [RecordOutcomeInput!]!) {{
  recordOutcomes(inputs: $inputs) {{
    __typename
    ... on Outcome {{ {documents.OUTCOME_FIELDS} }}
    ... on ValidationError {{ field message }}
  }}
}}
"""
IMPORT_MANY = """mutation Import($inputs: [ImportOutcomeInput!]!) {
  importOutcomes(inputs: $inputs) { __typename ... on ValidationError { field message } }
}"""
SIGNAL_MANY = f"""
mutation Signals($inputs: [RecordSignalInput!]!) {{
  recordSignals(inputs: $inputs) {{
    __typename
    ... on SignalRecorded {{ signal {{ id kind }} resolved {{ {documents.OUTCOME_FIELDS} }} }}
    ... on ValidationError {{ field message }}
  }}
}}
"""


async def _many(tenant: Tenant, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    data = await tenant.api.gql(RECORD_MANY, {"inputs": inputs}, tenant.token(Role.AGENT))
    return data["recordOutcomes"]


async def _signals(tenant: Tenant, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    data = await tenant.api.gql(SIGNAL_MANY, {"inputs": inputs}, tenant.token(Role.AGENT))
    return data["recordSignals"]


async def _stored(tenant: Tenant) -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    """(outcomes, rollups) as the database holds them, without ids."""

    async def read(session) -> tuple[list[tuple], list[tuple]]:  # type: ignore[no-untyped-def,type-arg]
        o = OutcomeRecord
        outcomes = await session.execute(
            select(o.conversation_id, o.status, o.action_type, o.rep_id, o.team_id)
            .where(o.tenant_id == tenant.id)
            .order_by(o.conversation_id)
        )
        r = OutcomeRollup
        rollups = await session.execute(
            select(r.rep_id, r.action_type, r.status, func.sum(r.count), func.sum(r.sum_confidence))
            .where(r.tenant_id == tenant.id)
            .group_by(r.rep_id, r.action_type, r.status)
            .having(func.sum(r.count) != 0)
            .order_by(r.rep_id, r.action_type, r.status)
        )
        return [tuple(x) for x in outcomes], [(*x[:4], round(x[4], 9)) for x in rollups]

    return await tenant.api.services.db.run(tenant.id, read, readonly=True)


async def test_one_result_per_input_in_order_and_valid_items_commit(tenant: Tenant) -> None:
    inputs = [
        outcome_input(conversationId="b-0", repId="rep-1"),
        outcome_input(conversationId="b-1", predictedConfidence=1.5),
        outcome_input(conversationId="b-2", outcomeType="DEAL_PROGRESSION"),
        outcome_input(conversationId="b-3", repId="rep-2", actionType="book_meeting"),
    ]
    results = await _many(tenant, inputs)
    assert [r["__typename"] for r in results] == [
        "Outcome",
        "ValidationError",
        "ValidationError",
        "Outcome",
    ]
    assert results[1]["field"] == "predictedConfidence" and results[2]["field"] == "dealId"
    assert [results[0]["conversationId"], results[3]["conversationId"]] == ["b-0", "b-3"]
    outcomes, _ = await _stored(tenant)
    assert [row[0] for row in outcomes] == ["b-0", "b-3"]


async def test_sums_and_rows_equal_those_of_single_calls(tenant: Tenant) -> None:
    singles = Tenant(uuid.uuid4(), tenant.api)
    inputs = [
        outcome_input(
            conversationId=f"s-{n}",
            repId=f"rep-{n % 3}",
            actionType=("send_follow_up", "book_meeting")[n % 2],
            predictedConfidence=round(0.05 + n * 0.03, 2),
        )
        for n in range(24)
    ]
    await _many(tenant, inputs)
    for item in inputs:
        await record(singles, **item)
    assert await _stored(tenant) == await _stored(singles)


async def test_idempotency_is_per_item_within_and_across_batches(tenant: Tenant) -> None:
    earlier = await record(tenant, conversationId="k-0", idempotencyKey="key-0")
    inputs = [
        outcome_input(conversationId="k-0b", idempotencyKey="key-0"),
        outcome_input(conversationId="k-1", idempotencyKey="key-1"),
        outcome_input(conversationId="k-1b", idempotencyKey="key-1"),
        outcome_input(conversationId="k-2"),
    ]
    first = await _many(tenant, inputs)
    assert first[0]["id"] == earlier["id"] and first[0]["conversationId"] == "k-0"
    assert first[1]["id"] == first[2]["id"] and first[2]["conversationId"] == "k-1"
    again = await _many(tenant, inputs[:3])
    assert [r["id"] for r in again] == [r["id"] for r in first[:3]]
    outcomes, rollups = await _stored(tenant)
    assert sorted(row[0] for row in outcomes) == ["k-0", "k-1", "k-2"]
    assert sum(r[3] for r in rollups) == 3


async def test_more_than_500_items_is_bad_input_and_writes_nothing(tenant: Tenant) -> None:
    inputs = [outcome_input(conversationId=f"x-{n}") for n in range(501)]
    error = await tenant.api.error(RECORD_MANY, {"inputs": inputs}, tenant.token(Role.AGENT))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "500" in error["message"] and error["extensions"]["field"] == "inputs"
    signals = [{"kind": "CUSTOMER_REPLIED", "conversationId": "x"}] * 501
    error = await tenant.api.error(SIGNAL_MANY, {"inputs": signals}, tenant.token(Role.AGENT))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    ended = {"status": "POSITIVE", "resolvedAt": "2026-01-01T00:00:00Z"}
    past = [{"outcome": {**i, "occurredAt": "2025-12-31T00:00:00Z"}, **ended} for i in inputs]
    error = await tenant.api.error(IMPORT_MANY, {"inputs": past}, tenant.token(Role.ADMIN))
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "inputs",
    )
    assert await _stored(tenant) == ([], [])


async def test_a_signal_batch_resolves_each_outcome_once(tenant: Tenant) -> None:
    started = tenant.api.clock.now
    await _many(
        tenant,
        [outcome_input(conversationId=f"r-{n}", outcomeType="ENGAGEMENT") for n in range(3)],
    )
    tenant.api.clock.now = started + dt.timedelta(minutes=5)
    signals = [
        {"kind": "MEETING_BOOKED", "conversationId": "r-0"},
        {"kind": "MEETING_BOOKED"},  # no conversation: its own ValidationError
        {"kind": "MEETING_BOOKED", "conversationId": "r-0"},
        {"kind": "CUSTOMER_REPLIED", "conversationId": "r-2"},
        {"kind": "MEETING_BOOKED", "conversationId": "r-2"},
    ]
    results = await _signals(tenant, signals)
    kinds = [r["__typename"] for r in results]
    assert kinds == ["SignalRecorded", "ValidationError", *["SignalRecorded"] * 3]
    assert results[1]["field"] == "conversationId"
    resolved = [o["conversationId"] for r in results for o in r.get("resolved", [])]
    assert sorted(resolved) == ["r-0", "r-2"]  # each once, under one of its signals
    outcomes, rollups = await _stored(tenant)
    assert {row[0]: row[1] for row in outcomes} == {
        "r-0": "POSITIVE",
        "r-1": "PENDING",
        "r-2": "POSITIVE",
    }
    assert sorted((r[2], r[3]) for r in rollups) == [("PENDING", 1), ("POSITIVE", 2)]
    again = await _signals(tenant, [signals[0]])
    assert again[0]["resolved"] == []


async def _signal_count(tenant: Tenant) -> int:
    async def read(session) -> int:  # type: ignore[no-untyped-def]
        count = select(func.count()).select_from(Signal).where(Signal.tenant_id == tenant.id)
        return int(await session.scalar(count))

    return await tenant.api.services.db.run(tenant.id, read, readonly=True)


async def test_a_repeated_signal_key_returns_the_first_signal_and_decides_nothing(
    tenant: Tenant,
) -> None:
    started = tenant.api.clock.now
    await _many(tenant, [outcome_input(conversationId="e-0", outcomeType="ENGAGEMENT")])
    tenant.api.clock.now = started + dt.timedelta(minutes=5)
    reply = {"kind": "CUSTOMER_REPLIED", "conversationId": "e-0", "idempotencyKey": "reply-1"}
    first = await _signals(tenant, [reply, reply])  # a second reply would be POSITIVE
    assert first[0]["signal"]["id"] == first[1]["signal"]["id"]
    assert [r["resolved"] for r in first] == [[], []]
    again = await _signals(tenant, [reply])  # a retried batch
    single = await signal(tenant, **reply)  # and a retried single call
    assert again[0]["signal"]["id"] == single["signal"]["id"] == first[0]["signal"]["id"]
    assert await _signal_count(tenant) == 1
    assert (await _stored(tenant))[0] == [("e-0", "PENDING", "send_follow_up", None, None)]
    second = {**reply, "idempotencyKey": "reply-2"}
    decided, repeated = await _signals(tenant, [second, second])
    assert [o["status"] for o in decided["resolved"]] == ["POSITIVE"]
    assert repeated["resolved"] == [] and repeated["signal"] == decided["signal"]
    assert await _signal_count(tenant) == 2


async def test_a_bad_signal_key_is_a_validation_error(tenant: Tenant) -> None:
    bad = {"kind": "CUSTOMER_REPLIED", "conversationId": "v-0", "idempotencyKey": "x" * 129}
    [result] = await _signals(tenant, [bad])
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "idempotencyKey"
    assert await _signal_count(tenant) == 0


async def test_concurrent_retries_of_one_signal_store_and_resolve_it_once(tenant: Tenant) -> None:
    """A client's retry can overtake its first try (PostgreSQL: the later insert waits on the
    unique index, then reads the winner); every answer names the one signal."""
    await _many(tenant, [outcome_input(conversationId="c-0", outcomeType="ENGAGEMENT")])
    tenant.api.clock.now += dt.timedelta(minutes=5)
    booked = {"kind": "MEETING_BOOKED", "conversationId": "c-0", "idempotencyKey": "book-1"}
    answers = await asyncio.gather(*(_signals(tenant, [booked]) for _ in range(8)))
    assert len({a[0]["signal"]["id"] for a in answers}) == 1
    assert sorted(len(a[0]["resolved"]) for a in answers) == [0] * 7 + [1]
    assert await _signal_count(tenant) == 1
    assert (await _stored(tenant))[0] == [("c-0", "POSITIVE", "send_follow_up", None, None)]
