"""Live tests: the session's app served by an in-process uvicorn, clients over WebSocket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from hindsight.live.hub import hub_for
from tests.conftest import Api
from tests.live.client import serve

# Coalescing is tested on its own; elsewhere a short interval keeps the suite quick.
TEST_INTERVAL = 0.1


@pytest_asyncio.fixture
async def live(api: Api) -> AsyncIterator[str]:
    """The backend's app (SQLite + in-process events, PostgreSQL + Redis) on a real socket;
    yields its WebSocket URL."""
    hub_for(api.services).min_interval = TEST_INTERVAL
    async with serve(api.app) as url:
        yield url
