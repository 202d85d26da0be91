"""The static query cost budget and the other document limits (docs/operations/security.md), checked
before execution and answered as request errors (HTTP 400 for graphql-response+json)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from graphql import get_introspection_query, get_named_type, is_leaf_type, parse, validate
from strawberry.extensions.validation_cache import DEFAULT_MAXSIZE, _get_validate_cache

from hindsight.api.build import build_schema
from hindsight.domain.enums import Role
from hindsight.schema.limits import Limits, limits_rule
from hindsight.settings import Settings
from tests.api.factories import rate_outcome, record
from tests.conftest import Api, Tenant

GRAPHQL_RESPONSE = "application/graphql-response+json"
OUTCOME = """id actionType outcomeType status predictedConfidence conversationId dealId repId
  teamId metadata createdAt recordedAt windowEndsAt resolvedAt resolutionReason"""
FEEDBACK = """id targetType targetId conversationId outcomeId source rating score comment tags
  reviewerId reviewerRole createdAt updatedAt"""
PAGE = f"""outcomes(first: 500) {{
  edges {{ cursor node {{ {OUTCOME} feedback {{ {FEEDBACK} }} }} }}
  pageInfo {{ hasNextPage endCursor }}
}}"""


async def post(api: Api, query: str, token: str, **variables: Any) -> tuple[int, dict[str, Any]]:
    headers = {"accept": GRAPHQL_RESPONSE, "authorization": f"Bearer {token}"}
    body = {"query": query, "variables": variables}
    response = await api.http.post("/graphql", json=body, headers=headers)
    result: dict[str, Any] = response.json()
    return response.status_code, result


def cost_error(body: dict[str, Any]) -> dict[str, Any]:
    (error,) = [e for e in body["errors"] if "cost" in e.get("extensions", {})]
    return error


async def test_one_full_page_with_feedback_is_served(tenant: Tenant) -> None:
    created = await record(tenant)
    await rate_outcome(tenant, created["id"])
    status, body = await post(tenant.api, "{ " + PAGE + " }", tenant.token(Role.ADMIN))
    assert status == 200 and "errors" not in body, body
    (edge,) = body["data"]["outcomes"]["edges"]
    assert len(edge["node"]["feedback"]) == 1


async def test_thirty_aliases_of_it_are_refused_naming_limit_and_cost(tenant: Tenant) -> None:
    created = await record(tenant)
    document = "{ " + " ".join(f"a{i}: {PAGE}" for i in range(30)) + " }"
    status, body = await post(tenant.api, document, tenant.token(Role.ADMIN))
    assert status == 400 and "data" not in body, body
    error = cost_error(body)
    limit = Settings().max_query_cost
    extensions = error["extensions"]
    assert extensions["code"] == "BAD_USER_INPUT" and extensions["maxCost"] == limit
    assert extensions["cost"] > limit
    assert f"{extensions['cost']:,}" in error["message"] and f"{limit:,}" in error["message"]
    assert (
        await tenant.api.gql(
            "query($id: ID!) { outcome(id: $id) { status } }",
            {"id": created["id"]},
            tenant.token(Role.ADMIN),
        )
    )["outcome"]["status"] == "PENDING"


async def test_a_variable_page_size_counts_as_the_largest_page(tenant: Tenant) -> None:
    """The estimate is static: ``first: $n`` may be anything up to the cap, so it costs that."""
    token = tenant.token(Role.ADMIN)
    body_of = "edges { node { id feedback { id rating } } }"
    literal = (
        "{ " + " ".join(f"a{i}: outcomes(first: 500) {{ {body_of} }}" for i in range(16)) + " }"
    )
    variable = (
        "query($n: Int!) { "
        + " ".join(f"a{i}: outcomes(first: $n) {{ {body_of} }}" for i in range(16))
        + " }"
    )
    small = "{ " + " ".join(f"a{i}: outcomes(first: 5) {{ {body_of} }}" for i in range(16)) + " }"
    (_, refused_literal), (_, refused_variable) = [
        await post(tenant.api, literal, token),
        await post(tenant.api, variable, token, n=5),
    ]
    assert (
        cost_error(refused_literal)["extensions"]["cost"]
        == (cost_error(refused_variable)["extensions"]["cost"])
    )
    status, body = await post(tenant.api, small, token)
    assert status == 200 and "errors" not in body, body


async def test_fragments_are_followed_and_measured_once(tenant: Tenant) -> None:
    """A fragment spread counts what it selects; a chain of 150 fragments that each spread the
    next twice (2¹⁵⁰ fields when expanded) is measured in linear time and refused."""
    token = tenant.token(Role.ADMIN)
    spread = "query { ...A ...A ...A } fragment A on Query { " + PAGE + " }"
    status, body = await post(tenant.api, spread, token)
    assert status == 400 and cost_error(body)["extensions"]["cost"] > Settings().max_query_cost
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(150))
    document = f"query {{ ...F0 }} {chain} fragment F150 on Query {{ v: viewer {{ subject }} }}"
    status, body = await post(tenant.api, document, token)
    messages = " ".join(e["message"] for e in body["errors"])
    assert status == 400 and "aliases found" in messages and "query cost" in messages, body


async def test_introspection_fits(api: Api, tenant: Tenant) -> None:
    status, body = await post(api, get_introspection_query(), tenant.token(Role.ANALYST))
    assert status == 200 and body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_the_limits_keep_the_validation_cache_hitting(tenant: Tenant) -> None:
    """The limit rule classes are built once per schema, so a repeated document is validated
    once (Strawberry's cache keys on the rule classes)."""
    cache = _get_validate_cache(DEFAULT_MAXSIZE)
    document = "query CacheProbe { viewer { subject role } }"
    await post(tenant.api, document, tenant.token(Role.ADMIN))
    before = cache.cache_info()
    status, body = await post(tenant.api, document, tenant.token(Role.ADMIN))
    assert status == 200 and "errors" not in body, body
    after = cache.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 0)


ITEM = """{outcome: {actionType: "a", outcomeType: ENGAGEMENT, predictedConfidence: 0.5,
  conversationId: "c"}, status: POSITIVE, resolvedAt: "2026-01-01T00:00:00Z"}"""


@pytest.mark.parametrize(
    ("document", "cost"),
    [
        ("{ viewer { subject role } }", 3),  # every field counts 1
        # a connection: its first sizes edges (500 × (edges + node + id)), pageInfo once
        ("{ outcomes(first: 500) { edges { node { id } } pageInfo { hasNextPage } } }", 1503),
        ("{ outcomes { edges { node { id } } } }", 1 + 50 * 3),  # first's default, 50
        # a list without a size argument counts DEFAULT_LIST_SIZE (10); nested lists multiply
        (
            "{ outcomes(first: 2) { edges { node { feedback { id tags } } } } }",
            1 + 2 * (2 + 10 * 3),  # edges and node, then 10 × (feedback + id + tags)
        ),
        ("{ topPerformingActions(limit: 7) { kind } }", 7 * 2),
        # a list of one item per day of the period: its literal span (+ both ends' days),
        # the default 30 days without from, the longest period (367 days) when unknown
        (
            '{ repDashboard(repId: "r", period: {from: "2026-01-01T00:00:00Z", '
            'to: "2026-01-10T00:00:00Z"}) { trend { day } } }',
            1 + 11 * 2,
        ),
        ("{ executiveSummary { trend { day } } }", 1 + 30 * 2),
        ("query($p: PeriodInput) { executiveSummary(period: $p) { trend { day } } }", 1 + 367 * 2),
        ("{ feedbackSummary(filter: {period: null}) { trend { day } } }", 1 + 30 * 2),
        ("query($f: FeedbackFilter) { feedbackSummary(filter: $f) { trend { day } } }", 735),
        ("query($id: ID!) { node(id: $id) { ... on RepDashboard { trend { day } } } }", 735),
        # a list given a list argument counts one item per element (a variable: the most)
        (f"mutation {{ importOutcomes(inputs: [{ITEM}, {ITEM}, {ITEM}]) {{ __typename }} }}", 6),
        (
            "mutation($v: [ImportOutcomeInput!]!) { importOutcomes(inputs: $v) { __typename } }",
            1000,
        ),
    ],
)
def test_the_cost_model(document: str, cost: int) -> None:
    assert cost_of(document) == cost


def cost_of(document: str) -> int:
    settings = Settings(database_url="sqlite://", jwt_secret="x" * 40, max_query_cost=0)
    schema = build_schema(settings)._schema
    errors = validate(schema, parse(document), [limits_rule(Limits.from_settings(settings))])
    (error,) = [e for e in errors if e.extensions and "cost" in e.extensions]
    assert error.extensions is not None and error.extensions["maxCost"] == 0
    return int(error.extensions["cost"])


def test_introspection_lists_count_by_the_schema_size() -> None:
    """``types`` counts every type; a type's ``fields`` the schema's fields per type."""
    schema = build_schema(Settings(database_url="sqlite://", jwt_secret="x" * 40))._schema
    types = list(schema.type_map.values())
    fields = sum(len(getattr(t, "fields", {})) for t in types if not hasattr(t, "out_type"))
    per_type = math.ceil(fields / len(types))
    document = "{ __schema { types { name fields { name } } } }"
    assert cost_of(document) == 1 + len(types) * (1 + 1 + per_type * 2)


async def test_aliased_introspection_walks_are_refused(api: Api) -> None:
    """Thirty aliased full walks of the schema, without a token: refused before running."""
    operation, fragments = get_introspection_query().split("fragment", 1)
    walk = operation[operation.index("{") + 1 : operation.rindex("}")]  # __schema { … }
    document = "query {" + " ".join(f"s{i}: {walk}" for i in range(30)) + "} fragment"
    response = await api.http.post(
        "/graphql", json={"query": document + fragments}, headers={"accept": GRAPHQL_RESPONSE}
    )
    body = response.json()
    assert response.status_code == 400 and "data" not in body, str(body)[:500]
    assert cost_error(body)["extensions"]["cost"] > Settings().max_query_cost


def metric_fields() -> str:
    schema = build_schema(Settings(database_url="sqlite://", jwt_secret="x" * 40))._schema
    fields = schema.type_map["MetricBlock"].fields  # type: ignore[attr-defined]
    return " ".join(
        name for name, field in fields.items() if is_leaf_type(get_named_type(field.type))
    )


async def test_a_year_of_trend_points_costs_what_it_returns(tenant: Tenant) -> None:
    """A dashboard's trend is one point per day (not ``default_list``): thirty aliases of a
    year of whole points are refused; one is served."""
    period = '{from: "2025-01-01T00:00:00Z", to: "2025-12-31T00:00:00Z"}'
    quality = "responseQuality { count meanScore distribution { source rating count } }"
    point = f"day metrics {{ {metric_fields()} {quality} }}"
    summary = f"executiveSummary(period: {period}) {{ trend {{ {point} }} }}"
    token = tenant.token(Role.EXECUTIVE)
    status, body = await post(tenant.api, "{ " + summary + " }", token)
    assert status == 200 and len(body["data"]["executiveSummary"]["trend"]) == 365, body
    assert cost_of("{ " + summary + " }") > 365 * len(point.split())
    document = "{ " + " ".join(f"a{i}: {summary}" for i in range(30)) + " }"
    status, body = await post(tenant.api, document, token)
    assert status == 400 and "data" not in body
    assert cost_error(body)["extensions"]["cost"] > Settings().max_query_cost
