"""Every row of the docs/concepts/outcomes.md table, through GraphQL: positive, negative, window
end, and a signal just outside the window that must not count."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tests.api.factories import detect, read, record, signal
from tests.conftest import Tenant

H = dt.timedelta(hours=1)
JUST_AFTER = dt.timedelta(seconds=1)
WINDOWS = {
    "IMMEDIATE_RESPONSE": 24,
    "ENGAGEMENT": 168,
    "QUALIFICATION": 168,
    "DEAL_PROGRESSION": 720,
    "ESCALATION": 168,
}
Step = tuple[float, str, dict[str, Any]]


async def scenario(tenant: Tenant, outcome_type: str, steps: list[Step]) -> dict[str, Any]:
    """Record an outcome, replay signals at hours after it, return it (not yet window-closed)."""
    clock = tenant.api.clock
    conversation, deal = f"conv-{uuid.uuid4().hex[:8]}", f"deal-{uuid.uuid4().hex[:8]}"
    created = await record(
        tenant, outcomeType=outcome_type, conversationId=conversation, dealId=deal
    )
    start = clock.now
    for hours, kind, extra in steps:
        clock.now = start + dt.timedelta(hours=hours)
        await signal(tenant, kind, conversationId=conversation, dealId=deal, **extra)
    return await read(tenant, created["id"])


async def close_window(tenant: Tenant, outcome: dict[str, Any]) -> dict[str, Any]:
    tenant.api.clock.now = dt.datetime.fromisoformat(outcome["windowEndsAt"]) + JUST_AFTER
    await detect(tenant)
    return await read(tenant, outcome["id"])


FORWARD = {"fromStage": "QUALIFIED", "toStage": "DEMO"}
BACKWARD = {"fromStage": "PROPOSAL", "toStage": "DEMO"}

DECIDED_BY_SIGNALS = [
    ("IMMEDIATE_RESPONSE", [(2, "CUSTOMER_REPLIED", {})], "POSITIVE"),
    ("IMMEDIATE_RESPONSE", [(2, "UNSUBSCRIBED", {})], "NEGATIVE"),
    ("ENGAGEMENT", [(30, "MEETING_BOOKED", {})], "POSITIVE"),
    ("ENGAGEMENT", [(3, "CUSTOMER_REPLIED", {}), (90, "CUSTOMER_REPLIED", {})], "POSITIVE"),
    ("ENGAGEMENT", [(5, "UNSUBSCRIBED", {})], "NEGATIVE"),
    ("QUALIFICATION", [(40, "QUALIFICATION_COMPLETED", {})], "POSITIVE"),
    ("QUALIFICATION", [(40, "UNSUBSCRIBED", {})], "NEGATIVE"),
    ("QUALIFICATION", [(40, "DEAL_LOST", {})], "NEGATIVE"),
    ("DEAL_PROGRESSION", [(100, "DEAL_STAGE_CHANGED", FORWARD)], "POSITIVE"),
    ("DEAL_PROGRESSION", [(100, "DEAL_WON", {})], "POSITIVE"),
    ("DEAL_PROGRESSION", [(100, "DEAL_STAGE_CHANGED", BACKWARD)], "NEGATIVE"),
    ("DEAL_PROGRESSION", [(100, "DEAL_LOST", {})], "NEGATIVE"),
    ("ESCALATION", [(10, "ESCALATION_RESOLVED", {"helpful": True})], "POSITIVE"),
    ("ESCALATION", [(10, "ESCALATION_RESOLVED", {"helpful": False})], "NEGATIVE"),
]


@pytest.mark.parametrize(("outcome_type", "steps", "expected"), DECIDED_BY_SIGNALS)
async def test_signals_resolve_at_once(
    tenant: Tenant, outcome_type: str, steps: list[Step], expected: str
) -> None:
    outcome = await scenario(tenant, outcome_type, steps)
    assert outcome["status"] == expected
    assert outcome["resolvedAt"] is not None


WINDOW_END = [
    ("IMMEDIATE_RESPONSE", [], "NEGATIVE"),
    ("ENGAGEMENT", [], "NEGATIVE"),
    ("ENGAGEMENT", [(3, "CUSTOMER_REPLIED", {})], "AMBIGUOUS"),
    ("QUALIFICATION", [], "NEGATIVE"),
    (
        "DEAL_PROGRESSION",
        [(5, "DEAL_STAGE_CHANGED", {"fromStage": "DEMO", "toStage": "DEMO"})],
        "NEGATIVE",
    ),
    ("ESCALATION", [], "EXPIRED"),
]


@pytest.mark.parametrize(("outcome_type", "steps", "expected"), WINDOW_END)
async def test_window_end_rules(
    tenant: Tenant, outcome_type: str, steps: list[Step], expected: str
) -> None:
    outcome = await scenario(tenant, outcome_type, steps)
    assert outcome["status"] == "PENDING"
    tenant.api.clock.now = dt.datetime.fromisoformat(outcome["windowEndsAt"]) - JUST_AFTER
    await detect(tenant)
    assert (await read(tenant, outcome["id"]))["status"] == "PENDING"
    assert (await close_window(tenant, outcome))["status"] == expected


OUTSIDE = [
    ("IMMEDIATE_RESPONSE", "CUSTOMER_REPLIED", {}, "NEGATIVE"),
    ("ENGAGEMENT", "MEETING_BOOKED", {}, "NEGATIVE"),
    ("QUALIFICATION", "QUALIFICATION_COMPLETED", {}, "NEGATIVE"),
    ("DEAL_PROGRESSION", "DEAL_WON", {}, "NEGATIVE"),
    ("ESCALATION", "ESCALATION_RESOLVED", {"helpful": True}, "EXPIRED"),
]


@pytest.mark.parametrize(("outcome_type", "kind", "extra", "expected"), OUTSIDE)
async def test_a_signal_just_outside_the_window_does_not_count(
    tenant: Tenant, outcome_type: str, kind: str, extra: dict[str, Any], expected: str
) -> None:
    hours = WINDOWS[outcome_type] + 1 / 3600
    outcome = await scenario(tenant, outcome_type, [(hours, kind, extra)])
    assert outcome["status"] == "PENDING"
    assert (await close_window(tenant, outcome))["status"] == expected


async def test_a_stored_signal_before_the_action_does_not_count(tenant: Tenant) -> None:
    """The window's lower bound on the late-upload path and in the detection job: a reply
    one second before the action is ignored, the same reply one second after it counts."""
    now = tenant.api.clock.now
    await signal(tenant, "CUSTOMER_REPLIED", conversationId="conv-early", occurredAt=now - H)
    after = await record(
        tenant, conversationId="conv-early", occurredAt=(now - H + JUST_AFTER).isoformat()
    )
    before = await record(
        tenant, conversationId="conv-early", occurredAt=(now - H - JUST_AFTER).isoformat()
    )
    assert (await read(tenant, after["id"]))["status"] == "PENDING"
    assert (await read(tenant, before["id"]))["status"] == "POSITIVE"
    await detect(tenant)
    assert (await read(tenant, after["id"]))["status"] == "PENDING"


async def test_an_arriving_signal_dated_before_the_action_does_not_count(tenant: Tenant) -> None:
    """The window's lower bound on the signal path: ``occurredAt`` one second before the
    action resolves nothing; one second after it resolves the outcome."""
    now = tenant.api.clock.now
    created = await record(tenant, conversationId="conv-early2")
    early = await signal(
        tenant, "CUSTOMER_REPLIED", conversationId="conv-early2", occurredAt=now - JUST_AFTER
    )
    assert early["resolved"] == []
    assert (await read(tenant, created["id"]))["status"] == "PENDING"
    tenant.api.clock.advance(seconds=2)
    late = await signal(
        tenant, "CUSTOMER_REPLIED", conversationId="conv-early2", occurredAt=now + JUST_AFTER
    )
    assert [o["id"] for o in late["resolved"]] == [created["id"]]


async def test_out_of_order_replies_count_by_occurred_at(tenant: Tenant) -> None:
    clock = tenant.api.clock
    start = clock.now
    created = await record(tenant, outcomeType="ENGAGEMENT", conversationId="conv-ooo")
    clock.now = start + 10 * H
    first = await signal(
        tenant, "CUSTOMER_REPLIED", conversationId="conv-ooo", occurredAt=start + 5 * H
    )
    assert first["resolved"] == []
    second = await signal(
        tenant, "CUSTOMER_REPLIED", conversationId="conv-ooo", occurredAt=start + 2 * H
    )
    assert [o["id"] for o in second["resolved"]] == [created["id"]]
    assert second["resolved"][0]["status"] == "POSITIVE"


async def test_late_upload_picks_up_stored_signals(tenant: Tenant) -> None:
    clock = tenant.api.clock
    now = clock.now
    await signal(tenant, "CUSTOMER_REPLIED", conversationId="conv-late", occurredAt=now - 40 * H)
    await signal(tenant, "CUSTOMER_REPLIED", conversationId="conv-late", occurredAt=now - 30 * H)
    created = await record(
        tenant,
        outcomeType="ENGAGEMENT",
        conversationId="conv-late",
        occurredAt=(now - 48 * H).isoformat(),
    )
    assert created["createdAt"] == (now - 48 * H).isoformat()
    outcome = await read(tenant, created["id"])
    assert outcome["status"] == "POSITIVE"


async def test_late_upload_does_not_apply_window_end_at_record_time(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    created = await record(
        tenant, conversationId="conv-late2", occurredAt=(now - 30 * H).isoformat()
    )
    assert (await read(tenant, created["id"]))["status"] == "PENDING"
    await detect(tenant)
    assert (await read(tenant, created["id"]))["status"] == "NEGATIVE"


async def test_one_signal_resolves_every_matching_outcome_once(tenant: Tenant) -> None:
    ids = {(await record(tenant, conversationId="conv-many"))["id"] for _ in range(3)}
    tenant.api.clock.advance(hours=1)
    result = await signal(tenant, "CUSTOMER_REPLIED", conversationId="conv-many")
    assert {o["id"] for o in result["resolved"]} == ids
    again = await signal(tenant, "CUSTOMER_REPLIED", conversationId="conv-many")
    assert again["resolved"] == []
    report = await detect(tenant)
    assert report["resolved"] == 0
