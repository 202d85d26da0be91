"""Every command that meets an unreachable database or Redis says so in one line naming
the host and what to check, and exits 1; a bad URL scheme is a one-line setting error."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from hindsight.auth import read_token
from hindsight.cli import main
from hindsight.settings import Settings
from tests.conftest import Backend, create_postgres_database, drop_postgres_database
from tests.live.client import eventually
from tests.live.processes import free_port, hindsight
from tests.services import POSTGRES_URL, REDIS_URL, need

TENANT = "00000000-0000-4000-8000-000000000001"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def dead_postgres(monkeypatch: pytest.MonkeyPatch) -> str:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("HINDSIGHT_DATABASE_URL", f"postgres://postgres@127.0.0.1:{port}/app")
    monkeypatch.setenv("HINDSIGHT_JWT_SECRET", "s" * 32)
    return f"127.0.0.1:{port}"


@pytest.fixture
def dead_redis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    port = free_port()
    monkeypatch.setenv("HINDSIGHT_DATABASE_URL", f"sqlite:///{tmp_path}/h.db")
    monkeypatch.setenv("HINDSIGHT_REDIS_URL", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setenv("HINDSIGHT_JWT_SECRET", "s" * 32)
    return f"127.0.0.1:{port}"


def one_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize("command", [["migrate"], ["demo"]])
def test_unreachable_postgres(
    capsys: pytest.CaptureFixture[str], dead_postgres: str, command: list[str]
) -> None:
    code, _, err = run(capsys, *command)
    assert code == 1
    one_line(err, f"cannot reach PostgreSQL at {dead_postgres}/app", "HINDSIGHT_DATABASE_URL")


@pytest.mark.parametrize("command", [["demo"], ["worker", "--burst"]])
def test_unreachable_redis(
    capsys: pytest.CaptureFixture[str], dead_redis: str, command: list[str]
) -> None:
    code, _, err = run(capsys, *command)
    assert code == 1
    one_line(err, f"cannot reach Redis at {dead_redis}", "HINDSIGHT_REDIS_URL")


def test_embedded_database_in_a_missing_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HINDSIGHT_DATABASE_URL", f"sqlite:///{tmp_path}/missing/h.db")
    for command in (["serve", "--port", "0"], ["demo"], ["migrate"]):
        code, _, err = run(capsys, *command)
        assert code == 1
        one_line(err, f"{tmp_path}/missing/h.db", "folder exists")


def test_unsupported_url_scheme(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HINDSIGHT_DATABASE_URL", "mysql://app@db/app")
    code, _, err = run(capsys, "migrate")
    assert code == 1
    one_line(err, "unsupported database URL scheme 'mysql'", "postgresql://")


def test_token_refuses_to_invent_a_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # another folder: no hindsight.secret here
    code, out, err = run(capsys, "token", "--tenant", TENANT, "--role", "ADMIN")
    assert (code, out) == (1, "")
    one_line(err, f"no embedded secret at {tmp_path}/hindsight.secret")
    assert not (tmp_path / "hindsight.secret").exists()
    monkeypatch.setenv("HINDSIGHT_REDIS_URL", "redis://127.0.0.1:6379/0")  # production
    code, out, err = run(capsys, "token", "--tenant", TENANT, "--role", "ADMIN")
    assert (code, out) == (1, "")
    one_line(err, "HINDSIGHT_JWT_SECRET is not set")


def test_token_uses_the_configured_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "team.secret").write_text("the-servers-secret-" + "x" * 20)
    monkeypatch.setenv("HINDSIGHT_DATABASE_URL", f"sqlite:///{tmp_path}/team.db")
    code, out, _ = run(capsys, "token", "--tenant", TENANT, "--role", "MANAGER", "--team", "t1")
    assert code == 0
    viewer = read_token("the-servers-secret-" + "x" * 20, out.strip())
    assert (str(viewer.tenant_id), viewer.team) == (TENANT, "t1")


def test_postgres_scheme_urls_migrate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    need("PostgreSQL", POSTGRES_URL)
    url = asyncio.run(create_postgres_database())  # migrated; migrate again through the CLI
    try:
        for scheme in ("postgres", "postgresql"):
            monkeypatch.setenv("HINDSIGHT_DATABASE_URL", scheme + url.split("+asyncpg", 1)[1])
            code, out, err = run(capsys, "migrate")
            assert code == 0 and "database at revision" in out, err
    finally:
        asyncio.run(drop_postgres_database(url))


async def test_serve_says_what_is_down() -> None:
    """A server whose database is down still starts (the database may come back), logs
    the problem loudly, and ``/readyz`` names the part that is down."""
    need("Redis", REDIS_URL)
    port, dead = free_port(), free_port()
    env = {
        "HINDSIGHT_DATABASE_URL": f"postgres://postgres@127.0.0.1:{dead}/app",
        "HINDSIGHT_REDIS_URL": REDIS_URL,
        "HINDSIGHT_JWT_SECRET": "s" * 32,
    }
    answers: list[httpx.Response] = []

    async def answered() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as http:
                answers.append(await http.get(f"http://127.0.0.1:{port}/readyz"))
                return True
        except httpx.TransportError:
            return False

    with hindsight("serve", "--port", str(port), env=env) as child:
        await eventually(answered, within=30, step=0.1)
        assert f"NOT READY: cannot reach PostgreSQL at 127.0.0.1:{dead}/app" in child.text()
    body = answers[-1].json()
    assert answers[-1].status_code == 503
    assert body["status"] == "not ready" and body["redis"] == "ok"
    assert body["database"].startswith(f"cannot reach PostgreSQL at 127.0.0.1:{dead}/app")


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://app:pw@db:5432/app", "postgresql+asyncpg://app:pw@db:5432/app"),
        ("postgresql://app@db/app?sslmode=require", "postgresql+asyncpg://app@db/app?ssl=require"),
        ("postgresql+asyncpg://app@db/app", "postgresql+asyncpg://app@db/app"),
        ("sqlite:///./hindsight.db", "sqlite+aiosqlite:///./hindsight.db"),
    ],
)
def test_database_urls_run_on_the_async_drivers(given: str, used: str) -> None:
    assert Settings(database_url=given).database_url == used


async def test_serve_refuses_a_role_rls_does_not_bind(backend: Backend) -> None:
    """Logged in as the superuser with no RLS role to switch to: ``serve`` does not start;
    it says why in one line naming the role (not "cannot reach") and exits 1."""
    if not backend.is_postgres:
        pytest.skip("roles exist on PostgreSQL only")
    env = {
        "HINDSIGHT_DATABASE_URL": backend.settings.database_url,
        "HINDSIGHT_DATABASE_ROLE": "",
        "HINDSIGHT_REDIS_URL": REDIS_URL,
        "HINDSIGHT_JWT_SECRET": "s" * 32,
    }
    with hindsight("serve", "--port", str(free_port()), env=env) as child:
        code = await child.finished(within=120)
        output = child.text()
    assert code == 1, output
    one_line(output, "hindsight: database role 'postgres' is a superuser", "refusing to serve")
    assert "cannot reach" not in output
