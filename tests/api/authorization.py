"""The authorization matrix's parts: DESIGN §8 written out by role (on purpose not read from
``domain/access.py``, which it checks), the viewers that try every root field, a tenant to
try them on, and a document for any root field built from the schema's own description.

A new root field is tried by every viewer without more work here, as long as its required
arguments have examples (``SCALARS`` / ``INPUTS``); a missing one fails with its name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    is_required_argument,
)

from hindsight.domain import access
from hindsight.domain.enums import Role
from hindsight.schema.build import build_schema
from hindsight.settings import Settings
from tests.api.factories import record
from tests.conftest import Tenant

SCHEMA: GraphQLSchema = build_schema(Settings())._schema
OPERATIONS = {"query": SCHEMA.query_type, "mutation": SCHEMA.mutation_type}
if SCHEMA.subscription_type is not None:
    OPERATIONS["subscription"] = SCHEMA.subscription_type


def root_fields(*operations: str) -> dict[str, tuple[str, GraphQLField]]:
    """Every root field of the built schema: name → (operation, field)."""
    found = {}
    for operation in operations or tuple(OPERATIONS):
        root = OPERATIONS[operation]
        assert root is not None
        found.update({name: (operation, field) for name, field in root.fields.items()})
    return found


# Step 13: nodes answer by their type's rule; pickers list what outcomes (or feedback) reach.
FRONTEND = {"node", "nodes", "teams", "team", "reps", "actionTypes", "escalationTriggers"}
# DESIGN §8, role by role. ADMIN: "all of the above" and the directory, calibration runs
# and detection runs, so ADMIN may use every root field there is.
AGENT = {
    "viewer",
    "outcome",
    "outcomes",
    "outcomeEvents",
    "recordOutcome",
    "recordOutcomes",
    "recordSignal",
    "recordSignals",
    "resolveOutcome",
    "calibratedConfidence",
    "shouldRequestFeedback",  # the agent asks before prompting a person
    *FRONTEND,
}
REP = {
    "viewer",
    "outcome",
    "outcomes",
    "outcomeEvents",
    "feedback",
    "feedbackForConversation",
    "feedbackSummary",
    "feedbackEvents",
    "shouldRequestFeedback",
    "recordFeedback",
    "repDashboard",
    "dashboardUpdates",
    "feedbackEntries",
    "feedbackTags",
    *FRONTEND,
}
COACHING = {"coachingPatterns", "escalationPatterns", "topPerformingActions", "improvementAreas"}
CALIBRATION = {
    "calibrationCurve",
    "calibrationCurves",
    "calibrationUpdates",
    "calibratedConfidence",
}
MANAGER = REP | {"managerDashboard"} | COACHING | CALIBRATION
READ_ALL = MANAGER | {"executiveSummary"}


def section_8(role: Role, field: str) -> bool:
    """May ``role`` use the root field ``field`` at all, per DESIGN §8?"""
    if role == Role.ADMIN:
        return True
    allowed = {
        Role.AGENT: AGENT,
        Role.REP: REP,
        Role.MANAGER: MANAGER,
        Role.EXECUTIVE: READ_ALL,
        Role.ANALYST: READ_ALL,
    }
    return field in allowed[role]


# A viewer within the role but outside the reach of the tenant's rep-1/team-a rows:
# ids they may not see are NOT_FOUND, reps and teams they may not see FORBIDDEN.
OUT_OF_REACH = {
    "outcome": "NOT_FOUND",
    "node": "NOT_FOUND",
    "nodes": "NOT_FOUND",
    "team": "NOT_FOUND",
    "feedback": "NOT_FOUND",
    "recordFeedback": "NOT_FOUND",
    "repDashboard": "FORBIDDEN",
    "managerDashboard": "FORBIDDEN",
    "shouldRequestFeedback": "FORBIDDEN",
    "dashboardUpdates": "FORBIDDEN",
}
# A viewer of another tenant: every id of this tenant is simply not there.
OTHER_TENANT = {
    "outcome": "NOT_FOUND",
    "node": "NOT_FOUND",
    "nodes": "NOT_FOUND",
    "team": "NOT_FOUND",
    "feedback": "NOT_FOUND",
    "recordFeedback": "NOT_FOUND",
    "resolveOutcome": "NOT_FOUND",
}


@dataclass(frozen=True)
class Who:
    label: str
    role: Role
    sub: str
    team: str | None = None
    kind: str = "within"  # within reach | stranger (same tenant) | outsider (other tenant)

    def expected(self, field: str) -> str:
        if not section_8(self.role, field):
            return "FORBIDDEN"
        codes: dict[str, str] = {}
        if self.kind == "outsider":
            codes |= OTHER_TENANT
        if self.kind != "within" and self.role in (Role.REP, Role.MANAGER):
            codes |= OUT_OF_REACH
        return codes.get(field, "OK")

    def token(self, tenant: Tenant) -> str:
        if self.kind == "outsider":
            return tenant.api.token(OUTSIDE, self.role, self.sub, self.team)
        return tenant.token(self.role, self.sub, self.team)


OUTSIDE = uuid.uuid4()  # a tenant with nothing in it
WITHIN = [
    Who("AGENT", Role.AGENT, "agent-1"),
    Who("REP rep-1", Role.REP, "rep-1"),
    Who("MANAGER team-a (claim)", Role.MANAGER, "mgr-a", "team-a"),
    Who("MANAGER team-a (team_members row)", Role.MANAGER, "mgr-a"),
    Who("EXECUTIVE", Role.EXECUTIVE, "exec-1"),
    Who("ANALYST", Role.ANALYST, "ann"),
    Who("ADMIN", Role.ADMIN, "admin-1"),
]
STRANGERS = [
    Who("REP rep-2", Role.REP, "rep-2", kind="stranger"),
    Who("MANAGER team-b (claim)", Role.MANAGER, "mgr-b", "team-b", kind="stranger"),
    Who("MANAGER team-b (team_members row)", Role.MANAGER, "mgr-b", kind="stranger"),
]
OUTSIDERS = [
    Who(f"{role} of another tenant", role, f"{role.lower()}-x", "team-x", kind="outsider")
    for role in Role
]
DIRECTORY = [
    ("rep-1", "team-a", "REP"),
    ("mgr-a", "team-a", "MANAGER"),
    ("rep-2", "team-b", "REP"),
    ("mgr-b", "team-b", "MANAGER"),
]
SET_MEMBER = """mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { userId } }"""
RATE = """mutation($i: RecordFeedbackInput!) {
  recordFeedback(input: $i) { __typename ... on FeedbackEntry { id } } }"""


@dataclass(frozen=True)
class World:
    """One tenant: the directory, rep-1's outcome (team-a) and rep-1's feedback on it."""

    tenant: Tenant
    outcome_id: str
    feedback_id: str


async def build_world(tenant: Tenant) -> World:
    admin = tenant.token(Role.ADMIN)
    for user, team, role in DIRECTORY:
        member = {"userId": user, "teamId": team, "role": role}
        await tenant.api.gql(SET_MEMBER, {"i": member}, admin)
    outcome = await record(tenant, repId="rep-1", teamId="team-a", conversationId="conv-1")
    rating = feedback_input(outcome["id"])
    given = await tenant.api.gql(RATE, {"i": rating}, tenant.token(Role.REP, "rep-1"))
    return World(tenant, outcome["id"], given["recordFeedback"]["id"])


def feedback_input(outcome_id: str) -> dict[str, Any]:
    return {
        "targetType": "OUTCOME",
        "targetId": outcome_id,
        "outcomeId": outcome_id,
        "source": "INLINE",
        "rating": 1,
    }


def outcome_input() -> dict[str, Any]:
    return {
        "actionType": "send_follow_up",
        "outcomeType": "IMMEDIATE_RESPONSE",
        "predictedConfidence": 0.6,
        "conversationId": "conv-2",
        "repId": "rep-1",
        "teamId": "team-a",
    }


Example = Callable[[World], Any]
# Required arguments: by (field, argument), else by argument name.
SCALARS: dict[tuple[str, str] | str, Example] = {
    ("feedback", "id"): lambda w: w.feedback_id,
    "id": lambda w: w.outcome_id,
    "ids": lambda w: w.outcome_id,  # a list argument: the example is its one item
    "repId": lambda w: "rep-1",
    "teamId": lambda w: "team-a",
    "reviewerId": lambda w: "rep-1",
    "actionType": lambda w: "send_follow_up",
    "confidence": lambda w: 0.5,
    "conversationId": lambda w: "conv-1",
}
INPUTS: dict[str, Example] = {
    "RecordOutcomeInput": lambda w: outcome_input(),
    "ResolveOutcomeInput": lambda w: {"outcomeId": w.outcome_id, "status": "POSITIVE"},
    "RecordSignalInput": lambda w: {"kind": "CUSTOMER_REPLIED", "conversationId": "conv-9"},
    "RecordFeedbackInput": lambda w: feedback_input(w.outcome_id),
    "TeamMemberInput": lambda w: {"userId": "rep-9", "teamId": "team-z", "role": "REP"},
    "DashboardScopeInput": lambda w: {"repId": "rep-1"},
    "ImportOutcomeInput": lambda w: imported(w),
}


def imported(world: World) -> dict[str, Any]:
    now = world.tenant.api.clock.now
    return {
        "outcome": {**outcome_input(), "occurredAt": (now - dt.timedelta(hours=2)).isoformat()},
        "status": "POSITIVE",
        "resolvedAt": (now - dt.timedelta(hours=1)).isoformat(),
    }


def example(field: str, name: str, arg: GraphQLArgument, world: World) -> Any:
    named = get_named_type(arg.type)
    if isinstance(named, GraphQLInputObjectType):
        assert named.name in INPUTS, f"add an example {named.name} to tests/api/authorization.py"
        value = INPUTS[named.name](world)
    else:
        key = (field, name) if (field, name) in SCALARS else name
        assert key in SCALARS, f"add an example for {field}({name}:) to tests/api/authorization.py"
        value = SCALARS[key](world)
    inner = arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type
    return [value] if isinstance(inner, GraphQLList) else value


def document(name: str, world: World) -> tuple[str, dict[str, Any]]:
    """A document using root field ``name`` with its required arguments, and its variables."""
    operation, field = root_fields()[name]
    required = {a: arg for a, arg in field.args.items() if is_required_argument(arg)}
    params = ", ".join(f"${a}: {arg.type}" for a, arg in required.items())
    call = ", ".join(f"{a}: ${a}" for a in required)
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    text = f"{operation}{f'({params})' if params else ''} {{ {name}"
    text += f"{f'({call})' if call else ''}{selection} }}"
    return text, {a: example(name, a, arg, world) for a, arg in required.items()}


def decision(name: str, body: dict[str, Any]) -> str:
    """What the server decided: OK, or the code of its first error (a NotFoundError union
    member counts as NOT_FOUND)."""
    if body.get("errors"):
        return str(body["errors"][0].get("extensions", {}).get("code", body["errors"]))
    value = (body.get("data") or {}).get(name)
    if isinstance(value, dict) and value.get("__typename") == "NotFoundError":
        return "NOT_FOUND"
    return "OK"


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fields the server asked ``access.grant`` about (a spy; the table still decides)."""
    fields: list[str] = []
    grant = access.grant

    def spy(viewer: access.Viewer, field: str) -> access.Grant:
        fields.append(field)
        return grant(viewer, field)

    monkeypatch.setattr(access, "grant", spy)
    return fields
