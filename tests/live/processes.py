"""Processes the live tests start and always stop: throwaway Redis servers, API replicas,
workers. Every wait is bounded."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.live.client import eventually
from tests.services import required

STOP_TIMEOUT = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A ``redis-server`` of our own on a free port, to stop and restart at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def launch(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)

    async def start(self) -> None:
        self.launch()
        await eventually(self.ping, within=STOP_TIMEOUT, step=0.02)

    async def ping(self) -> bool:
        client = Redis.from_url(self.url(), socket_connect_timeout=0.2)
        try:
            return bool(await client.ping())
        except (OSError, RedisError):
            return False
        finally:
            await client.aclose()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill if it does not go within the timeout."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


@contextlib.asynccontextmanager
async def redis_server() -> AsyncIterator[RedisServer]:
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed"
        if required():
            pytest.fail(message)
        pytest.skip(f"SKIPPED: {message}")
    server = RedisServer()
    try:
        await server.start()
        yield server
    finally:
        server.stop()


class Child:
    """A ``hindsight <args>`` child process; its output goes to a file (a pipe nobody
    reads would block it), readable afterwards for failure messages."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        command = [sys.executable, "-m", "hindsight.cli", *args]
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=self.output, stderr=subprocess.STDOUT
        )

    def text(self) -> str:
        self.output.seek(0)
        return self.output.read().decode(errors="replace")

    async def finished(self, within: float = 60) -> int:
        """Wait (bounded) for the child to exit; its exit code."""
        return await asyncio.wait_for(asyncio.to_thread(self.process.wait), within)

    def stop(self) -> None:
        stop(self.process)
        self.output.close()


@contextlib.contextmanager
def hindsight(*args: str, env: dict[str, str]) -> Iterator[Child]:
    """``hindsight <args>`` in a child process with ``env`` added; stopped on exit."""
    child = Child(*args, env=env)
    try:
        yield child
    except BaseException:
        print(f"--- output of hindsight {' '.join(args)} ---\n{child.text()}")  # for the report
        raise
    finally:
        child.stop()


async def wait_healthy(base_url: str, child: Child) -> None:
    async def up() -> bool:
        assert child.process.poll() is None, child.text()
        try:
            async with httpx.AsyncClient(base_url=base_url, timeout=1) as http:
                return (await http.get("/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(up, within=30, step=0.1)
