"""outcomeEvents through the app, on the in-process broker and on Redis (the backend
fixture): what arrives, in which tenant, for which role."""

from __future__ import annotations

import uuid

from hindsight.domain.enums import Role
from tests.api.factories import rate_outcome, record, resolve
from tests.conftest import Tenant
from tests.live.client import GraphQLSocket

EVENTS = """subscription($kinds: [OutcomeEventKind!]) {
  outcomeEvents(kinds: $kinds) { id kind status outcome { id status repId feedback { id } } } }"""


async def test_recorded_then_resolved(live: str, tenant: Tenant) -> None:
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", EVENTS)
        outcome = await record(tenant, repId="rep-a")
        recorded = (await ws.next("1"))["outcomeEvents"]
        assert recorded["kind"] == "RECORDED" and recorded["status"] == "PENDING"
        assert recorded["outcome"] == {
            "id": outcome["id"],
            "status": "PENDING",
            "repId": "rep-a",
            "feedback": [],
        }
        await resolve(tenant, outcome["id"])
        resolved = (await ws.next("1"))["outcomeEvents"]
        assert resolved["kind"] == "RESOLVED" and resolved["outcome"]["status"] == "POSITIVE"
        assert resolved["id"] != recorded["id"]


async def test_kinds_filter(live: str, tenant: Tenant) -> None:
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", EVENTS, {"kinds": ["RESOLVED"]})
        outcome = await record(tenant)
        await resolve(tenant, outcome["id"], "NEGATIVE")
        event = (await ws.next("1"))["outcomeEvents"]
        assert (event["kind"], event["status"]) == ("RESOLVED", "NEGATIVE")


async def test_a_subscriber_sees_only_its_tenant(live: str, tenant: Tenant) -> None:
    other = Tenant(uuid.uuid4(), tenant.api)
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", EVENTS)
        await record(other)
        mine = await record(tenant)
        assert (await ws.next("1"))["outcomeEvents"]["outcome"]["id"] == mine["id"]


async def test_a_rep_sees_only_their_own_outcomes(live: str, tenant: Tenant) -> None:
    async with (
        GraphQLSocket.open(live, tenant.token(Role.REP, sub="rep-a")) as rep,
        GraphQLSocket.open(live, tenant.token(Role.MANAGER, team="team-b")) as manager,
    ):
        await rep.subscribe("1", EVENTS)
        await manager.subscribe("1", EVENTS)
        theirs = await record(tenant, repId="rep-b", teamId="team-b")
        mine = await record(tenant, repId="rep-a", teamId="team-a")
        assert (await rep.next("1"))["outcomeEvents"]["outcome"]["id"] == mine["id"]
        assert (await manager.next("1"))["outcomeEvents"]["outcome"]["id"] == theirs["id"]
        await resolve(tenant, mine["id"])
        assert (await rep.next("1"))["outcomeEvents"]["kind"] == "RESOLVED"


async def test_no_dataloader_outlives_its_event(live: str, tenant: Tenant) -> None:
    """The connection's context lives on; each event must read the feedback afresh."""
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", EVENTS)
        outcome = await record(tenant)
        assert (await ws.next("1"))["outcomeEvents"]["outcome"]["feedback"] == []
        entry = await rate_outcome(tenant, outcome["id"])
        await resolve(tenant, outcome["id"])
        event = (await ws.next("1"))["outcomeEvents"]
        assert event["outcome"]["feedback"] == [{"id": entry}]
