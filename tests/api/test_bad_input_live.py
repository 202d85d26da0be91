"""Bad input to a subscription is refused at subscribe time, over a real WebSocket: no feed is
started for it, and the connection keeps serving."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from websockets.exceptions import ConnectionClosed

from hindsight.domain.enums import Role
from hindsight.live.hub import hub_for
from tests.conftest import Api, Tenant
from tests.live.client import GraphQLSocket, serve

UPDATES = """subscription($scope: DashboardScopeInput!) {
  dashboardUpdates(scope: $scope) { id rep { repId } } }"""
CURVES = "subscription($a: String) { calibrationUpdates(actionType: $a) { actionType } }"


@pytest_asyncio.fixture
async def url(api: Api) -> AsyncIterator[str]:
    async with serve(api.app) as served:
        yield served


def refusal(message: dict) -> dict:  # type: ignore[type-arg]
    """The first error of an ``error`` message (payload: a list) or a ``next`` with errors."""
    payload = message["payload"]
    errors = payload if message["type"] == "error" else payload["errors"]
    first: dict = errors[0]  # type: ignore[type-arg]
    return first


@pytest.mark.parametrize(
    ("scope", "field"),
    [({"repId": "rep\x00a"}, "scope.repId"), ({"teamId": "t\ud800"}, "scope.teamId")],
)
async def test_dashboard_updates_refuses_an_unstorable_scope(
    url: str,
    tenant: Tenant,
    scope: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    hub = hub_for(tenant.api.services)
    async with GraphQLSocket.open(url, tenant.token(Role.ADMIN)) as ws:
        await ws.subscribe("bad", UPDATES, {"scope": scope})
        error = refusal(await ws.message("bad"))
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, error
        assert not [key for key in hub.feeds if key[0] == tenant.id]
        await ws.subscribe("good", UPDATES, {"scope": {"repId": "rep-a"}})
        assert (await ws.next("good"))["dashboardUpdates"]["rep"]["repId"] == "rep-a"


async def test_calibration_updates_refuses_a_nul(url: str, tenant: Tenant) -> None:
    async with GraphQLSocket.open(url, tenant.token(Role.ADMIN)) as ws:
        await ws.subscribe("1", CURVES, {"a": "send\x00"})
        error = refusal(await ws.message("1"))
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "actionType"}, error


async def test_a_message_python_cannot_decode_closes_with_4400(url: str, tenant: Tenant) -> None:
    """JSON nested past Python's recursion limit is malformed JSON (4400), not a crash."""
    async with GraphQLSocket.open(url, tenant.token(Role.ADMIN)) as ws:
        await ws.ws.send(
            '{"type": "subscribe", "id": "1", "payload": ' + "[" * 100_000 + "]" * 100_000 + "}"
        )
        with pytest.raises(ConnectionClosed) as closed:
            await ws.receive()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
