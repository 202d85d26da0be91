"""A real PgBouncer in transaction mode in front of the test PostgreSQL, as managed
PostgreSQL services put one: started from Debian's package on a free port, stopped after."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import asyncpg
import pytest

from tests.live.client import eventually
from tests.live.processes import free_port, stop
from tests.services import POSTGRES_URL, required

# Debian installs it in /usr/sbin, which is not on every PATH
PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
CONFIG = """[databases]
* = host={host} port={port}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
logfile = {folder}/pgbouncer.log
"""


class PgBouncer:
    """``url(database_url)`` is the same database reached through the pooler."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database_url: str) -> str:
        parsed = urlparse(database_url)
        return database_url.replace(parsed.netloc, f"{parsed.username}@127.0.0.1:{self.port}")

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    async def start(self) -> None:
        self.launch()
        await eventually(self.answers, within=20, step=0.05)

    def launch(self) -> None:
        assert PGBOUNCER is not None
        server = urlparse(POSTGRES_URL.replace("+asyncpg", ""))
        settings = {"host": server.hostname, "port": server.port or 5432}
        ini = CONFIG.format(listen=self.port, folder=self.folder, **settings)
        (self.folder / "pgbouncer.ini").write_text(ini)
        (self.folder / "users.txt").write_text('"postgres" ""\n"hindsight_app" ""\n')
        command = [PGBOUNCER, str(self.folder / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            shutil.chown(self.folder, "postgres")
            command += ["-u", "postgres"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)

    async def answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log()
        try:
            url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
            connection = await asyncpg.connect(url, statement_cache_size=0, timeout=1)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await connection.close()
        return True

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@contextlib.asynccontextmanager
async def pgbouncer() -> AsyncIterator[PgBouncer]:
    """PgBouncer 1.18+ (Debian's ``pgbouncer``); skips (or fails under
    ``HINDSIGHT_REQUIRE_SERVICES=1``) when it is not installed."""
    if PGBOUNCER is None:
        message = "pgbouncer is not installed (apt-get install pgbouncer)"
        if required():
            pytest.fail(message)
        pytest.skip(f"SKIPPED: {message}")
    pwd.getpwnam("postgres")  # the user PgBouncer runs as when we are root
    with tempfile.TemporaryDirectory(prefix="hindsight-pgbouncer-") as folder:
        pooler = PgBouncer(Path(folder))
        try:
            await pooler.start()
            yield pooler
        finally:
            pooler.stop()
