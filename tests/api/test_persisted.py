"""Persisted documents through the front door: Apollo's automatic persisted queries (POST and
GET, in the cache of each backend) and the trusted-documents lock-down."""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import SECRET, Api, Backend, Tenant

VIEWER = "{ viewer { role } }"
COUNT = "{ outcomes { totalCount } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(text)}}


def auth(tenant: uuid.UUID, role: Role) -> dict[str, str]:
    token = issue_token(SECRET, tenant=tenant, role=role, sub=role.value.lower())
    return {"authorization": f"Bearer {token}"}


def code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def test_an_unknown_hash_is_asked_for_then_remembered(tenant: Tenant) -> None:
    query = f"{{ viewer {{ role subject }} }} # {uuid.uuid4()}"  # new to every cache
    headers = auth(tenant.id, Role.AGENT)
    post = tenant.api.http.post
    first = await post("/graphql", json={"extensions": persisted(query)}, headers=headers)
    assert code(first.json()) == "PERSISTED_QUERY_NOT_FOUND"
    assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"  # Apollo's link
    both = {"query": query, "extensions": persisted(query)}
    second = await post("/graphql", json=both, headers=headers)
    assert second.json() == {"data": {"viewer": {"role": "AGENT", "subject": "agent"}}}
    third = await post("/graphql", json={"extensions": persisted(query)}, headers=headers)
    assert third.json() == second.json()
    params = {"extensions": json.dumps(persisted(query))}
    by_get = await tenant.api.http.get("/graphql", params=params, headers=headers)
    assert by_get.json() == second.json()


async def test_a_hash_that_is_not_the_text_s_is_refused(tenant: Tenant) -> None:
    body = {"query": VIEWER, "extensions": persisted(VIEWER + " ")}
    answer = await tenant.api.http.post("/graphql", json=body, headers=auth(tenant.id, Role.ADMIN))
    assert answer.status_code == 400
    assert code(answer.json()) == "PERSISTED_QUERY_HASH_MISMATCH"


@contextlib.asynccontextmanager
async def trusted_app(backend: Backend, folder: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a manifest of two documents: the agent's recordOutcome and VIEWER."""
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps({sha(d): d for d in (documents.RECORD, VIEWER)}))
    settings = backend.settings.model_copy(update={"trusted_documents": manifest})
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://hindsight.test") as http,
    ):
        yield http


async def test_trusted_documents_lock_out_ad_hoc_ones_but_not_analysts(
    api: Api, backend: Backend, tmp_path: Path
) -> None:
    tenant = uuid.uuid4()
    agent, analyst = auth(tenant, Role.AGENT), auth(tenant, Role.ANALYST)
    ad_hoc = documents.RECORD.replace("mutation Record", "mutation Sneaky")
    variables = {"input": outcome_input()}
    async with trusted_app(backend, tmp_path) as http:
        refused = await http.post(
            "/graphql", json={"query": ad_hoc, "variables": variables}, headers=agent
        )
        assert refused.status_code == 400
        assert code(refused.json()) == "TRUSTED_DOCUMENT_REQUIRED"
        assert (await http.post("/graphql", json={"query": COUNT}, headers=analyst)).json() == {
            "data": {"outcomes": {"totalCount": 0}}
        }, "nothing was written, and an analyst still runs ad-hoc documents"
        by_id = {"documentId": f"sha256:{sha(documents.RECORD)}"}
        ran = await http.post(
            "/graphql", json={"variables": variables, "extensions": by_id}, headers=agent
        )
        assert ran.json()["data"]["recordOutcome"]["status"] == "PENDING"
        by_hash = {"extensions": persisted(VIEWER)}
        assert (await http.post("/graphql", json=by_hash, headers=agent)).json() == {
            "data": {"viewer": {"role": "AGENT"}}
        }
        in_full = await http.post("/graphql", json={"query": VIEWER}, headers=agent)
        assert in_full.json() == {"data": {"viewer": {"role": "AGENT"}}}
        graphiql = await http.get("/graphql", headers={"accept": "text/html"})
        assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()


async def test_only_valid_documents_of_signed_in_clients_are_kept(tenant: Tenant) -> None:
    """The cache (Redis in production) never fills with documents nobody may run."""
    post, agent = tenant.api.http.post, auth(tenant.id, Role.AGENT)
    invalid = f"{{ viewer {{ noSuchField }} }} # {uuid.uuid4()}"
    anonymous = f"{{ __typename }} # {uuid.uuid4()}"
    await post("/graphql", json={"query": invalid, "extensions": persisted(invalid)}, headers=agent)
    await post("/graphql", json={"query": anonymous, "extensions": persisted(anonymous)})
    for text in (invalid, anonymous):
        by_hash = await post("/graphql", json={"extensions": persisted(text)}, headers=agent)
        assert code(by_hash.json()) == "PERSISTED_QUERY_NOT_FOUND", text
