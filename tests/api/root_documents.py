"""A document for any root field, built from the schema's own description, and the tenant
the authorization matrix runs it on (a directory, rep-1's outcome on team-a and rep-1's
feedback on it).

A new root field is tried by every viewer without more work here, as long as its required
arguments have examples (``SCALARS`` / ``INPUTS``); a missing one fails with its name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

from hindsight.api.build import build_schema
from hindsight.domain.enums import Role
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
        assert named.name in INPUTS, f"add an example {named.name} to tests/api/root_documents.py"
        value = INPUTS[named.name](world)
    else:
        key = (field, name) if (field, name) in SCALARS else name
        assert key in SCALARS, f"add an example for {field}({name}:) to tests/api/root_documents.py"
        value = SCALARS[key](world)
    inner = arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type
    return [value] if isinstance(inner, GraphQLList) else value


def document(name: str, world: World, *operations: str) -> tuple[str, dict[str, Any]]:
    """A document using root field ``name`` of ``operations`` (default any; a name may be
    both a query and a subscription, e.g. driftAlerts) with its required arguments, and its
    variables."""
    operation, field = root_fields(*operations)[name]
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
