"""Identity (docs/reference/api.md): every object with an id is a Node that ``node``/``nodes`` fetch
again, as its own query shows it; dashboards have one id per tenant, scope and period."""

from __future__ import annotations

import uuid

import graphql

from hindsight.api.export import sdl
from hindsight.api.nodes import AS_NODE
from hindsight.domain.enums import Role
from hindsight.domain.identity import encode
from hindsight.resolvers.nodes import LOADERS
from tests.api.factories import rate_outcome, record, resolve, signal
from tests.conftest import Tenant

NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Outcome { status repId }
  ... on FeedbackEntry { rating outcomeId }
  ... on Signal { kind }
  ... on CalibrationCurve { actionType sampleCount }
  ... on RepDashboard { boardRep: repId metrics { actions } }
  ... on ManagerDashboard { teamId }
  ... on ExecutiveSummary { hoursSaved }
} }"""

DASHBOARDS = """query($rep: String!, $team: String!, $period: PeriodInput) {
  repDashboard(repId: $rep, period: $period) { id repId metrics { actions } }
  managerDashboard(teamId: $team, period: $period) { id teamId }
  executiveSummary(period: $period) { id hoursSaved }
}"""


async def node(tenant: Tenant, node_id: str, token: str | None = None) -> dict[str, object]:
    body = (await tenant.api.post(NODE, {"id": node_id}, token or tenant.token(Role.ADMIN))).json()
    return body


async def test_rows_are_nodes_under_their_own_ids(tenant: Tenant) -> None:
    outcome = await record(tenant, repId="rep-1")
    entry_id = await rate_outcome(tenant, outcome["id"])
    recorded = await signal(tenant, "CUSTOMER_REPLIED", conversationId="conv-1")
    found = (await node(tenant, outcome["id"]))["data"]["node"]
    assert found == {
        "__typename": "Outcome",
        "id": outcome["id"],
        "status": "POSITIVE",
        "repId": "rep-1",
    }
    entry = (await node(tenant, entry_id))["data"]["node"]
    assert entry == {
        "__typename": "FeedbackEntry",
        "id": entry_id,
        "rating": 1,
        "outcomeId": outcome["id"],
    }
    signal_id = recorded["signal"]["id"]
    assert (await node(tenant, signal_id, tenant.token(Role.AGENT)))["data"]["node"] == {
        "__typename": "Signal",
        "id": signal_id,
        "kind": "CUSTOMER_REPLIED",
    }


async def test_what_the_viewer_may_not_see_is_not_found(tenant: Tenant) -> None:
    theirs = await record(tenant, repId="rep-2")
    other_tenant = Tenant(uuid.uuid4(), tenant.api)
    curve = await tenant.api.gql(
        '{ calibrationCurve(actionType: "send_follow_up") { id } }', token=tenant.token()
    )
    curve_id = curve["calibrationCurve"]["id"]
    board = await tenant.api.gql(DASHBOARDS, {"rep": "rep-2", "team": "t1"}, token=tenant.token())
    cases = [
        (theirs["id"], tenant.token(Role.REP, sub="rep-1")),  # another rep's outcome
        (curve_id, tenant.token(Role.REP, sub="rep-1")),  # a REP reads no calibration
        (board["executiveSummary"]["id"], other_tenant.token()),  # another tenant's
        (board["repDashboard"]["id"], tenant.token(Role.REP, sub="rep-1")),
        (str(uuid.uuid4()), tenant.token()),
        ("not-an-id", tenant.token()),
    ]
    for node_id, token in cases:
        body = await node(tenant, node_id, token)
        assert body["data"] == {"node": None}, node_id
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", node_id


async def test_dashboards_have_one_id_per_tenant_scope_and_period(tenant: Tenant) -> None:
    await record(tenant, repId="rep-1", teamId="t1")
    token = tenant.token()
    week = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-07T00:00:00Z"}
    now = await tenant.api.gql(DASHBOARDS, {"rep": "rep-1", "team": "t1"}, token)
    again = await tenant.api.gql(DASHBOARDS, {"rep": "rep-1", "team": "t1"}, token)
    then = await tenant.api.gql(DASHBOARDS, {"rep": "rep-1", "team": "t1", "period": week}, token)
    other_rep = await tenant.api.gql(DASHBOARDS, {"rep": "rep-9", "team": "t9"}, token)
    assert now == again
    ids = [b[f]["id"] for b in (now, then, other_rep) for f in now]
    assert len(set(ids)) == 8  # the executive summary of a tenant and period is one
    assert other_rep["executiveSummary"]["id"] == now["executiveSummary"]["id"]
    for field in ("repDashboard", "managerDashboard", "executiveSummary"):
        found = (await node(tenant, now[field]["id"]))["data"]["node"]
        assert found["id"] == now[field]["id"]
    rep = (await node(tenant, now["repDashboard"]["id"]))["data"]["node"]
    assert rep["metrics"] == {"actions": 1} and rep["boardRep"] == "rep-1"


async def test_nodes_answers_each_id_in_order(tenant: Tenant) -> None:
    first = await record(tenant)
    second = await resolve(tenant, (await record(tenant))["id"], "NEGATIVE")
    ids = [first["id"], "nope", second["id"]]
    body = (
        await tenant.api.post(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Outcome { status } } }",
            {"ids": ids},
            tenant.token(Role.AGENT),
        )
    ).json()
    assert body["data"]["nodes"] == [
        {"id": first["id"], "status": "PENDING"},
        None,
        {"id": second["id"], "status": "NEGATIVE"},
    ]
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["nodes", 1], "NOT_FOUND")
    ]


def test_every_node_type_can_be_fetched_again() -> None:
    """A new type implementing Node needs a loader (resolvers/nodes.py) and a mapping
    (api/nodes.py); rows (UUID ids) are found by trying each table instead."""
    schema = graphql.build_schema(sdl())
    implementers = {t.name for t in schema.get_implementations(schema.get_type("Node")).objects}
    rows = {"Outcome", "FeedbackEntry", "Signal"}
    assert implementers == set(AS_NODE) == set(LOADERS) | rows


UNSTORABLE = ["a\x00b", "\ud800"]  # what no argument may hold (docs/operations/security.md)
EDGES = [("0001-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01")]
NOT_DATES = [("2026-01-01", "2026-13-01"), ("2026-01-02", "2026-01-01"), ("1-1-1", "x")]
ZONES = ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"]


def _hand_made(tenant: Tenant) -> list[str]:
    """Ids no server gave out, for every node type: a part no argument may hold (NUL, a
    lone surrogate), dates at the calendar's edges or no dates, zones that are none."""
    t, month = str(tenant.id), ("2026-01-01", "2026-01-31", "UTC")
    kinds = ("Team", "TeamMember", "Rep", "ActionType", "CalibrationCurve")
    ids = [encode(kind, part) for kind in kinds for part in UNSTORABLE]
    for kind, subject in (("RepDashboard", "rep-1"), ("ManagerDashboard", "team-1")):
        ids += [encode(kind, t, part, *month) for part in UNSTORABLE]
        ids += [encode(kind, t, subject, a, b, z) for a, b in EDGES + NOT_DATES for z in ZONES]
        ids += [encode(kind, t, subject, *month[:2], z) for z in [*UNSTORABLE, "Nowhere/Nope"]]
        ids += [encode(kind, part, subject, *month) for part in UNSTORABLE]
    ids += [encode("ExecutiveSummary", t, "", a, b, z) for a, b in EDGES + NOT_DATES for z in ZONES]
    ids += [encode("RepDashboard", t, "rep-1"), encode("Nothing"), encode("Team", "a", "b")]
    return ids


async def test_hand_made_ids_are_not_found_never_internal(tenant: Tenant) -> None:
    """A global id is input like any argument (docs/operations/security.md): whatever it
    decodes to, the answer is NOT_FOUND, never an internal or database error; ``nodes(ids:)``
    too."""
    ids = _hand_made(tenant)
    for node_id in ids:
        body = await node(tenant, node_id)
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        assert (body["data"]["node"], codes) == (None, ["NOT_FOUND"]), (node_id, body)
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }"
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        body = (await tenant.api.post(query, {"ids": chunk}, tenant.token(Role.ADMIN))).json()
        codes = [e["extensions"]["code"] for e in body["errors"]]
        assert (body["data"]["nodes"], codes) == ([None] * len(chunk), ["NOT_FOUND"] * len(chunk))
