"""Cursors and resume (docs/concepts/events.md) through the app, on both backends: a client that
reconnects with its last cursor gets exactly the events it missed, then live ones, in commit
order and each once; a cursor it was never given, or one past the retention, is refused."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from hindsight.db import outbox
from hindsight.domain import events as topics
from hindsight.domain.enums import OutcomeType, Role
from hindsight.domain.outcomes.writes import NewOutcome, record_outcome
from hindsight.live.tails import tails_for
from tests.api.factories import rate_outcome, record
from tests.conftest import Tenant
from tests.live.client import GraphQLSocket, eventually

RESUMABLE = """subscription($after: String) {
  outcomeEvents(after: $after) { id kind cursor outcome { id repId } } }"""
FEEDBACK = """subscription($after: String) {
  feedbackEvents(after: $after) { id eventId cursor rating } }"""


async def events(ws: GraphQLSocket, count: int, field: str = "outcomeEvents") -> list[Any]:
    return [(await ws.next("1"))[field] for _ in range(count)]


async def test_reconnect_with_the_last_cursor_gets_exactly_the_missed_events(
    live: str, tenant: Tenant
) -> None:
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", RESUMABLE)
        first = await record(tenant)
        [seen] = await events(ws, 1)
        assert seen["outcome"]["id"] == first["id"]
    missed = [(await record(tenant))["id"] for _ in range(3)]
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", RESUMABLE, {"after": seen["cursor"]})
        replayed = await events(ws, 3)
        assert [e["outcome"]["id"] for e in replayed] == missed
        later = await record(tenant)
        [after_seam] = await events(ws, 1)  # no replayed event again, no gap
        assert after_seam["outcome"]["id"] == later["id"]
    cursors = [seen["cursor"], *(e["cursor"] for e in replayed), after_seam["cursor"]]
    assert len(set(cursors)) == 5
    ids = [seen["id"], *(e["id"] for e in replayed), after_seam["id"]]
    assert len(set(ids)) == 5


async def test_resuming_from_an_early_cursor_replays_in_commit_order(
    live: str, tenant: Tenant
) -> None:
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", RESUMABLE)
        first = await record(tenant)
        [seen] = await events(ws, 1)
        recorded = [first["id"], *[(await record(tenant))["id"] for _ in range(4)]]
        assert [e["outcome"]["id"] for e in await events(ws, 4)] == recorded[1:]
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", RESUMABLE, {"after": seen["cursor"]})
        assert [e["outcome"]["id"] for e in await events(ws, 4)] == recorded[1:]


async def test_a_rep_replays_only_what_they_may_see(live: str, tenant: Tenant) -> None:
    rep = tenant.token(Role.REP, sub="rep-a")
    async with GraphQLSocket.open(live, rep) as ws:
        await ws.subscribe("1", RESUMABLE)
        await record(tenant, repId="rep-a")
        [seen] = await events(ws, 1)
    theirs = await record(tenant, repId="rep-b")
    mine = await record(tenant, repId="rep-a")
    async with GraphQLSocket.open(live, rep) as ws:
        await ws.subscribe("1", RESUMABLE, {"after": seen["cursor"]})
        [replayed] = await events(ws, 1)
        assert replayed["outcome"]["id"] == mine["id"] != theirs["id"]


async def test_feedback_events_resume_with_event_ids(live: str, tenant: Tenant) -> None:
    outcome = await record(tenant)
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", FEEDBACK)
        await rate_outcome(tenant, outcome["id"])
        [seen] = await events(ws, 1, "feedbackEvents")
    assert seen["eventId"] and seen["cursor"]
    missed = await rate_outcome(tenant, (await record(tenant))["id"])
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", FEEDBACK, {"after": seen["cursor"]})
        [replayed] = await events(ws, 1, "feedbackEvents")
        assert replayed["id"] == missed and replayed["eventId"] != seen["eventId"]


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor", ["", "nonsense", _cursor("1.2.3"), _cursor("2.0.1.0"), _cursor("1.-1.2.3")]
)
async def test_a_cursor_the_server_never_gave_is_bad_input(
    live: str, tenant: Tenant, cursor: str
) -> None:
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", RESUMABLE, {"after": cursor})
        error = (await ws.message("1"))["payload"]["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert "cursor" in error["message"]


async def test_a_cursor_older_than_the_retention_is_refused(live: str, tenant: Tenant) -> None:
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", RESUMABLE)
        await record(tenant)
        [seen] = await events(ws, 1)
    api = tenant.api
    api.clock.now = dt.datetime.now(dt.UTC) + api.services.settings.event_retention
    api.clock.now += dt.timedelta(minutes=1)
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", RESUMABLE, {"after": seen["cursor"]})
        error = (await ws.message("1"))["payload"]["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert "older than the event retention" in error["message"]


async def test_a_transaction_that_commits_late_is_delivered_not_skipped(
    live: str, tenant: Tenant
) -> None:
    """Two writers: the one that started first (and drew its outbox position first) commits
    last. Both events arrive, each once, and nothing the late one wrote is passed over."""
    if not tenant.api.backend.is_postgres:
        pytest.skip("SQLite runs one writer at a time: a later writer waits for the first")
    services = tenant.api.services
    async with GraphQLSocket.open(live, tenant.token()) as ws:
        await ws.subscribe("1", RESUMABLE)
        await record(tenant)  # registers the tenant, and proves the subscription live
        [warm] = await events(ws, 1)
        session = services.db.session(tenant.id)
        async with session, session.begin():  # what Database.run does, with a pause
            new = NewOutcome("early_action", OutcomeType.IMMEDIATE_RESPONSE, 0.5, "conv-x")
            rules, now = services.rules, services.now()
            early = await record_outcome(session, tenant.id, new, rules=rules, now=now)
            await outbox.record(session)  # its position is drawn now, before the other's
            late = await record(tenant, actionType="late_action")  # commits first
            # The replica's tail reads after that commit (a read starts after the last one
            # ended) before the early transaction commits.
            tail = tails_for(services).tails[(tenant.id, topics.OUTCOMES)]
            reads = tail.reads
            await eventually(lambda: tail.reads >= reads + 2)
        ids = [e["outcome"]["id"] for e in await events(ws, 2)]
        assert sorted(ids) == sorted([str(early.id), late["id"]])
        marker = await record(tenant)
        [after] = await events(ws, 1)  # neither came twice
        assert after["outcome"]["id"] == marker["id"]
    async with GraphQLSocket.open(live, tenant.token()) as ws:  # the same, replayed
        await ws.subscribe("1", RESUMABLE, {"after": warm["cursor"]})
        replayed = [e["outcome"]["id"] for e in await events(ws, 3)]
        assert replayed == [*ids, marker["id"]]
