"""Two start-up refusals, seen as a user sees them (a real ``hindsight`` child process):
a busy port and a JWT secret too short to sign with. Each is one line on stderr naming
what to fix, a non-zero exit, and nothing announced (no banner, no token)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hindsight.auth import read_token
from hindsight.settings import MIN_SECRET_BYTES, Settings
from tests.conftest import SECRET

TENANT = "00000000-0000-4000-8000-000000000001"
TOKEN = ["token", "--tenant", TENANT, "--role", "ADMIN"]


def hindsight(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``hindsight <args>`` to completion (bounded) with an embedded database in ``cwd``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HINDSIGHT_")}
    return subprocess.run(
        [sys.executable, "-m", "hindsight.cli", *args],
        cwd=cwd,
        env={**clean, "HINDSIGHT_DATABASE_URL": f"sqlite:///{cwd}/h.db", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def refused(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The one stderr line of a refusal that printed nothing on stdout."""
    assert done.returncode != 0, done
    assert done.stdout == "", done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as other:  # another process's server, listening
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


def test_serve_on_a_busy_port_says_so_before_announcing(busy_port: int, tmp_path: Path) -> None:
    done = hindsight(tmp_path, "serve", "--port", str(busy_port))
    line = refused(done, f"port {busy_port}", "--port")
    assert "Bearer" not in line and "Hindsight on" not in line
    assert not (tmp_path / "h.secret").exists()  # not even a secret made for the banner


@pytest.mark.parametrize(
    "command", [["serve", "--port", "0"], ["worker", "--burst"], TOKEN, ["migrate"]]
)
def test_a_short_secret_is_refused_everywhere(command: list[str], tmp_path: Path) -> None:
    done = hindsight(tmp_path, *command, HINDSIGHT_JWT_SECRET="short")
    refused(done, "HINDSIGHT_JWT_SECRET", "5 bytes", f"at least {MIN_SECRET_BYTES}", "RFC 7518")


def test_a_short_embedded_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "h.secret").write_text("short\n")
    refused(hindsight(tmp_path, *TOKEN), f"{tmp_path}/h.secret", "5 bytes", "delete the file")


def test_the_generated_embedded_secret_signs_tokens(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/h.db")
    assert len(settings.secret.encode()) >= MIN_SECRET_BYTES  # generated on first use
    done = hindsight(tmp_path, *TOKEN)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert str(read_token(settings.secret, done.stdout.strip()).tenant_id) == TENANT


def test_a_secret_of_32_bytes_is_enough() -> None:
    assert len(SECRET.encode()) >= MIN_SECRET_BYTES  # the suite's own secret
    assert Settings(jwt_secret="s" * MIN_SECRET_BYTES).jwt_secret == "s" * MIN_SECRET_BYTES
    assert Settings(jwt_secret="").jwt_secret is None  # empty means unset, as before
