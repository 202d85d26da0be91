"""Complete Relay connections on ``outcomes``: totalCount, nodes, both directions, orderBy;
and report fields that fail alone (a FORBIDDEN panel is null, the rest of the document
answers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphql import Undefined, build_schema

from hindsight.domain.enums import Role
from tests.api.factories import record
from tests.conftest import Tenant, sql_statements

PAGE = """query($first: Int, $after: String, $last: Int, $before: String,
               $orderBy: OutcomeOrder, $filter: OutcomeFilter) {
  outcomes(first: $first, after: $after, last: $last, before: $before,
           orderBy: $orderBy, filter: $filter) {
    totalCount
    edges { cursor node { id predictedConfidence } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def page(tenant: Tenant, **args: Any) -> dict[str, Any]:
    data = await tenant.api.gql(PAGE, args, tenant.token(Role.AGENT))
    result: dict[str, Any] = data["outcomes"]
    return result


def ids(found: dict[str, Any]) -> list[str]:
    return [e["node"]["id"] for e in found["edges"]]


async def test_forward_and_back_walk_the_same_list(tenant: Tenant) -> None:
    made = {(await record(tenant, conversationId=f"c{i}"))["id"] for i in range(5)}
    newest_first = ids(await page(tenant, first=5))  # ties on createdAt: by id
    assert set(newest_first) == made
    one = await page(tenant, first=2)
    assert ids(one) == newest_first[:2] and [n["id"] for n in one["nodes"]] == ids(one)
    assert one["totalCount"] == 5
    assert one["pageInfo"]["hasNextPage"] and not one["pageInfo"]["hasPreviousPage"]
    assert one["pageInfo"]["startCursor"] == one["edges"][0]["cursor"]
    two = await page(tenant, first=2, after=one["pageInfo"]["endCursor"])
    three = await page(tenant, first=2, after=two["pageInfo"]["endCursor"])
    assert ids(two) + ids(three) == newest_first[2:]
    assert not three["pageInfo"]["hasNextPage"] and three["pageInfo"]["hasPreviousPage"]
    back = await page(tenant, last=2, before=three["pageInfo"]["startCursor"])
    assert ids(back) == ids(two)
    assert back["pageInfo"]["hasPreviousPage"] and back["pageInfo"]["hasNextPage"]
    head = await page(tenant, last=3, before=back["pageInfo"]["startCursor"])
    assert ids(head) == newest_first[:2] and not head["pageInfo"]["hasPreviousPage"]
    tail = await page(tenant, last=2)
    assert ids(tail) == newest_first[-2:] and tail["pageInfo"]["hasPreviousPage"]


async def test_order_by_sorts_and_cursors_keep_their_order(tenant: Tenant) -> None:
    for p in (0.5, 0.9, 0.1, 0.7):
        await record(tenant, predictedConfidence=p)
    order = {"field": "PREDICTED_CONFIDENCE", "direction": "ASC"}
    first = await page(tenant, first=3, orderBy=order)
    seen = [e["node"]["predictedConfidence"] for e in first["edges"]]
    assert seen == [0.1, 0.5, 0.7]
    rest = await page(tenant, first=3, orderBy=order, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["predictedConfidence"] for e in rest["edges"]] == [0.9]
    body = (
        await tenant.api.post(
            PAGE, {"first": 1, "after": first["pageInfo"]["endCursor"]}, tenant.token()
        )
    ).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


async def test_bad_windows_name_their_argument(tenant: Tenant) -> None:
    cases = [
        ({"first": 2, "last": 2}, "last"),
        ({"last": 0}, "last"),
        ({"first": 501}, "first"),
        ({"before": "garbage", "last": 1}, "before"),
    ]
    for args, field in cases:
        body = (await tenant.api.post(PAGE, args, tenant.token())).json()
        assert body["data"] == {"outcomes": None}, args
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_total_count_is_counted_only_when_asked(tenant: Tenant) -> None:
    await record(tenant)
    query = "{ outcomes(first: 5) { edges { node { id } } } }"
    with sql_statements(tenant.api) as seen:
        await tenant.api.gql(query, token=tenant.token())
    assert not [s for s in seen if "count(" in s.lower()]
    with sql_statements(tenant.api) as seen:
        data = await tenant.api.gql("{ outcomes(first: 5) { totalCount } }", token=tenant.token())
    assert data["outcomes"]["totalCount"] == 1
    assert len([s for s in seen if "count(" in s.lower()]) == 1


async def test_a_forbidden_panel_is_null_and_the_rest_answers(tenant: Tenant) -> None:
    await record(tenant, repId="rep-1")
    document = """{ viewer { subject }
      executiveSummary { metrics { actions } }
      repDashboard(repId: "rep-1") { metrics { actions } }
      calibrationCurves { actionType } }"""
    body = (await tenant.api.post(document, token=tenant.token(Role.REP, sub="rep-1"))).json()
    assert body["data"] == {
        "viewer": {"subject": "rep-1"},
        "executiveSummary": None,
        "repDashboard": {"metrics": {"actions": 1}},
        "calibrationCurves": None,
    }
    assert sorted((e["path"][0], e["extensions"]["code"]) for e in body["errors"]) == [
        ("calibrationCurves", "FORBIDDEN"),
        ("executiveSummary", "FORBIDDEN"),
    ]


async def test_a_page_size_left_out_or_null_is_50(tenant: Tenant) -> None:
    inputs = [
        {"actionType": "send_follow_up", "outcomeType": "IMMEDIATE_RESPONSE",
         "predictedConfidence": 0.5, "conversationId": f"c{i}"}
        for i in range(51)
    ]  # fmt: skip
    batch = "mutation($i: [RecordOutcomeInput!]!) { recordOutcomes(inputs: $i) { __typename } }"
    await tenant.api.gql(batch, {"i": inputs}, tenant.token(Role.AGENT))
    for args in ({}, {"first": None}):
        found = await page(tenant, **args)
        assert len(found["edges"]) == 50 and found["pageInfo"]["hasNextPage"], args
    null = "{ outcomes(first: null) { nodes { id } } }"
    literal = await tenant.api.gql(null, token=tenant.token())
    assert len(literal["outcomes"]["nodes"]) == 50
    back = await page(tenant, before=found["pageInfo"]["endCursor"], last=None)
    assert len(back["edges"]) == 49 and not back["pageInfo"]["hasPreviousPage"]


def test_page_sizes_show_their_default_in_words_not_null() -> None:
    schema = build_schema((Path(__file__).parents[2] / "schema.graphql").read_text())
    for field in ("outcomes", "feedbackEntries"):
        for name in ("first", "last"):
            argument = schema.query_type.fields[field].args[name]
            assert argument.default_value is Undefined, (field, name)
            assert "50" in (argument.description or ""), (field, name)
