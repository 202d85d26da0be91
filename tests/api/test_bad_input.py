"""Input the database or Python cannot hold (docs/operations/security.md): NUL bytes, lone
surrogates, dates at the edges of the calendar, naive datetimes, oversized lists. Each is a
``ValidationError`` (mutations, as data) or ``BAD_USER_INPUT`` (everything else) naming the field,
never an internal error, and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from hindsight.db import models
from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.factories import outcome_input, record
from tests.conftest import Api, Tenant

NUL = "a\x00b"
SURROGATE = "a\ud800b"
YEAR_ONE = "0001-01-01T00:05:29Z"
YEAR_ONE_EAST = "0001-01-01T00:00:00+05:00"  # before 0001-01-01 in UTC
YEAR_9999_WEST = "9999-12-31T23:00:00-05:00"  # after 9999-12-31 in UTC
TABLES = (
    models.OutcomeRecord,
    models.Signal,
    models.FeedbackEntry,
    models.TeamMember,
    models.CalibrationBin,
    models.CalibrationState,
    models.CalibrationAdjustment,
    models.OutcomeRollup,
)


async def post(api: Api, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    """Send the body as ASCII JSON, as a client would escape a lone surrogate (``\\ud800``)."""
    body = json.dumps({"query": query, "variables": variables})
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    response = await api.http.post("/graphql", content=body, headers=headers)
    assert response.status_code < 500, response.text
    result: dict[str, Any] = response.json()
    return result


async def row_counts(tenant: Tenant) -> dict[str, int]:
    async with tenant.api.services.db.session(tenant.id) as session:
        return {
            table.__tablename__: int(
                await session.scalar(
                    select(func.count()).select_from(table).where(table.tenant_id == tenant.id)
                )
                or 0
            )
            for table in TABLES
        }


RECORD_CASES = [
    ({"conversationId": NUL}, "conversationId"),
    ({"actionType": SURROGATE}, "actionType"),
    ({"idempotencyKey": NUL}, "idempotencyKey"),
    ({"repId": SURROGATE}, "repId"),
    ({"metadata": {"note": NUL}}, "metadata.note"),
    ({"metadata": {"deep": [{"x": SURROGATE}]}}, "metadata.deep[0].x"),
    ({"metadata": {NUL: 1}}, "metadata"),
    ({"occurredAt": YEAR_ONE_EAST}, "occurredAt"),
    ({"occurredAt": YEAR_9999_WEST}, "occurredAt"),
    ({"occurredAt": "2026-01-01T00:00:00"}, "occurredAt"),
]


@pytest.mark.parametrize(("fields", "field"), RECORD_CASES)
async def test_record_outcome_refuses(tenant: Tenant, fields: dict[str, Any], field: str) -> None:
    before = await row_counts(tenant)
    body = await post(
        tenant.api, documents.RECORD, {"input": outcome_input(**fields)}, tenant.token(Role.AGENT)
    )
    assert "errors" not in body, body
    result = body["data"]["recordOutcome"]
    assert (result["__typename"], result["field"]) == ("ValidationError", field), result
    assert await row_counts(tenant) == before


SIGNAL_CASES = [
    ({"kind": "CUSTOMER_REPLIED", "conversationId": NUL}, "conversationId"),
    ({"kind": "CUSTOMER_REPLIED", "conversationId": "c1", "payload": {"k": [NUL]}}, "payload.k[0]"),
    ({"kind": "DEAL_WON", "dealId": SURROGATE}, "dealId"),
    ({"kind": "DEAL_WON", "dealId": "d1", "occurredAt": YEAR_ONE}, "occurredAt"),
]


@pytest.mark.parametrize(("fields", "field"), SIGNAL_CASES)
async def test_record_signal_refuses(tenant: Tenant, fields: dict[str, Any], field: str) -> None:
    await record(tenant, conversationId="c1", dealId="d1")
    before = await row_counts(tenant)
    body = await post(tenant.api, documents.SIGNAL, {"input": fields}, tenant.token(Role.AGENT))
    result = body["data"]["recordSignal"]
    assert (result["__typename"], result["field"]) == ("ValidationError", field), result
    assert await row_counts(tenant) == before


FEEDBACK = """mutation($i: RecordFeedbackInput!) {
  recordFeedback(input: $i) { __typename ... on ValidationError { field message } }
}"""
RESOLVE = """mutation($i: ResolveOutcomeInput!) {
  resolveOutcome(input: $i) { __typename ... on ValidationError { field message } }
}"""


@pytest.mark.parametrize(
    ("document", "fields", "field"),
    [
        (FEEDBACK, {"comment": NUL}, "comment"),
        (FEEDBACK, {"tags": ["fine", SURROGATE]}, "tags[1]"),
        (FEEDBACK, {"targetId": NUL}, "targetId"),
        (RESOLVE, {"reason": NUL}, "reason"),
        (RESOLVE, {"outcomeId": SURROGATE}, "outcomeId"),
    ],
)
async def test_other_mutations_refuse_as_data(
    tenant: Tenant, document: str, fields: dict[str, Any], field: str
) -> None:
    created = await record(tenant)
    base: dict[str, Any] = (
        {"targetType": "OUTCOME", "targetId": created["id"], "source": "INLINE", "rating": 1}
        if document is FEEDBACK
        else {"outcomeId": created["id"], "status": "POSITIVE"}
    )
    before = await row_counts(tenant)
    body = await post(tenant.api, document, {"i": {**base, **fields}}, tenant.token(Role.ADMIN))
    (result,) = body["data"].values()
    assert (result["__typename"], result["field"]) == ("ValidationError", field), result
    assert await row_counts(tenant) == before


async def test_set_team_member_refuses_as_an_error(tenant: Tenant) -> None:
    document = "mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { userId } }"
    variables = {"i": {"userId": NUL, "teamId": "t1", "role": "REP"}}
    body = await post(tenant.api, document, variables, tenant.token(Role.ADMIN))
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "userId"}, error
    assert await row_counts(tenant) == dict.fromkeys(await row_counts(tenant), 0)


MANY = [f"a{i}" for i in range(40_000)]
QUERY_CASES = [
    ("query($v: ID!) { outcome(id: $v) { id } }", NUL, "id"),
    ("query($v: ID!) { feedback(id: $v) { id } }", SURROGATE, "id"),
    ("query($v: String) { outcomes(after: $v) { pageInfo { hasNextPage } } }", NUL, "after"),
    (
        "query($v: OutcomeFilter) { outcomes(filter: $v) { pageInfo { hasNextPage } } }",
        {"conversationId": NUL},
        "filter.conversationId",
    ),
    (
        "query($v: OutcomeFilter) { outcomes(filter: $v) { pageInfo { hasNextPage } } }",
        {"actionTypes": MANY},
        "filter.actionTypes",
    ),
    (
        "query($v: OutcomeFilter) { outcomes(filter: $v) { pageInfo { hasNextPage } } }",
        {"createdAfter": "2026-01-01T00:00:00"},
        "filter.createdAfter",
    ),
    (
        "query($v: OutcomeFilter) { outcomes(filter: $v) { pageInfo { hasNextPage } } }",
        {"createdBefore": YEAR_ONE_EAST},
        "filter.createdBefore",
    ),
    (
        "query($v: String!) { feedbackForConversation(conversationId: $v) { id } }",
        NUL,
        "conversationId",
    ),
    ("query($v: String!) { shouldRequestFeedback(reviewerId: $v) }", SURROGATE, "reviewerId"),
    (
        "query($v: String!) { calibrationCurve(actionType: $v) { sampleCount } }",
        SURROGATE,
        "actionType",
    ),
    (
        "query($v: String!) { calibratedConfidence(actionType: $v, confidence: 0.5) "
        "{ confidence } }",
        NUL,
        "actionType",
    ),
    (
        'query($v: PeriodInput) { repDashboard(repId: "r", period: $v) { from } }',
        {"to": YEAR_ONE},
        "period.to",
    ),
    (
        "query($v: PeriodInput) { executiveSummary(period: $v) { from } }",
        {"from": "9999-12-30T00:00:00Z", "to": "9999-12-31T23:59:59Z"},
        "period.from",
    ),
    (
        'query($v: PeriodInput) { managerDashboard(teamId: "t", period: $v) { from } }',
        {"from": "2026-01-01T00:00:00"},
        "period.from",
    ),
    (
        "query($v: FeedbackFilter) { feedbackSummary(filter: $v) { count } }",
        {"period": {"to": YEAR_ONE}},
        "filter.period.to",
    ),
    (
        "query($v: FeedbackFilter) { feedbackSummary(filter: $v) { count } }",
        {"reviewerId": NUL},
        "filter.reviewerId",
    ),
    (
        "query($v: PeriodInput) { coachingPatterns(period: $v) { kind } }",
        {"to": YEAR_ONE},
        "period.to",
    ),
    (
        "query($v: PeriodInput) { topPerformingActions(period: $v) { kind } }",
        {"to": YEAR_ONE},
        "period.to",
    ),
]


@pytest.mark.parametrize(("document", "value", "field"), QUERY_CASES)
async def test_queries_refuse_with_bad_user_input(
    tenant: Tenant, document: str, value: Any, field: str
) -> None:
    body = await post(tenant.api, document, {"v": value}, tenant.token(Role.ADMIN))
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, error
    assert await row_counts(tenant) == dict.fromkeys(await row_counts(tenant), 0)


async def test_a_nul_in_a_document_literal_is_refused(tenant: Tenant) -> None:
    document = '{ outcomes(filter: {dealId: "x\\u0000y"}) { pageInfo { hasNextPage } } }'
    body = await post(tenant.api, document, {}, tenant.token(Role.ADMIN))
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.dealId"}


async def test_edge_dates_that_fit_are_served(tenant: Tenant) -> None:
    """The limits refuse only what cannot be held: ordinary old and far dates still work."""
    flt = {"createdAfter": "1970-01-01T00:00:00Z", "createdBefore": "2999-12-31T23:59:59+14:00"}
    document = "query($v: OutcomeFilter) { outcomes(filter: $v) { pageInfo { hasNextPage } } }"
    body = await post(tenant.api, document, {"v": flt}, tenant.token(Role.ADMIN))
    assert "errors" not in body, body
    names = {"actionTypes": [f"a{i}" for i in range(500)]}
    body = await post(tenant.api, document, {"v": names}, tenant.token(Role.ADMIN))
    assert "errors" not in body, body


async def test_a_batch_with_one_unstorable_item_is_refused_whole(tenant: Tenant) -> None:
    """``importOutcomes`` answers one result per item, so a refusal before it runs is an error
    naming the item, not a lone ``ValidationError`` where the list belongs."""
    document = "mutation($v: [ImportOutcomeInput!]!) { importOutcomes(inputs: $v) { __typename } }"
    item = {"status": "POSITIVE", "resolvedAt": "2026-01-02T00:00:00Z"}
    good = outcome_input(occurredAt="2026-01-01T00:00:00Z")
    items = [{**item, "outcome": good}, {**item, "outcome": {**good, "conversationId": NUL}}]
    body = await post(tenant.api, document, {"v": items}, tenant.token(Role.ADMIN))
    error = body["errors"][0]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "inputs[1].outcome.conversationId",
    }, error
    assert await row_counts(tenant) == dict.fromkeys(await row_counts(tenant), 0)


async def test_metadata_nested_past_the_limit_is_refused(tenant: Tenant) -> None:
    deep: Any = "leaf"
    for _ in range(900):
        deep = [deep]
    body = await post(
        tenant.api,
        documents.RECORD,
        {"input": outcome_input(metadata={"n": deep})},
        tenant.token(Role.AGENT),
    )
    result = body["data"]["recordOutcome"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "metadata"), result
    assert "32 levels" in result["message"]
    assert await row_counts(tenant) == dict.fromkeys(await row_counts(tenant), 0)


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ __typename }", "variables": {"v": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
        b'{"query": "{ __typename }", "variables": {"v": ' + b"9" * 5000 + b"}}",
        b'{"query": "{ __typename }\xff"}',
    ],
    ids=["nested-past-recursion-limit", "5000-digit-integer", "not-utf-8"],
)
async def test_bodies_python_cannot_decode_are_400(api: Api, body: bytes) -> None:
    headers = {"content-type": "application/json", "accept": "application/graphql-response+json"}
    response = await api.http.post("/graphql", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["message"]
