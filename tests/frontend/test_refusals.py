"""Every refused HTTP request answers the same GraphQL-shaped JSON with ``extensions.code``,
whoever refuses it: Strawberry, Starlette's router, the body limit or the static files."""

from __future__ import annotations

import httpx

from hindsight.domain.enums import Role
from tests.conftest import Api, Tenant

JSON = {"content-type": "application/json"}


def _code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/"), response.headers
    (error,) = response.json()["errors"]
    assert error["message"]
    return str(error["extensions"]["code"])


async def test_malformed_json(api: Api) -> None:
    response = await api.http.post("/graphql", content=b"{not json", headers=JSON)
    assert _code(response, 400) == "BAD_REQUEST"


async def test_mutation_over_get_is_405(api: Api, tenant: Tenant) -> None:
    response = await api.http.get(
        "/graphql",
        params={"query": "mutation { runDetection { resolved } }"},
        headers={"authorization": f"Bearer {tenant.token(Role.ADMIN)}"},
    )
    assert _code(response, 405) == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == "POST"


async def test_body_limit(api: Api) -> None:
    big = {"query": "{ __typename }", "variables": {"pad": "x" * (1024 * 1024 + 1)}}
    assert _code(await api.http.post("/graphql", json=big), 413) == "PAYLOAD_TOO_LARGE"


async def test_unsupported_content_type_batch_and_missing_query(api: Api) -> None:
    text = await api.http.post("/graphql", content=b"{ __typename }")
    assert _code(text, 400) == "BAD_REQUEST"
    batch = await api.http.post("/graphql", json=[{"query": "{ __typename }"}])
    assert _code(batch, 400) == "BAD_REQUEST"
    empty = await api.http.post("/graphql", json={"variables": {}})
    assert _code(empty, 400) == "BAD_REQUEST"


async def test_router_refusals(api: Api) -> None:
    assert _code(await api.http.get("/no-such-page"), 404) == "NOT_FOUND"
    assert _code(await api.http.put("/graphql", json={}), 405) == "METHOD_NOT_ALLOWED"
    assert _code(await api.http.get("/static/no-such-file.js"), 404) == "NOT_FOUND"


async def test_graphql_response_media_type_is_kept(api: Api) -> None:
    accept = {"accept": "application/graphql-response+json", **JSON}
    response = await api.http.post("/graphql", content=b"{", headers=accept)
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert _code(response, 400) == "BAD_REQUEST"
