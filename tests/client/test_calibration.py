"""``calibrated_confidence`` against a real server: the API's ``calibratedConfidence``
(MULTIPLIER) to the last digit, one read per action type per ``calibration_ttl`` (the
server's own request counter says so), and a new multiplier picked up once the TTL passes."""

from __future__ import annotations

import asyncio
import uuid

from hindsight.domain.enums import Role
from hindsight_client import AsyncHindsight, Hindsight
from tests.client.server import Server, token
from tests.client.test_real_server import WAIT, client
from tests.live.client import eventually

ACTION = "call_back"
CALIBRATE = "mutation($a: String) { runCalibration(actionType: $a) { multiplier } }"
API = """query($a: String!, $p: Float!) {
  calibratedConfidence(actionType: $a, confidence: $p, method: MULTIPLIER) { confidence multiplier }
}"""
PROBES = [0.0, 0.05, 0.33, 0.8, 0.97, 1.0]


async def overconfident(server: Server, tenant: uuid.UUID) -> None:
    """40 outcomes at 0.9, four of them POSITIVE: each run lowers the multiplier."""
    hs = client(server, tenant, flush_at=100)
    try:
        for n in range(40):
            conversation = f"cal-{n}"
            hs.record_outcome(
                action_type=ACTION,
                outcome_type="IMMEDIATE_RESPONSE",
                predicted_confidence=0.9,
                conversation_id=conversation,
            )
            kind = "CUSTOMER_REPLIED" if n < 4 else "UNSUBSCRIBED"
            hs.record_signal(kind=kind, conversation_id=conversation)
        assert await asyncio.to_thread(hs.flush, WAIT)
    finally:
        await asyncio.to_thread(hs.close)


async def calibrate(server: Server, tenant: uuid.UUID) -> float:
    data = await server.gql(CALIBRATE, {"a": ACTION}, token(tenant, Role.ADMIN))
    return float(data["runCalibration"][0]["multiplier"])


async def api(server: Server, tenant: uuid.UUID, p: float) -> float:
    data = await server.gql(API, {"a": ACTION, "p": p}, token(tenant, Role.AGENT))
    return float(data["calibratedConfidence"]["confidence"])


async def test_the_same_numbers_as_the_api_with_one_read_per_ttl(
    server: Server, tenant_id: uuid.UUID
) -> None:
    await overconfident(server, tenant_id)
    assert await calibrate(server, tenant_id) == 0.9
    expected = [await api(server, tenant_id, p) for p in PROBES]
    hs = Hindsight(server.url, token(tenant_id, Role.AGENT), calibration_ttl=3600)
    try:
        before = await server.graphql_posts()
        for _ in range(50):
            local = [hs.calibrated_confidence(ACTION, p) for p in PROBES]
            assert local == expected
        assert await server.graphql_posts() - before == 1  # the first call's read only
    finally:
        await asyncio.to_thread(hs.close)


async def test_a_new_multiplier_is_read_after_the_ttl(server: Server, tenant_id: uuid.UUID) -> None:
    await overconfident(server, tenant_id)
    async with AsyncHindsight(
        server.url, token(tenant_id, Role.AGENT), calibration_ttl=0.2, flush_interval=0.05
    ) as hs:
        assert await hs.calibrated_confidence(ACTION, 0.5) == 0.5  # m = 1 before any run
        assert await calibrate(server, tenant_id) == 0.9
        expected = await api(server, tenant_id, 0.5)

        async def refreshed() -> bool:
            return await hs.calibrated_confidence(ACTION, 0.5) == expected

        await eventually(refreshed, within=WAIT)
