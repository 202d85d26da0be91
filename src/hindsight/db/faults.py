"""Which database failures are a lost connection (retryable by the client), not a bug."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError

# connection exceptions (class 08) and the server shutting down or starting up (57P0x)
LOST_SQLSTATES = ("08", "57P01", "57P02", "57P03")
LOST_TYPES = (
    OSError,  # refused, reset, unreachable
    TimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
)


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a driver error, also when SQLAlchemy wraps it (``DBAPIError.orig`` is
    the asyncpg adapter's error; the asyncpg exception is its ``driver_exception``)."""
    orig = getattr(error, "orig", error)
    for candidate in (orig, getattr(orig, "driver_exception", None), orig.__cause__):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return None


def is_connection_loss(error: BaseException) -> bool:
    """A dropped, refused or shut-down connection: SQLAlchemy has invalidated it (and with
    it every older pooled connection), or it never opened."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        return (sqlstate(error) or "").startswith(LOST_SQLSTATES)
    if isinstance(error, asyncpg.InterfaceError) and "closed" in str(error):
        return True  # "connection is closed": used after the server dropped it
    if isinstance(error, asyncpg.InternalClientError):
        return True  # the protocol got the server's goodbye mid-way (a killed backend)
    return isinstance(error, LOST_TYPES) or (sqlstate(error) or "").startswith(LOST_SQLSTATES)


class Unavailable(Exception):
    """A dependency (the database) is unreachable: the client may retry the request.
    Defined here, where it is raised, so ``db`` needs nothing from the domain;
    ``domain.errors`` names it beside the other expected failures."""

    def __init__(self, message: str = "the service is unavailable; retry shortly") -> None:
        super().__init__(message)


def unavailable(error: BaseException) -> Unavailable:
    return Unavailable(f"the database is unavailable ({type(error).__name__}); retry shortly")
