"""``feedbackEntries``: a paginated, filterable connection over the feedback a viewer may see,
with the same filter shape as ``feedbackSummary`` (and OutcomeFilter's names)."""

from __future__ import annotations

from typing import Any

from hindsight.domain.enums import Role
from tests.api.factories import record
from tests.conftest import Tenant

ENTRIES = """query($filter: FeedbackFilter, $first: Int, $after: String, $last: Int,
               $before: String, $orderBy: FeedbackOrder) {
  feedbackEntries(filter: $filter, first: $first, after: $after, last: $last,
                  before: $before, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id rating source targetType reviewerId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
RATE = """mutation($i: RecordFeedbackInput!) { recordFeedback(input: $i) { __typename } }"""


async def rate(tenant: Tenant, outcome: dict[str, Any], reviewer: str, **fields: Any) -> None:
    entry = {
        "targetType": "OUTCOME",
        "targetId": outcome["id"],
        "outcomeId": outcome["id"],
        "source": "INLINE",
        "rating": 1,
        **fields,
    }
    token = tenant.token(Role.ANALYST, sub=reviewer)
    assert (await tenant.api.gql(RATE, {"i": entry}, token))["recordFeedback"] == {
        "__typename": "FeedbackEntry"
    }


async def entries(tenant: Tenant, token: str | None = None, **args: Any) -> dict[str, Any]:
    data = await tenant.api.gql(ENTRIES, args, token or tenant.token())
    found: dict[str, Any] = data["feedbackEntries"]
    return found


async def test_pages_filters_and_counts(tenant: Tenant) -> None:
    mine = await record(tenant, repId="rep-1", actionType="send_email")
    theirs = await record(tenant, repId="rep-2", actionType="book_call")
    for reviewer in ("a", "b", "c"):
        await rate(tenant, mine, reviewer)
    await rate(tenant, theirs, "a", source="DASHBOARD", rating=5)
    await rate(tenant, theirs, "b", targetType="MESSAGE", targetId="m-1", outcomeId=None)
    everything = await entries(tenant, first=2)
    assert everything["totalCount"] == 5 and everything["pageInfo"]["hasNextPage"]
    rest = await entries(tenant, first=10, after=everything["pageInfo"]["endCursor"])
    assert len(rest["edges"]) == 3 and not rest["pageInfo"]["hasNextPage"]
    back = await entries(tenant, last=2, before=rest["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in back["edges"]] == [
        e["node"]["id"] for e in everything["edges"]
    ]
    filters: list[tuple[dict[str, Any], int]] = [
        ({"repId": "rep-1"}, 3),
        ({"actionTypes": ["book_call"]}, 1),
        ({"sources": ["DASHBOARD"]}, 1),
        ({"targetTypes": ["MESSAGE"]}, 1),
        ({"reviewerId": "a"}, 2),
        ({"outcomeId": mine["id"], "reviewerId": "c"}, 1),
        ({"actionType": "send_email"}, 3),  # the deprecated singular still works
    ]
    for flt, count in filters:
        found = await entries(tenant, filter=flt, first=10)
        assert found["totalCount"] == len(found["edges"]) == count, flt
        summary = await tenant.api.gql(
            "query($f: FeedbackFilter) { feedbackSummary(filter: $f) { count } }",
            {"f": flt},
            tenant.token(),
        )
        assert summary["feedbackSummary"]["count"] == count, flt  # one filter, one meaning


async def test_visibility_and_bad_input(tenant: Tenant) -> None:
    mine = await record(tenant, repId="rep-1")
    theirs = await record(tenant, repId="rep-2")
    await rate(tenant, mine, "a")
    await rate(tenant, theirs, "a")
    own = await entries(tenant, tenant.token(Role.REP, sub="rep-1"), first=10)
    assert own["totalCount"] == 1
    body = (await tenant.api.post(ENTRIES, {}, tenant.token(Role.AGENT))).json()
    assert body["data"] == {"feedbackEntries": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    both = {
        "period": {"from": "2026-01-01T00:00:00Z"},
        "createdAfter": "2026-01-01T00:00:00Z",
    }
    body = (await tenant.api.post(ENTRIES, {"filter": both}, tenant.token())).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.period"}
