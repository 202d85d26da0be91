"""A person's first look, in Debian's Chromium (headless), with the network cut off from the
page: only the server's own origin answers. GraphiQL renders and runs a query; the panel
signs in, shows the dashboard and reliability diagrams, and an outcome and a signal
recorded through the API change its numbers without a reload.

Screenshots go to ``HINDSIGHT_TEST_ARTIFACTS`` (default ``test-artifacts/browser``)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import (
    Browser,
    Page,
    Route,
    WebSocketRoute,
    async_playwright,
    expect,
)

from hindsight.auth import issue_token
from hindsight.demo.simulation import DEMO_TENANT
from hindsight.domain.enums import Role
from tests.live.processes import free_port, hindsight, wait_healthy
from tests.services import required

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("HINDSIGHT_TEST_ARTIFACTS", "test-artifacts/browser"))
LIVE_WITHIN_MS = 2000  # the issue's bound: the page shows a write within 2 s
LOAD_MS = 30000  # generous for first paint on a busy machine
RECORD = """mutation($i: RecordOutcomeInput!) { recordOutcome(input: $i) {
  ... on Outcome { id } ... on ValidationError { field message } } }"""
SIGNAL = """mutation($i: RecordSignalInput!) { recordSignal(input: $i) {
  ... on SignalRecorded { resolved { id status } } ... on ValidationError { message } } }"""


def _need_chromium() -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if shutil.which(CHROMIUM) is None:
        message = f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)"
        if required():
            pytest.fail(message)
        pytest.skip(f"SKIPPED: {message}")


@dataclass
class Server:
    base: str
    secret: str
    outside: list[str] = field(default_factory=list)  # requests the page tried elsewhere

    def token(self, role: Role, sub: str, team: str | None = None) -> str:
        return issue_token(self.secret, tenant=DEMO_TENANT, role=role, sub=sub, team=team)

    async def gql(self, document: str, variables: dict[str, object]) -> dict[str, object]:
        token = self.token(Role.AGENT, "agent")
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as http:
            response = await http.post(
                "/graphql",
                json={"query": document, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
            )
        body = response.json()
        assert "errors" not in body, body
        return dict(body["data"])


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    """``hindsight demo`` then ``hindsight serve`` on an embedded database, as a new user."""
    _need_chromium()
    env = {"HINDSIGHT_DATABASE_URL": f"sqlite:///{tmp_path}/hindsight.db"}
    with hindsight("demo", "--outcomes", "300", env=env) as demo:
        assert await demo.finished(within=600) == 0, demo.text()
    port = free_port()
    with hindsight("serve", "--port", str(port), env=env) as child:
        base = f"http://127.0.0.1:{port}"
        await wait_healthy(base, child)
        yield Server(base, (tmp_path / "hindsight.secret").read_text().strip())


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    _need_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            await launched.close()


async def _page(browser: Browser, server: Server, width: int = 1280, height: int = 800) -> Page:
    """A page that can reach the server's origin and nothing else."""
    page = await browser.new_page(viewport={"width": width, "height": height})

    async def only_the_server(route: Route) -> None:
        url = route.request.url
        if url.startswith(server.base) or url.startswith(server.base.replace("http", "ws")):
            await route.continue_()
        else:
            server.outside.append(url)
            await route.abort()

    await page.route("**/*", only_the_server)
    return page


async def _shot(page: Page, name: str, full_page: bool = False) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


async def test_graphiql_renders_and_runs_a_query(server: Server, browser: Browser) -> None:
    page = await _page(browser, server)
    await page.goto(f"{server.base}/graphql")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    await editor.wait_for(timeout=LOAD_MS)
    await page.locator(".graphiql-execute-button").click()
    answer = page.locator(".graphiql-response").filter(has_text='"role": "ADMIN"')
    await answer.wait_for(timeout=LOAD_MS)  # the embedded demo token was prefilled
    assert "calibrationCurves" in await answer.inner_text()
    await page.get_by_label("Show GraphiQL Explorer").click()  # the explorer plugin is there
    await page.locator(".graphiql-explorer-root").wait_for(timeout=LOAD_MS)
    await _shot(page, "graphiql")
    assert server.outside == []


async def _number(page: Page, selector: str) -> int:
    return int(await page.locator(selector).inner_text())


async def _becomes(page: Page, selector: str, value: int) -> float:
    """Wait (the issue's 2 s) until ``selector`` shows ``value``; seconds it took."""
    started = time.perf_counter()
    locator = page.locator(selector)
    await expect(locator).to_have_text(str(value), timeout=LIVE_WITHIN_MS)
    return time.perf_counter() - started


async def _tiles_from_the_registry(page: Page, server: Server) -> None:
    """One tile per metric the server lists, with its label, then Response quality."""
    async with httpx.AsyncClient(base_url=server.base) as http:
        tiles = (await http.get("/panel/metrics.json")).json()["metrics"]
    shown = page.locator("#metrics [data-metric] dt")
    labels = [t["label"] for t in tiles] + ["Response quality"]
    await expect(shown).to_have_text(labels)  # the manager view: no executive extras


async def test_panel_signs_in_and_follows_writes_live(server: Server, browser: Browser) -> None:
    page = await _page(browser, server)
    documents: list[str] = []
    page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else None)
    await page.goto(f"{server.base}/")
    for _ in range(2):  # keyboard only: past the GraphiQL link to the token field
        await page.keyboard.press("Tab")
    await expect(page.locator("#token")).to_be_focused()
    await page.keyboard.press("Control+A")  # replace the prefilled demo ADMIN token
    await page.keyboard.insert_text(server.token(Role.MANAGER, "mgr-east", "team-east"))
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    await page.keyboard.press("Enter")
    await page.locator(".connection[data-state=live]").wait_for(timeout=LOAD_MS)
    await page.locator("#reps tbody tr").first.wait_for(timeout=LOAD_MS)
    diagram = page.locator('article[data-action-type="send_follow_up"] svg.reliability')
    await diagram.wait_for(timeout=LOAD_MS)
    assert await diagram.locator("circle.bin").count() > 0
    assert await diagram.locator("line.diagonal").count() == 1
    today = dt.datetime.now(dt.UTC).date().isoformat()  # the default period ends today
    assert f"to {today} (UTC)" in await page.locator("#period").inner_text()
    await _tiles_from_the_registry(page, server)
    await _shot(page, "panel-1280x800")
    await _shot(page, "panel-full", full_page=True)
    await page.locator("#calibration").screenshot(path=str(ARTIFACTS / "panel-calibration.png"))

    actions = '[data-metric="actions"] .value'
    positive = '[data-metric="positive"] .value'
    follow_up = '[data-action-type="send_follow_up"] [data-stat="Outcomes"]'
    before = {s: await _number(page, s) for s in (actions, positive, follow_up)}
    conversation = f"conv-browser-{uuid.uuid4().hex[:8]}"
    await server.gql(RECORD, {"i": {
        "actionType": "send_follow_up", "outcomeType": "IMMEDIATE_RESPONSE",
        "predictedConfidence": 0.7, "conversationId": conversation,
        "repId": "rep-ana", "teamId": "team-east",
    }})  # fmt: skip
    took = [await _becomes(page, actions, before[actions] + 1)]
    resolved = await server.gql(
        SIGNAL, {"i": {"kind": "CUSTOMER_REPLIED", "conversationId": conversation}}
    )
    assert resolved["recordSignal"]["resolved"][0]["status"] == "POSITIVE"  # type: ignore[index]
    took.append(await _becomes(page, positive, before[positive] + 1))
    took.append(await _becomes(page, follow_up, before[follow_up] + 1))
    print(f"panel caught up after {', '.join(f'{t:.2f} s' for t in took)}")
    await _shot(page, "panel-after-writes")
    assert documents == [f"{server.base}/"]  # never reloaded

    await expect(page.locator("#teams option")).to_have_count(1)  # the picker: their team

    await page.get_by_role("button", name="Sign out").click()  # then the executive view
    await page.locator("#token").fill(server.token(Role.EXECUTIVE, "exec"))
    await page.get_by_role("button", name="Sign in").click()
    automation = page.locator('[data-metric="automationRate"] .value')
    await automation.wait_for(timeout=LOAD_MS)
    assert (await automation.inner_text()).endswith("%")
    assert await page.locator("#coaching li").count() > 0
    await page.locator(".connection[data-state=live]").wait_for(timeout=LOAD_MS)
    await _shot(page, "panel-executive")

    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # no side-scroll
    await _shot(page, "panel-phone")
    assert server.outside == []


async def test_panel_reconnects_and_takes_the_snapshot_again(
    server: Server, browser: Browser
) -> None:
    """A dropped WebSocket: the indicator says so, the panel reconnects by itself and reads
    the snapshot again, so a write made while it was away shows up; its Recent outcomes
    resume after the last event shown, so that write's event appears too, once."""
    page = await _page(browser, server)
    sockets: list[WebSocketRoute] = []
    restarting = [False]  # while set, reconnections are refused (the page backs off)

    async def through(ws: WebSocketRoute) -> None:  # forward to the server; keep a handle
        if restarting[0]:
            await ws.close(code=1012, reason="server still restarting")
            return
        ws.connect_to_server()
        sockets.append(ws)

    await page.route_web_socket(f"{server.base.replace('http', 'ws')}/graphql", through)
    await page.goto(f"{server.base}/")
    await page.locator("#token").fill(server.token(Role.MANAGER, "mgr-east", "team-east"))
    await page.get_by_role("button", name="Sign in").click()
    live = page.locator(".connection[data-state=live]")
    await live.wait_for(timeout=LOAD_MS)
    actions = '[data-metric="actions"] .value'
    before = await _number(page, actions)
    seen = await _recorded(server, "conv-seen")  # an event the panel shows before it drops
    await page.locator(f'#activity li[data-outcome-id="{seen}"]').wait_for(timeout=LOAD_MS)

    restarting[0] = True
    await sockets[-1].close(code=1012, reason="server restarting")
    await page.locator(".connection[data-state=offline]").wait_for(timeout=LOAD_MS)
    await _shot(page, "panel-offline")
    away = await _recorded(server, "conv-away")  # committed while the page cannot connect
    restarting[0] = False
    await live.wait_for(timeout=LOAD_MS)  # reconnected on its own (backoff 0.5 s first)
    assert len(sockets) == 2
    await expect(page.locator(actions)).to_have_text(str(before + 2), timeout=LOAD_MS)
    missed = page.locator(f'#activity li[data-outcome-id="{away}"]')
    await expect(missed).to_have_count(1, timeout=LOAD_MS)  # replayed from the last cursor
    await expect(page.locator(f'#activity li[data-outcome-id="{seen}"]')).to_have_count(1)
    assert server.outside == []


async def _recorded(server: Server, conversation: str) -> str:
    """Record a team-east outcome through the API; its id."""
    data = await server.gql(RECORD, {"i": {
        "actionType": "send_follow_up", "outcomeType": "IMMEDIATE_RESPONSE",
        "predictedConfidence": 0.4, "conversationId": f"{conversation}-{uuid.uuid4().hex[:8]}",
        "repId": "rep-ben", "teamId": "team-east",
    }})  # fmt: skip
    return str(data["recordOutcome"]["id"])  # type: ignore[index]


IMPORT = """mutation($inputs: [ImportOutcomeInput!]!) { importOutcomes(inputs: $inputs) {
  __typename } }"""
RUN_DRIFT = "mutation { runDriftDetection { alerts { id summary } } }"
ACKNOWLEDGE = "mutation($id: ID!) { acknowledgeDriftAlert(id: $id) { __typename } }"


async def _as_admin(server: Server, document: str, variables: dict[str, object]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        response = await http.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers={"authorization": f"Bearer {server.token(Role.ADMIN, 'admin')}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


CURVES = """{ calibrationCurves { actionType multiplier
  adjustments { at oldMultiplier newMultiplier } } }"""
PATTERNS = "{ coachingPatterns { kind subject confidence evidence } }"
# What the panel calls each statistic a pattern's `confidence` can be (issue 20 §2).
MEASURE_WORDS = {
    "wilsonLow": "Wilson 95% lower bound of the success rate",
    "1 - wilsonHigh": "1 − Wilson 95% upper bound",
    "1 - adjustedPValue": "1 − adjusted p",
}


async def _as(server: Server, role: Role, sub: str, document: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": document},
            headers={"authorization": f"Bearer {server.token(role, sub)}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


async def _a_new_drift(server: Server) -> str:
    """60 imported resolutions the agent was sure of and got wrong, then a drift run: one
    CALIBRATION alert for a fresh action type; returns its summary."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    items = [
        {
            "outcome": {
                "actionType": "send_gift_card", "outcomeType": "IMMEDIATE_RESPONSE",
                "predictedConfidence": 0.8, "conversationId": f"conv-gift-{i}",
                "occurredAt": (start + dt.timedelta(minutes=i)).isoformat(),
            },
            "status": "NEGATIVE",
            "resolvedAt": (start + dt.timedelta(minutes=i, seconds=30)).isoformat(),
        }
        for i in range(60)
    ]  # fmt: skip
    await _as_admin(server, IMPORT, {"inputs": items})
    [alert] = (await _as_admin(server, RUN_DRIFT, {}))["runDriftDetection"]["alerts"]
    return str(alert["summary"])


async def test_panel_shows_the_planted_drift_and_follows_alerts_live(
    server: Server, browser: Browser
) -> None:
    """The demo's planted drift is above the tiles in a sentence; a new alert appears and an
    acknowledged one leaves without a reload."""
    page = await _page(browser, server)
    await page.goto(f"{server.base}/")
    await page.locator("#token").fill(server.token(Role.MANAGER, "mgr-west", "team-west"))
    await page.get_by_role("button", name="Sign in").click()
    await page.locator(".connection[data-state=live]").wait_for(timeout=LOAD_MS)
    planted = page.locator('#drift li[data-kind="SUCCESS_RATE"] .summary')
    await expect(planted).to_contain_text("send_pricing_sheet: success rate", timeout=LOAD_MS)
    box = await page.locator("#drift").bounding_box()
    tiles = await page.locator("#metrics").bounding_box()
    assert box is not None and tiles is not None and box["y"] < tiles["y"]  # above the tiles
    await _shot(page, "panel-drift")

    summary = await _a_new_drift(server)
    fresh = page.locator("#drift li .summary", has_text=summary)
    await expect(fresh).to_have_count(1, timeout=LOAD_MS)  # pushed by the subscription
    item = page.locator("#drift li", has=page.locator(".summary", has_text=summary))
    alert_id = await item.get_attribute("data-alert")
    await _as_admin(server, ACKNOWLEDGE, {"id": alert_id})
    await expect(fresh).to_have_count(0, timeout=LOAD_MS)  # acknowledged elsewhere: it leaves
    assert server.outside == []


async def _signed_in(browser: Browser, server: Server, token: str, live: bool = True) -> Page:
    page = await _page(browser, server)
    await page.goto(f"{server.base}/")
    await expect(page.locator("#token")).not_to_have_value("")  # the panel prefilled its demo
    await page.locator("#token").fill(token)  # token, so ours is not overwritten
    await page.get_by_role("button", name="Sign in").click()
    if live:
        await page.locator(".connection[data-state=live]").wait_for(timeout=LOAD_MS)
    return page


async def test_multiplier_history_runs_oldest_to_newest(server: Server, browser: Browser) -> None:
    """The line ends at the multiplier in use, both ends say date and value, and it is big
    enough to read (the API lists adjustments newest first)."""
    curves = (await _as(server, Role.ADMIN, "admin", CURVES))["calibrationCurves"]
    moved = [c for c in curves if c["adjustments"]]  # type: ignore[union-attr]
    assert moved, "the demo adjusts some multipliers"
    page = await _signed_in(browser, server, server.token(Role.ADMIN, "admin"))
    for curve in moved:
        changes = sorted(curve["adjustments"], key=lambda a: a["at"])
        expected = [changes[0]["oldMultiplier"]] + [a["newMultiplier"] for a in changes]
        chart = page.locator(f'article[data-action-type="{curve["actionType"]}"] svg.history')
        label = await chart.get_attribute("aria-label", timeout=LOAD_MS)
        assert label is not None and label.endswith(", ".join(f"{v:.2f}" for v in expected))
        first, last = await chart.locator("text.ends").all_text_contents()
        assert first == f"{changes[0]['at'][:10]} ×{expected[0]:.2f}", first
        assert last == f"{changes[-1]['at'][:10]} ×{curve['multiplier']:.2f}", last
        box = await chart.bounding_box()
        assert box is not None and box["height"] >= 120 and box["width"] >= 240, box
    for name in ("send_case_study", "send_discount_offer"):  # the issue's example; a fall
        await page.locator(f'article[data-action-type="{name}"]').screenshot(
            path=str(ARTIFACTS / f"panel-multiplier-history-{name}.png")
        )


async def test_a_rep_sees_their_own_dashboard(server: Server, browser: Browser) -> None:
    """A REP token lands on its own rep dashboard; what it may not read is said in words."""
    page = await _signed_in(browser, server, server.token(Role.REP, "rep-ana"))
    await expect(page.locator("#metrics-title")).to_have_text("Rep rep-ana: last 30 days")
    assert await _number(page, '[data-metric="actions"] .value') > 0
    await expect(page.locator("#connection")).not_to_contain_text("Not signed in")
    await expect(page.locator("#who")).to_contain_text("Signed in as rep-ana (REP)")
    await expect(page.locator("#coaching")).to_contain_text("not shown: a REP token")
    await expect(page.locator("#calibration")).to_contain_text("not shown: a REP token")
    await expect(page.get_by_role("alert").filter(has_text="FORBIDDEN")).to_have_count(0)
    await _shot(page, "panel-rep", full_page=True)
    actions = '[data-metric="actions"] .value'
    before = await _number(page, actions)
    await server.gql(RECORD, {"i": {
        "actionType": "send_follow_up", "outcomeType": "IMMEDIATE_RESPONSE",
        "predictedConfidence": 0.6, "conversationId": f"conv-rep-{uuid.uuid4().hex[:8]}",
        "repId": "rep-ana", "teamId": "team-east",
    }})  # fmt: skip
    await _becomes(page, actions, before + 1)  # live, on the rep's own scope
    assert server.outside == []


async def test_a_refusal_is_shown_in_words(server: Server, browser: Browser) -> None:
    """A manager asking for another team is refused on the board, where they look."""
    page = await _signed_in(browser, server, server.token(Role.MANAGER, "mgr-east", "team-east"))
    await page.locator("#team").fill("team-west")
    await page.get_by_role("button", name="Show").click()
    refusal = page.get_by_role("alert").filter(has_text="Refused")
    await expect(refusal).to_be_visible(timeout=LOAD_MS)
    await expect(refusal).to_contain_text("FORBIDDEN")
    await _shot(page, "panel-refused")


async def test_coaching_cards_name_their_statistic(server: Server, browser: Browser) -> None:
    """Each card says which statistic its percentage is, and spells the subject as the API
    does (send_follow_up, not SEND_FOLLOW_UP)."""
    patterns = (await _as(server, Role.EXECUTIVE, "exec", PATTERNS))["coachingPatterns"]
    page = await _signed_in(browser, server, server.token(Role.EXECUTIVE, "exec"))
    cards = page.locator("#coaching li:has(p)")  # the pattern cards
    await expect(cards.first).to_be_visible(timeout=LOAD_MS)
    count = await cards.count()
    assert count > 0
    for i, pattern in enumerate(patterns[:count]):  # type: ignore[index]
        text = await cards.nth(i).inner_text()
        assert pattern["subject"] in text.splitlines()[0], text  # the card's heading
        assert "confidence " not in text, text  # no bare "confidence 59.4%"
        symbol = pattern["evidence"]["confidenceMeasure"].split(":")[0]
        assert f"{MEASURE_WORDS[symbol]}" in text, text
        assert f"{pattern['confidence'] * 100:.1f}%" in text, text
    await page.locator("#coaching").screenshot(path=str(ARTIFACTS / "panel-coaching.png"))


async def test_trend_chart_has_units_and_a_legend(server: Server, browser: Browser) -> None:
    page = await _signed_in(browser, server, server.token(Role.EXECUTIVE, "exec"))
    chart = page.locator("#trend svg.trend")
    await chart.wait_for(timeout=LOAD_MS)
    texts = await chart.locator("text").all_text_contents()
    assert "Actions per day (right axis)" in texts, texts
    assert "Success rate, % of decided (left axis)" in texts, texts
    assert {"success %", "actions/day", "0%", "100%"} <= set(texts), texts
    await page.locator("#trend").screenshot(path=str(ARTIFACTS / "panel-trend.png"))


async def test_a_partial_previous_period_is_said(server: Server, browser: Browser) -> None:
    """The demo covers five weeks: the previous 30 days have data on their last days only,
    so no tile reads the difference as growth (no green or red), and the period says so."""
    page = await _signed_in(browser, server, server.token(Role.EXECUTIVE, "exec"))
    await expect(page.locator("#period")).to_contain_text("partial", timeout=LOAD_MS)
    changes = page.locator("#metrics .change")
    await expect(changes.first).to_be_visible()
    for text in await changes.all_inner_texts():
        assert text == "no earlier data" or "(partial: " in text, text
    assert await page.locator("#metrics .change.up, #metrics .change.down").count() == 0
    await page.locator("#metrics").screenshot(path=str(ARTIFACTS / "panel-tiles.png"))
