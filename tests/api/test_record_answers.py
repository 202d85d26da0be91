"""What ``recordOutcome(s)`` answers is what it stored, and an outcome and a signal for the
same conversation sent at the same moment always meet, whichever commits first."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.factories import outcome_input, read, signal
from tests.api.test_batches import RECORD_MANY
from tests.conftest import Tenant

H = dt.timedelta(hours=1)
STORED = ("status", "resolvedAt", "resolutionReason")


def _stored(outcome: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(outcome[name] for name in STORED)


async def test_a_late_upload_answers_the_status_it_was_resolved_to(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    await signal(tenant, "CUSTOMER_REPLIED", conversationId="c-late", occurredAt=now - 20 * H)
    data = await tenant.api.gql(
        documents.RECORD,
        {"input": outcome_input(conversationId="c-late", occurredAt=(now - 30 * H).isoformat())},
        tenant.token(Role.AGENT),
    )
    answer = data["recordOutcome"]
    assert answer["status"] == "POSITIVE"
    assert answer["resolvedAt"] is not None
    assert _stored(answer) == _stored(await read(tenant, answer["id"]))


async def test_a_batch_answers_each_item_as_stored(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    await signal(tenant, "CUSTOMER_REPLIED", conversationId="c-a", occurredAt=now - 20 * H)
    await signal(tenant, "UNSUBSCRIBED", conversationId="c-b", occurredAt=now - 10 * H)
    inputs = [
        outcome_input(conversationId=c, occurredAt=(now - 30 * H).isoformat())
        for c in ("c-a", "c-b", "c-none")
    ]
    data = await tenant.api.gql(RECORD_MANY, {"inputs": inputs}, tenant.token(Role.AGENT))
    answers = data["recordOutcomes"]
    assert [a["status"] for a in answers] == ["POSITIVE", "NEGATIVE", "PENDING"]
    for answer in answers:
        assert _stored(answer) == _stored(await read(tenant, answer["id"]))


async def test_an_outcome_and_its_signal_sent_together_always_meet(tenant: Tenant) -> None:
    """Each pair races on a new conversation; whichever transaction commits second must see
    the first, so every outcome ends resolved by its signal at once (no safety-net job)."""
    agent = tenant.token(Role.AGENT)

    async def pair(conversation: str) -> str:
        outcome, _ = await asyncio.gather(
            tenant.api.gql(
                documents.RECORD, {"input": outcome_input(conversationId=conversation)}, agent
            ),
            signal(tenant, "CUSTOMER_REPLIED", conversationId=conversation),
        )
        return str(outcome["recordOutcome"]["id"])

    ids = await asyncio.gather(*(pair(f"c-race-{uuid.uuid4().hex[:8]}") for _ in range(30)))
    statuses = [(await read(tenant, outcome_id))["status"] for outcome_id in ids]
    assert statuses == ["POSITIVE"] * len(ids)
