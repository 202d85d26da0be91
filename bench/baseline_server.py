"""The bare baseline the hot-path benchmark compares with: Starlette + an asyncpg pool, one
JSON POST parsed and one row inserted (``RETURNING id``) per request, no GraphQL, no auth.

    uvicorn bench.baseline_server:app   (BASELINE_DATABASE_URL=postgresql://…)
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TABLE = """CREATE TABLE IF NOT EXISTS bench_baseline (
  id uuid PRIMARY KEY, conversation_id text NOT NULL, confidence float8 NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now())"""
INSERT = "INSERT INTO bench_baseline (id, conversation_id, confidence) VALUES ($1, $2, $3) "
INSERT += "RETURNING id"
pool: asyncpg.Pool | None = None


@contextlib.asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(os.environ["BASELINE_DATABASE_URL"], min_size=10, max_size=10)
    await pool.execute(TABLE)
    yield
    await pool.close()


async def insert(request: Request) -> JSONResponse:
    body = await request.json()
    values = body["variables"]["i"]
    assert pool is not None
    row_id = await pool.fetchval(
        INSERT, uuid.uuid4(), values["conversationId"], values["predictedConfidence"]
    )
    return JSONResponse({"data": {"insert": {"id": str(row_id)}}})


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"data": {"echo": await request.json()}})


app = Starlette(
    routes=[Route("/insert", insert, methods=["POST"]), Route("/echo", echo, methods=["POST"])],
    lifespan=lifespan,
)
