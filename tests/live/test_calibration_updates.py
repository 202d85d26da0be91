"""calibrationUpdates: a curve on every resolution that changes it, coalesced per action type."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from hindsight.domain.enums import Role
from hindsight.live.coalesce import coalesce
from tests.api.factories import record, resolve
from tests.conftest import Tenant
from tests.live.client import GraphQLSocket

CURVES = """subscription($type: String) { calibrationUpdates(actionType: $type) {
  actionType sampleCount multiplier } }"""


async def _source(items: list[str], gate: asyncio.Event | None = None) -> AsyncIterator[str]:
    for item in items:
        yield item
    if gate is not None:
        await gate.wait()  # the stream stays open until the test has seen what it waits for


def _key(message: str) -> str:
    return message[0]


async def test_bursts_fold_into_the_newest_message_per_key() -> None:
    out = [m async for m in coalesce(_source(["a1", "a2", "b1", "a3"]), _key, interval=3600)]
    assert out == ["a1", "b1", "a3"]  # a2 folded into a3, delivered when the stream ends


async def test_a_held_message_is_delivered_when_its_interval_ends() -> None:
    gate = asyncio.Event()
    out = []
    async for message in coalesce(_source(["a1", "a2"], gate), _key, interval=0.05):
        out.append(message)
        if message == "a2":  # delivered while the source is still open: the trailing edge
            gate.set()
    assert out == ["a1", "a2"]


async def test_every_resolution_that_changes_a_curve_is_published(
    live: str, tenant: Tenant
) -> None:
    async with GraphQLSocket.open(live, tenant.token(Role.ANALYST)) as ws:
        await ws.subscribe("1", CURVES, {"type": "send_follow_up"})
        first = await record(tenant, conversationId="c-0")
        await resolve(tenant, first["id"], "POSITIVE")
        curve = (await ws.next("1"))["calibrationUpdates"]
        assert (curve["actionType"], curve["sampleCount"]) == ("send_follow_up", 1)
        for i in range(1, 4):  # a burst: coalesced, and the last one always arrives
            created = await record(tenant, conversationId=f"c-{i}")
            await resolve(tenant, created["id"], "NEGATIVE")
        counts = [1]
        while counts[-1] < 4:
            counts.append((await ws.next("1"))["calibrationUpdates"]["sampleCount"])
        assert counts == sorted(counts) and len(counts) <= 4
