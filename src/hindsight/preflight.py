"""Are the database and Redis there? Each failure is one line naming the host and what to
check, for the CLI's commands (exit code 1), ``serve``'s start-up log and ``/readyz``."""

from __future__ import annotations

import asyncio
import os
import socket

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from hindsight.db import roles
from hindsight.db.engine import Database, create_engine
from hindsight.db.roles import UnsafeRole
from hindsight.events.cache import create_cache
from hindsight.services import Services
from hindsight.settings import Settings

TIMEOUT_SECONDS = 5.0


class Unreachable(RuntimeError):
    """A service a command needs does not answer; the message says where and what to check."""


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket ``serve`` will answer on, bound now so a busy port is refused in one line
    before anything is announced (uvicorn would print its banner first, then exit 3)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise RuntimeError(
            f"cannot listen on port {port} of {host}: {error.strerror or error} — stop what "
            "listens there or choose another port with --port or HINDSIGHT_PORT"
        ) from None
    return sock


def database_place(url: str) -> str:
    """``host:port/database`` (never the password), or the SQLite file's path."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return str(parsed.database or ":memory:")
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def redis_place(url: str) -> str:
    parsed = make_url(url.replace("rediss://", "redis://"))
    return f"{parsed.host or 'localhost'}:{parsed.port or 6379}"


def reason(error: BaseException) -> str:
    """The first line of what the driver said, without SQLAlchemy's wrapping."""
    if isinstance(error, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def database_problem(url: str, error: BaseException) -> str:
    if isinstance(error, UnsafeRole):  # it answered: the role, not the network, is wrong
        return str(error)
    if make_url(url).drivername.startswith("sqlite"):
        return (
            f"cannot open the SQLite database {database_place(url)}: {reason(error)} "
            "— check HINDSIGHT_DATABASE_URL and that its folder exists and is writable"
        )
    return (
        f"cannot reach PostgreSQL at {database_place(url)}: {reason(error)} — check "
        "HINDSIGHT_DATABASE_URL (host, port, database, user) and that PostgreSQL is running"
    )


def redis_problem(url: str) -> str:
    return (
        f"cannot reach Redis at {redis_place(url)} — check HINDSIGHT_REDIS_URL and that "
        "Redis is running (unset it for embedded mode)"
    )


async def database_error(url: str, pooler: str = "") -> str | None:
    """None when a ``SELECT 1`` answers, else the one line."""
    if problem := _sqlite_folder_problem(url):
        return problem
    pooled = roles.connect_args("", pooled=True) if pooler == "transaction" else {}
    engine = create_async_engine(url, poolclass=NullPool, connect_args=pooled)
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return database_problem(url, error)
    finally:
        await engine.dispose()
    return None


def _sqlite_folder_problem(url: str) -> str | None:
    if not make_url(url).drivername.startswith("sqlite"):
        return None
    folder = os.path.dirname(os.path.abspath(database_place(url)))
    if os.access(folder, os.W_OK):
        return None
    return database_problem(url, FileNotFoundError(f"no writable folder {folder}"))


async def redis_error(url: str | None) -> str | None:
    if not url:
        return None
    cache = create_cache(url)
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            answered = await cache.ping()
    except TimeoutError:
        answered = False
    finally:
        await cache.close()
    return None if answered else redis_problem(url)


async def problems(settings: Settings) -> list[str]:
    found = await asyncio.gather(
        database_error(settings.database_url, settings.database_pooler),
        redis_error(settings.redis_url),
    )
    return [problem for problem in found if problem]


def require(settings: Settings) -> None:
    """Raise ``Unreachable`` with one line per missing service."""
    found = asyncio.run(problems(settings))
    if found:
        raise Unreachable("\n".join(found))


async def refuse_unsafe_role(db: Database) -> None:
    """Raise ``UnsafeRole`` when the database answers and row-level security would not bind
    the role the app's connections run as; an unreachable database is not this check's to
    report (``database_error`` says so, and ``serve`` starts anyway)."""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await db.check_role()
    except UnsafeRole:
        raise
    except Exception:  # unreachable: reported as NOT READY elsewhere
        return


async def require_safe_role(settings: Settings) -> None:
    """``refuse_unsafe_role`` on a throwaway engine made as the app makes its own."""
    engine = create_engine(
        settings.database_url,
        role=settings.database_role,
        pool_size=1,
        pooler=settings.database_pooler,
    )
    db = Database(engine)
    try:
        await refuse_unsafe_role(db)
    finally:
        await db.dispose()


async def database_error_of(services: Services) -> str | None:
    """None when the app's own engine answers a ``SELECT 1``, else the one line."""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS), services.db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return database_problem(services.settings.database_url, error)
    return None


async def readiness(services: Services) -> dict[str, str]:
    """``/readyz``: ``status`` and, per part, ``ok`` or the one line saying what is wrong."""
    settings = services.settings
    database = await database_error_of(services) or "ok"
    redis, redis_ok = "in-process (embedded)", True
    if settings.redis_url:
        redis_ok = await services.broker.ping()
        redis = "ok" if redis_ok else redis_problem(settings.redis_url)
    ready = database == "ok" and redis_ok
    return {"status": "ready" if ready else "not ready", "database": database, "redis": redis}
