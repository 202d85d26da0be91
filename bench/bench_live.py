"""Live fan-out: 1,000 ``outcomeEvents`` subscribers on one ``hindsight serve`` process
(PostgreSQL + Redis) beside a bare Strawberry subscription server, in the same run.

    python bench/bench_live.py [--subscribers 1000] [--burst 20] [--seconds 10] [--redis URL]

Both servers are separate processes started the same way (uvicorn defaults: uvloop, its
default WebSocket stack) and receive the same events from Redis pub/sub on one connection.
The baseline is the least a Strawberry subscription server does per delivery: a queue per
subscriber, Strawberry executing the selection set and serialising the frame for each one.
Hindsight also authorises, filters and re-reads each event from PostgreSQL (once per
process and visibility) and shares one serialised frame among the subscribers who see the
same thing. Since Step 19 Hindsight delivers from its event outbox: the driver writes each
event there first (one row in its own transaction, as a write's unit of work does) and
Redis only wakes the server, which reads new rows once per process per wake-up. That
INSERT's round trip is inside Hindsight's burst and latency numbers, not the baseline's.
The driver (this process) holds every client connection.

Per server: deliveries/s for a burst of events to every subscriber (and the server's CPU
per delivery, from /proc), publish → receive latency at 5 events/s, and RSS before the
subscribers came, with them, and after they left.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import strawberry
import uvicorn
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import SECRET, create_postgres_database, drop_postgres_database
from tests.live.client import PROTOCOL
from tests.live.processes import free_port, hindsight, wait_healthy
from tests.services import REDIS_URL

from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from hindsight.services import channel

DOCUMENT = "subscription { outcomeEvents { id kind outcome { id status } } }"
CONNECT_BATCH = 50  # connections opened at once
WAIT = 120.0
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    label: str
    url: str
    pid: int
    publish: Callable[[str], dict[str, object]]  # event id -> the message to publish
    channel: str
    token: str | None = None
    # Writes the message where the server reads events from (Hindsight: its outbox, as the
    # unit of work does in the transaction of a change); Redis then only wakes it.
    log: Callable[[dict[str, object]], Awaitable[None]] | None = None


async def send(redis: Redis, server: Server, event_id: str) -> None:
    message = server.publish(event_id)
    if server.log is not None:
        await server.log(message)
    await redis.publish(server.channel, json.dumps(message))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Clients:
    """N graphql-transport-ws subscribers; they count events and time the marked ones."""

    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.received = 0
        self.ready = 0  # clients that have had at least one event
        self.counting = False  # during a burst the client only counts (it must not limit)
        self.latencies: list[int] = []
        self.seen: dict[str, int] = {}  # event id -> how many clients have it
        self.changed = asyncio.Event()

    async def open(self, server: Server, count: int) -> None:
        for start in range(0, count, CONNECT_BATCH):
            batch = min(CONNECT_BATCH, count - start)
            await asyncio.gather(*(self._one(server) for _ in range(batch)))

    async def _one(self, server: Server) -> None:
        ws = await connect(server.url, subprotocols=[PROTOCOL], open_timeout=WAIT, max_queue=None)
        payload = {"authorization": f"Bearer {server.token}"} if server.token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": DOCUMENT}}
        await ws.send(json.dumps(subscribe))
        self.sockets.append(ws)
        self.tasks.append(asyncio.create_task(self._read(ws)))

    async def _read(self, ws: ClientConnection) -> None:
        first = True
        with contextlib.suppress(Exception):
            async for raw in ws:
                if self.counting and '"next"' in raw:  # a burst: count, parse nothing
                    self.received += 1
                    self.changed.set()
                    continue
                message = json.loads(raw)
                if message.get("type") == "ping":
                    await ws.send('{"type":"pong"}')
                    continue
                assert message["type"] == "next" and "errors" not in message["payload"], raw
                event_id = message["payload"]["data"]["outcomeEvents"]["id"]
                self.received += 1
                self.ready += first
                first = False
                self.seen[event_id] = self.seen.get(event_id, 0) + 1
                if event_id.startswith("t"):
                    self.latencies.append(time.time_ns() - int(event_id[1:].split("-")[0]))
                self.changed.set()

    async def until(self, done: Callable[[], bool], within: float = WAIT) -> None:
        async with asyncio.timeout(within):
            while not done():
                self.changed.clear()
                await self.changed.wait()

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.sockets.clear()


async def all_subscribed(redis: Redis, server: Server, clients: Clients, count: int) -> None:
    """Probe until every client has had an event (pub/sub is at-most-once), then a mark."""
    for number in range(int(WAIT / 0.2)):
        await send(redis, server, f"probe-{number}")
        with contextlib.suppress(TimeoutError):
            await clients.until(lambda: clients.ready == count, within=0.2)
            break
    await send(redis, server, "mark")
    await clients.until(lambda: clients.seen.get("mark", 0) == count)


@dataclass
class Result:
    deliveries_per_s: float
    cpu_ms_per_delivery: float
    p50_ms: float
    p99_ms: float
    rss_before: float
    rss_with: float
    rss_after: float


async def burst(redis: Redis, server: Server, clients: Clients, count: int, events: int):
    start_received, start_cpu = clients.received, cpu_seconds(server.pid)
    clients.counting, started = True, time.perf_counter()
    for number in range(events):
        await send(redis, server, f"b{number}")
    await clients.until(lambda: clients.received - start_received >= count * events)
    elapsed, clients.counting = time.perf_counter() - started, False
    delivered = clients.received - start_received
    return delivered / elapsed, (cpu_seconds(server.pid) - start_cpu) * 1000 / delivered


async def paced(redis: Redis, server: Server, clients: Clients, count: int, seconds: float):
    """5 events a second; each carries its publish time."""
    clients.latencies.clear()
    events = int(seconds * 5)
    for number in range(events):
        event_id = f"t{time.time_ns()}-{number}"
        await send(redis, server, event_id)
        await asyncio.sleep(0.2)  # the pace of the load, not a synchronisation
    await clients.until(lambda: len(clients.latencies) >= count * events)
    cuts = statistics.quantiles(clients.latencies, n=100, method="inclusive")
    return cuts[49] / 1e6, cuts[98] / 1e6


async def settled_rss(pid: int, quiet_seconds: int = 4) -> float:
    """RSS once the server has stopped working: its CPU time still for a few seconds."""
    quiet = 0
    for _ in range(120):
        before = cpu_seconds(pid)
        await asyncio.sleep(1.0)
        quiet = quiet + 1 if cpu_seconds(pid) - before < 0.02 else 0
        if quiet >= quiet_seconds:
            break
    return rss_mb(pid)


async def measure(redis: Redis, server: Server, count: int, events: int, seconds: float):
    warm = Clients()
    await warm.open(server, 10)
    await all_subscribed(redis, server, warm, 10)
    await warm.close()
    rss_before = await settled_rss(server.pid)
    clients = Clients()
    await clients.open(server, count)
    await all_subscribed(redis, server, clients, count)
    rate, cpu = await burst(redis, server, clients, count, events)
    p50, p99 = await paced(redis, server, clients, count, seconds)
    rss_with = rss_mb(server.pid)
    await clients.close()
    rss_after = await settled_rss(server.pid)
    return Result(rate, cpu, p50, p99, rss_before, rss_with, rss_after)


# --- the baseline: a bare Strawberry subscription server ------------------------------


@strawberry.type(name="Outcome")
class BareOutcome:
    id: strawberry.ID
    status: str


@strawberry.type(name="OutcomeEvent")
class BareOutcomeEvent:
    id: strawberry.ID
    kind: str
    outcome: BareOutcome


@strawberry.type(name="Query")
class BareQuery:
    @strawberry.field
    def ok(self) -> bool:
        return True


BARE_LISTENERS: set[asyncio.Queue[dict[str, str]]] = set()


@strawberry.type(name="Subscription")
class BareSubscription:
    @strawberry.subscription
    async def outcome_events(self) -> AsyncIterator[BareOutcomeEvent]:
        queue: asyncio.Queue[dict[str, str]] = asyncio.Queue(1000)
        BARE_LISTENERS.add(queue)
        try:
            while True:
                m = await queue.get()
                outcome = BareOutcome(id=strawberry.ID(m["outcomeId"]), status=m["status"])
                yield BareOutcomeEvent(id=strawberry.ID(m["id"]), kind=m["kind"], outcome=outcome)
        finally:
            BARE_LISTENERS.discard(queue)


def bare_app(redis_url: str, name: str) -> Starlette:
    """outcomeEvents with the same shape, fed by one Redis pub/sub connection."""

    async def pump() -> None:
        async with Redis.from_url(redis_url).pubsub() as pubsub:
            await pubsub.subscribe(name)
            async for message in pubsub.listen():
                if message["type"] == "message":
                    data = json.loads(message["data"])
                    for queue in BARE_LISTENERS:
                        queue.put_nowait(data)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(pump())
        yield
        task.cancel()

    schema = strawberry.Schema(query=BareQuery, subscription=BareSubscription)
    view = GraphQL(schema, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,))
    routes = [Route("/graphql", view), WebSocketRoute("/graphql", view)]
    return Starlette(routes=routes, lifespan=lifespan)


def serve_bare(port: int, redis_url: str, name: str) -> None:
    uvicorn.run(bare_app(redis_url, name), host="127.0.0.1", port=port, log_level="warning")


# --- the run --------------------------------------------------------------------------


def notice(outcome_id: str) -> Callable[[str], dict[str, object]]:
    def make(event_id: str) -> dict[str, object]:
        return {
            "id": event_id,
            "kind": "RECORDED",
            "outcomeId": outcome_id,
            "status": "PENDING",
            "repId": None,
            "teamId": None,
        }

    return make


@contextlib.asynccontextmanager
async def hindsight_server(redis_url: str) -> AsyncIterator[Server]:
    database, tenant = await create_postgres_database(), uuid.uuid4()
    token = issue_token(SECRET, tenant=tenant, role=Role.ADMIN, sub="admin")
    env = {
        "HINDSIGHT_DATABASE_URL": database,
        "HINDSIGHT_REDIS_URL": redis_url,
        "HINDSIGHT_JWT_SECRET": SECRET,
        "HINDSIGHT_LOG_LEVEL": "WARNING",
        "HINDSIGHT_MAX_SUBSCRIPTIONS_PER_CONNECTION": "5",
    }
    port = free_port()
    try:
        with hindsight("serve", "--port", str(port), env=env) as child:
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(base, child)
            outcome_id = await record_one(base, token)
            url = f"ws://127.0.0.1:{port}/graphql"
            name = channel(tenant, "outcomes")
            async with outbox_writer(database, tenant) as log:
                pid, publish = child.process.pid, notice(outcome_id)
                yield Server("hindsight serve", url, pid, publish, name, token, log)
    finally:
        await drop_postgres_database(database)


@contextlib.asynccontextmanager
async def outbox_writer(
    database: str, tenant: uuid.UUID
) -> AsyncIterator[Callable[[dict[str, object]], Awaitable[None]]]:
    """Each message as an outbox row of its own transaction (``db/outbox.py``'s columns)."""
    connection = await asyncpg.connect(database.replace("+asyncpg", ""))
    sql = (
        "INSERT INTO outbox (tenant_id, txid, topic, payload, created_at) VALUES "
        "($1, pg_current_xact_id()::text::bigint, 'outcomes', $2::jsonb, now())"
    )

    async def log(message: dict[str, object]) -> None:
        await connection.execute(sql, tenant, json.dumps(message))

    try:
        yield log
    finally:
        await connection.close()


async def record_one(base: str, token: str) -> str:
    agent = token  # an ADMIN may record too
    async with httpx.AsyncClient(base_url=base, timeout=WAIT) as http:
        body = {"query": documents.RECORD, "variables": {"input": outcome_input()}}
        response = await http.post(
            "/graphql", json=body, headers={"authorization": f"Bearer {agent}"}
        )
    return str(response.json()["data"]["recordOutcome"]["id"])


@contextlib.asynccontextmanager
async def bare_server(redis_url: str) -> AsyncIterator[Server]:
    port, name = free_port(), f"bench:{uuid.uuid4().hex}"
    command = [sys.executable, __file__, "--bare", str(port), "--redis", redis_url]
    process = subprocess.Popen([*command, "--name", name])  # noqa: ASYNC220 - a child server
    try:
        await wait_healthy_bare(port)
        url = f"ws://127.0.0.1:{port}/graphql"
        yield Server("bare Strawberry server", url, process.pid, notice("outcome-1"), name)
    finally:
        process.terminate()
        process.wait(10)


async def wait_healthy_bare(port: int) -> None:
    async with httpx.AsyncClient(timeout=1) as http:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                response = await http.get(f"http://127.0.0.1:{port}/graphql?query={{ok}}")
                if response.status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("the bare server did not start")


async def main(args: argparse.Namespace) -> None:
    redis = Redis.from_url(args.redis)
    results = {}
    async with hindsight_server(args.redis) as ours, bare_server(args.redis) as bare:
        for server in (bare, ours):
            results[server.label] = await measure(
                redis, server, args.subscribers, args.burst, args.seconds
            )
    await redis.aclose()
    report(results, args)


def report(results: dict[str, Result], args: argparse.Namespace) -> None:
    print(
        f"{args.subscribers:,} subscribers; burst of {args.burst} events; "
        f"latency at 5 events/s for {args.seconds:.0f} s; same run"
    )
    header = f"{'server':<26}{'deliv/s':>9}{'CPU ms/deliv':>13}{'p50 ms':>9}{'p99 ms':>9}"
    print(header + f"{'RSS before':>11}{'with':>8}{'after':>8}{'after/before':>13}")
    for label, r in results.items():
        print(
            f"{label:<26}{r.deliveries_per_s:>9,.0f}{r.cpu_ms_per_delivery:>13.3f}"
            f"{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}{r.rss_before:>11.1f}{r.rss_with:>8.1f}"
            f"{r.rss_after:>8.1f}{r.rss_after / r.rss_before:>13.2f}"
        )
    ours, bare = results["hindsight serve"], results["bare Strawberry server"]
    rate = ours.deliveries_per_s / bare.deliveries_per_s
    cpu = ours.cpu_ms_per_delivery / bare.cpu_ms_per_delivery
    print(f"ratio hindsight / bare: deliveries/s {rate:.2f}x, CPU per delivery {cpu:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--redis", default=REDIS_URL)
    parser.add_argument("--bare", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--name", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare is not None:
        serve_bare(args.bare, args.redis, args.name)
    else:
        asyncio.run(main(args))
