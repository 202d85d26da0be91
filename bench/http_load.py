"""Small HTTP load tools for the benchmarks: run the app under uvicorn in a subprocess, fire
bounded requests at a fixed concurrency with httpx, and account latency and CPU per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np


@dataclass(frozen=True)
class Result:
    name: str
    seconds: float
    latencies: list[float]
    server_cpu: float = 0.0  # CPU seconds the server process spent on these requests
    client_cpu: float = 0.0  # CPU seconds this (client) process spent sending them

    def __add__(self, other: Result) -> Result:
        sums = (self.seconds + other.seconds, self.latencies + other.latencies)
        cpu = (self.server_cpu + other.server_cpu, self.client_cpu + other.client_cpu)
        return Result(self.name, *sums, *cpu)  # keeps this name: totals add up their rounds

    def per_request_ms(self, cpu: float) -> float:
        return cpu / len(self.latencies) * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.latencies, q)) * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux ``/proc``); 0.0 where unavailable."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(
    settings: dict[str, str], app: str = "hindsight.app:create_app", health: str = "/healthz"
) -> Iterator[tuple[str, int]]:
    """Run ``app`` (by default ``hindsight.app:create_app``, as ``hindsight serve`` does: uvloop
    and httptools) under uvicorn in a subprocess configured by the given ``HINDSIGHT_*``
    variables (others of that prefix are dropped); yields base URL and pid."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HINDSIGHT_")}
    env.update(settings)
    options = "--host 127.0.0.1 --log-level warning --no-access-log --loop uvloop --http httptools"
    command = [sys.executable, "-m", "uvicorn", app, *options.split(), "--port", str(port)]
    command += ["--factory"] if app.endswith("create_app") else []
    process = subprocess.Popen(command, env=env)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process, health)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_healthy(base: str, process: subprocess.Popen[bytes], health: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}{health}", timeout=1).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError("the server did not become healthy")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Target:
    client: httpx.AsyncClient
    pid: int  # the server process, whose CPU time is read around each run
    token: str
    concurrency: int


async def measure(target: Target, name: str, payloads: list[Any], requests: int) -> Result:
    """``requests`` POSTs from ``concurrency`` workers, with latencies and CPU times."""
    queue, latencies = iter(range(requests)), list[float]()

    async def worker() -> None:
        for i in queue:
            start = time.perf_counter()
            body = payloads[i % len(payloads)]
            response = await target.client.post("/graphql", json=body, headers=bearer(target.token))
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200 or "errors" in response.json():
                raise RuntimeError(response.text)

    server, client, start = cpu_seconds(target.pid), time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(target.concurrency)))
    elapsed = time.perf_counter() - start
    cpu = (cpu_seconds(target.pid) - server, time.process_time() - client)
    return Result(name, elapsed, latencies, *cpu)


def report(results: list[Result]) -> None:
    header = f"{'case':<42} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'vs base':>8}"
    header += f" {'server CPU ms/req':>18} {'vs base':>8} {'client CPU ms/req':>18}"
    print("\n" + header + "\n" + "-" * len(header))
    base = results[0]
    for r in results:
        base = r if r.name.endswith("{ __typename }") else base
        server_ms, base_ms = r.per_request_ms(r.server_cpu), base.per_request_ms(base.server_cpu)
        print(
            f"{r.name:<42} {r.rps:>6.0f} {r.quantile(0.5):>7.1f} {r.quantile(0.95):>7.1f} "
            f"{r.rps / base.rps:>7.2f}x {server_ms:>18.2f} {server_ms / base_ms:>7.2f}x "
            f"{r.per_request_ms(r.client_cpu):>18.2f}"
        )
