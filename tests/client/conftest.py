"""The client's tests run against a real ``hindsight serve`` process on both backends
(one per backend and module; each test has a tenant of its own)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.client.server import Server, running


@pytest_asyncio.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    async with running(request.param, str(tmp_path_factory.mktemp("client"))) as server:
        yield server


@pytest.fixture
def tenant_id() -> uuid.UUID:
    return uuid.uuid4()
