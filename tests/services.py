"""Where the real services are, and what to do when one is missing.

Without ``HINDSIGHT_REQUIRE_SERVICES=1`` a missing PostgreSQL or Redis skips its cases
loudly; with it (as ``.ci/run`` sets) the run fails instead.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get(
    "HINDSIGHT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("HINDSIGHT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def required() -> bool:
    return os.environ.get("HINDSIGHT_REQUIRE_SERVICES") == "1"


def reachable(url: str) -> bool:
    parsed = urlparse(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), 2):
            return True
    except OSError:
        return False


def need(name: str, url: str) -> None:
    """Skip (or, when services are required, fail) unless ``url`` answers."""
    if reachable(url):
        return
    message = f"{name} is not reachable at {url}"
    if required():
        pytest.fail(f"{message} and HINDSIGHT_REQUIRE_SERVICES=1")
    pytest.skip(f"SKIPPED: {message} (set HINDSIGHT_REQUIRE_SERVICES=1 to fail instead)")
