"""GraphQL over HTTP and the limits of docs/operations/security.md, through the front door."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import jwt
import pytest

from hindsight.app import create_app
from hindsight.auth import TokenReader, issue_token
from hindsight.domain.enums import Role
from hindsight.domain.errors import Unauthenticated
from tests.api.factories import record, resolve
from tests.conftest import SECRET, Api, Backend, Tenant

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def post(
    api: Api, body: object, accept: str = GRAPHQL_RESPONSE, token: str | None = None
) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    headers = {"accept": accept}
    if token:
        headers["authorization"] = f"Bearer {token}"
    response = await api.http.post("/graphql", json=body, headers=headers)
    return (
        response.status_code,
        response.headers["content-type"],
        response.json() if response.headers["content-type"].startswith("application/") else {},
    )


async def test_request_errors_are_400_with_graphql_response_json(api: Api) -> None:
    for document in ("{", "{ nope }"):
        status, media, body = await post(api, {"query": document})
        assert (status, media.split(";")[0]) == (400, GRAPHQL_RESPONSE)
        assert "data" not in body and body["errors"]


async def test_legacy_json_keeps_200(api: Api) -> None:
    status, media, body = await post(api, {"query": "{ nope }"}, accept="application/json")
    assert (status, media) == (200, "application/json")
    assert body["data"] is None


async def test_field_errors_stay_200_with_data(api: Api) -> None:
    status, _, body = await post(api, {"query": "{ viewer { subject } }"})
    assert status == 200 and body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_no_batching_and_no_mutations_over_get(api: Api, tenant: Tenant) -> None:
    status, _, _ = await post(api, [{"query": "{ __typename }"}])
    assert status == 400
    response = await api.http.get(
        "/graphql",
        params={"query": "mutation { runDetection { resolved } }"},
        headers={"authorization": f"Bearer {tenant.token(Role.ADMIN)}"},
    )
    assert response.status_code == 405


async def test_body_size_limit(api: Api) -> None:
    big = {"query": "{ __typename }", "variables": {"pad": "x" * (1024 * 1024 + 1)}}
    response = await api.http.post("/graphql", json=big)
    assert response.status_code == 413


async def test_depth_alias_and_token_limits(api: Api, tenant: Tenant) -> None:
    token = tenant.token(Role.ADMIN)
    deep = "{ viewer " + "{ subject " * 13 + "}" * 14  # depth is counted before field checks
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    tokens = "{ " + " ".join("__typename" for _ in range(2001)) + " }"
    for document, word in ((deep, "depth"), (aliases, "aliases"), (tokens, "token")):
        status, _, body = await post(api, {"query": document}, token=token)
        messages = " ".join(e["message"].lower() for e in body["errors"])
        assert status == 400 and word in messages, body


async def test_health_and_readiness(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["database"] == "ok"


async def test_requests_past_the_time_limit_get_504(backend: Backend) -> None:
    settings = backend.settings.model_copy(update={"request_timeout_seconds": 1e-6})
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hindsight.test"
        ) as http,
    ):
        token = issue_token(SECRET, tenant=uuid.uuid4(), role=Role.ADMIN, sub="admin")
        response = await http.post(  # a query that waits on the database
            "/graphql",
            json={"query": "{ outcomes { edges { cursor } } }"},
            headers={"authorization": f"Bearer {token}"},
        )
    assert response.status_code == 504
    error = {"message": "request timed out", "extensions": {"code": "TIMEOUT"}}
    assert response.json() == {"errors": [error]}


CONFIDENCE = """query($c: Float!) {
  calibratedConfidence(actionType: "a", confidence: $c) { confidence }
}"""


async def test_request_errors_carry_codes(api: Api) -> None:
    cases = [
        ({"query": "{"}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": CONFIDENCE, "variables": {"c": "x"}}, "BAD_USER_INPUT"),
    ]
    for body, code in cases:
        _, _, answer = await post(api, body)
        assert answer["errors"][0]["extensions"]["code"] == code, answer


async def test_metrics_count_requests_and_resolutions(api: Api, tenant: Tenant) -> None:
    await api.http.get("/healthz")
    created = await record(tenant)
    await resolve(tenant, created["id"], "NEGATIVE")
    text = (await api.http.get("/metrics")).text
    assert 'hindsight_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'hindsight_outcomes_resolved_total{status="NEGATIVE"}' in text
    assert 'hindsight_events_published_total{topic="outcomes"}' in text


async def test_a_verified_token_is_kept_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return real_decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    now = dt.datetime.now(dt.UTC)
    reader = TokenReader(SECRET, max_entries=2, clock=lambda: now)
    first, second, third = (
        issue_token(SECRET, tenant=uuid.uuid4(), role=Role.AGENT, sub=f"a{i}", ttl_seconds=60)
        for i in range(3)
    )
    assert reader.read(first) == reader.read(first)
    assert decoded == [first], "the second read came from the cache"
    reader.read(second), reader.read(third)  # the least recently used (first) leaves
    reader.read(first)
    assert decoded == [first, second, third, first]
    now += dt.timedelta(seconds=61)
    with pytest.raises(Unauthenticated, match="expired"):
        reader.read(first)  # cached, but past its exp
