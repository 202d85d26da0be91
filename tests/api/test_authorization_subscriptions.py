"""docs/operations/security.md for every root subscription × every role, over graphql-transport-ws
on both backends: each viewer subscribes on its own connection, then one event every allowed viewer
may see is caused; an allowed viewer must receive it, a refused one gets FORBIDDEN."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import pytest

from hindsight.domain import events as topics
from hindsight.domain.enums import Role
from tests.api.authorization import OUTSIDERS, STRANGERS, WITHIN, asked
from tests.api.drift_documents import history
from tests.api.factories import record, signal
from tests.api.root_documents import (
    RATE,
    World,
    build_world,
    document,
    feedback_input,
    root_fields,
)
from tests.conftest import Tenant
from tests.live.client import GraphQLSocket
from tests.live.conftest import live
from tests.live.http_streams import listening

__all__ = ["asked", "live"]  # fixtures: the access spy; the session's app on a real socket

FIELDS = sorted(root_fields("subscription"))
RUN = "mutation($t: String) { runCalibration(actionType: $t) { multiplier } }"
RUN_DRIFT = "mutation { runDriftDetection { fed } }"


async def _outcome(world: World) -> None:
    await record(world.tenant, repId="rep-1", teamId="team-a", conversationId="conv-3")


async def _feedback(world: World) -> None:
    analyst = world.tenant.token(Role.ANALYST, "ann")
    await world.tenant.api.gql(RATE, {"i": feedback_input(world.outcome_id)}, analyst)


async def _adjustment(world: World) -> None:
    for _ in range(30):  # sure of itself and always wrong: the multiplier comes down
        await record(world.tenant, actionType="send_follow_up", conversationId="conv-cal")
    await signal(world.tenant, "UNSUBSCRIBED", conversationId="conv-cal")
    await world.tenant.api.gql(RUN, {"t": "send_follow_up"}, world.tenant.token(Role.ADMIN))


async def _drift(world: World) -> None:
    always_wrong = np.full(60, 0.8)  # the CALIBRATION monitor alerts at the 50th
    await history(world.tenant, "send_follow_up", always_wrong, np.zeros(60))
    await world.tenant.api.gql(RUN_DRIFT, token=world.tenant.token(Role.ADMIN))


async def _nothing(world: World) -> None:
    """The dashboard's current snapshot comes first, unasked."""


# What makes each subscription yield something every viewer allowed to see it may see, and
# the topic its subscribers listen on (None: it yields without an event).
TRIGGERS: dict[str, tuple[Callable[[World], Awaitable[None]], str | None]] = {
    "outcomeEvents": (_outcome, topics.OUTCOMES),
    "feedbackEvents": (_feedback, topics.FEEDBACK),
    "calibrationUpdates": (_adjustment, topics.CALIBRATION),
    "dashboardUpdates": (_nothing, None),
    "driftAlerts": (_drift, topics.DRIFT),
}


async def subscribed(tenant: Tenant, topic: str | None, count: int) -> None:
    """Wait until ``count`` subscribers listen on the tenant's topic (and Redis has it):
    graphql-transport-ws does not acknowledge a subscription, so the test asks the process."""
    if topic is not None:
        await listening(tenant, topic, count)


def decided(message: dict[str, Any]) -> str:
    """OK for a result, else the code of the first error."""
    payload = message.get("payload")
    errors = payload if message["type"] == "error" else (payload or {}).get("errors")
    if errors:
        return str(errors[0].get("extensions", {}).get("code", errors))
    return "OK" if message["type"] == "next" else message["type"]


@pytest.mark.parametrize("field", FIELDS)
async def test_every_role_gets_what_section_8_says(
    live: str, tenant: Tenant, field: str, asked: list[str]
) -> None:
    assert field in TRIGGERS, f"add a trigger for subscription {field} to this test"
    world = await build_world(tenant)
    query, variables = document(field, world, "subscription")
    asked.clear()
    viewers = [*WITHIN, *STRANGERS, *OUTSIDERS]
    # Viewers out of reach never see the event, so only refusals are checked for them.
    expected = {w.label: w.expected(field) for w in viewers}
    checked = [w for w in viewers if w.kind == "within" or expected[w.label] != "OK"]
    async with contextlib.AsyncExitStack() as stack:
        sockets = {}
        for who in checked:
            ws = await stack.enter_async_context(GraphQLSocket.open(live, who.token(tenant)))
            await ws.subscribe("1", query, variables)
            sockets[who.label] = ws
        trigger, topic = TRIGGERS[field]
        await subscribed(tenant, topic, sum(expected[w.label] == "OK" for w in checked))
        await trigger(world)
        got = {label: decided(await ws.message("1")) for label, ws in sockets.items()}
    assert got == {w.label: expected[w.label] for w in checked}
    assert field in asked, f"{field}'s resolver never asked the access table for {field!r}"
