"""Subscriptions over plain HTTP through a real uvicorn (docs/reference/live-over-http.md):
Apollo's multipart protocol and graphql-sse deliver every subscription with the WebSocket's
auth, access, limits and snapshot-first behaviour, on both backends."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from hindsight.domain import events as topics
from hindsight.domain.enums import Role
from hindsight.services import channel
from tests.api.factories import rate_outcome, record, resolve
from tests.conftest import Tenant
from tests.live.client import TIMEOUT, eventually
from tests.live.http_streams import MULTIPART, Stream, http_url, listening, multipart, sse

Open = Callable[..., contextlib.AbstractAsyncContextManager[Stream]]
TRANSPORTS = pytest.mark.parametrize("open_stream", [multipart, sse], ids=["multipart", "sse"])

EVENTS = """subscription($kinds: [OutcomeEventKind!]) {
  outcomeEvents(kinds: $kinds) { eventId id kind outcome { id status repId } } }"""
FEEDBACK = "subscription { feedbackEvents { id outcomeId rating } }"
CURVES = "subscription { calibrationUpdates { actionType } }"
DASHBOARD = """subscription($team: String!) {
  dashboardUpdates(scope: {teamId: $team}) { __typename ... on ManagerDashboard { id } } }"""


@TRANSPORTS
async def test_outcome_events_arrive_recorded_then_resolved(
    live: str, tenant: Tenant, open_stream: Open
) -> None:
    async with open_stream(live, EVENTS, token=tenant.token()) as stream:
        await listening(tenant, topics.OUTCOMES)
        outcome = await record(tenant, repId="rep-a")
        recorded = (await stream.next())["outcomeEvents"]
        assert recorded["kind"] == "RECORDED" and recorded["outcome"]["id"] == outcome["id"]
        assert recorded["eventId"] == recorded["id"]  # the deprecated alias, until 2.0
        await resolve(tenant, outcome["id"])
        resolved = (await stream.next())["outcomeEvents"]
        assert resolved["kind"] == "RESOLVED" and resolved["outcome"]["status"] == "POSITIVE"
        assert resolved["eventId"] != recorded["eventId"]


@TRANSPORTS
async def test_the_access_table_holds_a_rep_sees_only_their_own(
    live: str, tenant: Tenant, open_stream: Open
) -> None:
    rep = tenant.token(Role.REP, sub="rep-a")
    async with open_stream(live, EVENTS, token=rep) as stream:
        await listening(tenant, topics.OUTCOMES)
        await record(tenant, repId="rep-b")
        mine = await record(tenant, repId="rep-a")
        assert (await stream.next())["outcomeEvents"]["outcome"]["id"] == mine["id"]


@TRANSPORTS
async def test_feedback_and_calibration_updates(
    live: str, tenant: Tenant, open_stream: Open
) -> None:
    outcome = await record(tenant, actionType="call")
    async with (
        open_stream(live, FEEDBACK, token=tenant.token()) as feedback,
        open_stream(live, CURVES, token=tenant.token()) as curves,
    ):
        await listening(tenant, topics.FEEDBACK)
        await listening(tenant, topics.CALIBRATION)
        entry = await rate_outcome(tenant, outcome["id"])
        assert (await feedback.next())["feedbackEvents"]["id"] == entry
        await resolve(tenant, outcome["id"])
        assert (await curves.next())["calibrationUpdates"]["actionType"] == "call"


@TRANSPORTS
async def test_dashboard_updates_start_with_the_snapshot(
    live: str, tenant: Tenant, open_stream: Open
) -> None:
    team = "team-http"
    variables = {"team": team}
    async with open_stream(live, DASHBOARD, variables, token=tenant.token()) as stream:
        first = (await stream.next())["dashboardUpdates"]  # before anything happens
        assert first["__typename"] == "ManagerDashboard"
        await record(tenant, repId="rep-a", teamId=team)
        assert (await stream.next())["dashboardUpdates"]["id"] == first["id"]


@TRANSPORTS
async def test_without_a_token_the_stream_says_unauthenticated_and_completes(
    live: str, open_stream: Open
) -> None:
    async with open_stream(live, EVENTS) as stream:
        kind, payload = await stream.message()
        assert kind == "next" and payload["data"] is None
        assert payload["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert await stream.message() == ("complete", None)


@contextlib.asynccontextmanager
async def post(live: str, body: dict[str, Any], accept: str, token: str) -> AsyncIterator[Any]:
    headers = {"accept": accept, "authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        yield await http.post(http_url(live), json=body, headers=headers)


@pytest.mark.parametrize("accept", [MULTIPART, "text/event-stream"])
async def test_a_document_over_the_limits_is_a_400_not_a_stream(
    live: str, tenant: Tenant, accept: str
) -> None:
    aliases = " ".join(f"a{i}: outcomeEvents {{ id }}" for i in range(31))
    cases = [
        ("subscription { " + aliases + " }", "aliases", "GRAPHQL_VALIDATION_FAILED"),
        ("subscription { outcomeEvents { nope } }", "nope", "GRAPHQL_VALIDATION_FAILED"),
        ("subscription {", "Syntax Error", "GRAPHQL_PARSE_FAILED"),
    ]
    for document, word, code in cases:
        async with post(live, {"query": document}, accept, tenant.token()) as response:
            assert response.status_code == 400, response.text
            body = response.json()
            assert "data" not in body and word in body["errors"][0]["message"], body
            assert body["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_a_subscription_posted_as_plain_json_is_a_400_naming_the_transports(
    live: str, tenant: Tenant, accept: str
) -> None:
    async with post(live, {"query": EVENTS}, accept, tenant.token()) as response:
        assert response.status_code == 400
        assert response.headers["content-type"].startswith(accept)
        [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "STREAM_REQUIRED"
    assert error["extensions"]["transports"] == [
        'multipart/mixed;subscriptionSpec="1.0"',
        "text/event-stream",
        "graphql-transport-ws",
    ]
    for named in ("multipart/mixed", "text/event-stream", "graphql-transport-ws"):
        assert named in error["message"]


async def test_a_query_over_sse_is_one_result_then_complete(live: str, tenant: Tenant) -> None:
    async with sse(live, "{ viewer { role } }", token=tenant.token()) as stream:
        assert await stream.next() == {"viewer": {"role": "ADMIN"}}
        assert await stream.message() == ("complete", None)


@TRANSPORTS
async def test_a_client_that_leaves_leaves_no_subscription_behind(
    live: str, tenant: Tenant, open_stream: Open
) -> None:
    broker = tenant.api.services.broker
    listeners = channel(tenant.id, topics.OUTCOMES)
    async with open_stream(live, EVENTS, token=tenant.token()):
        await listening(tenant, topics.OUTCOMES)
    await eventually(lambda: broker.local_subscribers(listeners) == 0)
