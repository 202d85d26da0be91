"""The panel behind a proxy that drops WebSockets: its socket never gets through, so it takes
its subscriptions over HTTP (graphql-sse, the protocol's own client, vendored) and still
follows writes live, with the same bearer token and nothing from elsewhere."""

from __future__ import annotations

import uuid

from playwright.async_api import Browser, WebSocketRoute, expect

from hindsight.domain.enums import Role
from tests.frontend.test_browser import (
    LOAD_MS,
    RECORD,
    Server,
    _page,
    _shot,
    browser,
    server,
)

__all__ = ["browser", "server"]  # the fixtures


async def test_panel_falls_back_to_sse_when_its_websocket_cannot_connect(
    server: Server, browser: Browser
) -> None:
    page = await _page(browser, server)
    refused: list[WebSocketRoute] = []

    async def drop(ws: WebSocketRoute) -> None:  # a proxy that closes every WebSocket
        refused.append(ws)
        await ws.close(code=1011, reason="no websockets here")

    streams: list[str] = []
    page.on(
        "request",
        lambda r: streams.append(r.url) if r.headers.get("accept") == "text/event-stream" else None,
    )
    await page.route_web_socket(f"{server.base.replace('http', 'ws')}/graphql", drop)
    await page.goto(f"{server.base}/")
    await page.locator("#token").fill(server.token(Role.MANAGER, "mgr-east", "team-east"))
    await page.get_by_role("button", name="Sign in").click()
    connection = page.locator(".connection[data-state=live]")
    await connection.wait_for(timeout=LOAD_MS)
    await expect(connection).to_contain_text("over HTTP")
    # the board, the curves, the drift alerts, the recent outcomes
    assert len(refused) == 1 and len(streams) == 4
    actions = '[data-metric="actions"] .value'
    before = int(await page.locator(actions).inner_text())
    await server.gql(RECORD, {"i": {
        "actionType": "send_follow_up", "outcomeType": "IMMEDIATE_RESPONSE",
        "predictedConfidence": 0.6, "conversationId": f"conv-sse-{uuid.uuid4().hex[:8]}",
        "repId": "rep-ana", "teamId": "team-east",
    }})  # fmt: skip
    await expect(page.locator(actions)).to_have_text(str(before + 1), timeout=LOAD_MS)
    await _shot(page, "panel-over-sse")
    assert server.outside == []
