"""feedbackEvents and calibrationUpdates: what each role receives."""

from __future__ import annotations

from hindsight.domain.enums import Role
from tests.api.factories import RATE, rate_outcome, record, signal
from tests.conftest import Tenant
from tests.live.client import GraphQLSocket

FEEDBACK_EVENTS = "subscription { feedbackEvents { id outcomeId reviewerId rating score } }"
CURVES = """subscription($type: String) { calibrationUpdates(actionType: $type) {
  actionType sampleCount multiplier adjustments { oldMultiplier newMultiplier } } }"""
RUN = "mutation($type: String) { runCalibration(actionType: $type) { multiplier } }"


async def test_a_rep_gets_feedback_on_their_outcomes_and_their_own(
    live: str, tenant: Tenant
) -> None:
    rep_token = tenant.token(Role.REP, sub="rep-a")
    async with (
        GraphQLSocket.open(live, rep_token) as rep,
        GraphQLSocket.open(live, tenant.token(Role.ANALYST)) as analyst,
    ):
        await rep.subscribe("1", FEEDBACK_EVENTS)
        await analyst.subscribe("1", FEEDBACK_EVENTS)
        theirs, mine = await record(tenant, repId="rep-b"), await record(tenant, repId="rep-a")
        hidden = await rate_outcome(tenant, theirs["id"])
        shown = await rate_outcome(tenant, mine["id"], rating=-1)
        event = (await rep.next("1"))["feedbackEvents"]
        assert (event["id"], event["outcomeId"], event["score"]) == (shown, mine["id"], 0.0)
        given = {"targetType": "MESSAGE", "targetId": "m-1", "source": "DASHBOARD", "rating": 5}
        data = await tenant.api.gql(RATE, {"i": given}, rep_token)
        event = (await rep.next("1"))["feedbackEvents"]
        assert event == {**event, "id": data["recordFeedback"]["id"], "reviewerId": "rep-a"}
        seen = [(await analyst.next("1"))["feedbackEvents"]["id"] for _ in range(3)]
        assert seen[:2] == [hidden, shown]


async def test_calibration_updates_follow_an_adjustment(live: str, tenant: Tenant) -> None:
    async with GraphQLSocket.open(live, tenant.token(Role.ANALYST)) as ws:
        await ws.subscribe("1", CURVES, {"type": "overconfident"})
        for _ in range(30):  # sure of itself, always wrong: the multiplier must come down
            await record(
                tenant, actionType="overconfident", predictedConfidence=0.9, conversationId="c"
            )
        await signal(tenant, "UNSUBSCRIBED", conversationId="c")  # all 30 NEGATIVE at once
        resolved = (await ws.next("1"))["calibrationUpdates"]  # the resolutions changed it
        assert resolved["sampleCount"] == 30 and resolved["adjustments"] == []
        await tenant.api.gql(RUN, {"type": "overconfident"}, tenant.token())
        curve = (await ws.next("1"))["calibrationUpdates"]
        assert curve["actionType"] == "overconfident" and curve["sampleCount"] == 30
        assert curve["multiplier"] < 1 and len(curve["adjustments"]) == 1


async def test_calibration_is_not_for_reps(live: str, tenant: Tenant) -> None:
    async with GraphQLSocket.open(live, tenant.token(Role.REP, sub="r")) as ws:
        await ws.subscribe("1", CURVES)
        message = await ws.message("1")
        assert message["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
