"""The client's GraphQL documents and inputs against the server's schema.graphql: a schema
change that breaks the client (a renamed field, a new required input) fails here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from graphql import (
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from hindsight_client import documents, records

SDL = Path(__file__).parents[2] / "schema.graphql"
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(SDL.read_text())


@pytest.mark.parametrize(
    "document", [documents.RECORD_OUTCOMES, documents.RECORD_SIGNALS, documents.MULTIPLIER]
)
def test_every_document_is_valid_against_the_schema(schema: GraphQLSchema, document: str) -> None:
    assert validate(schema, parse(document)) == []


def every_field() -> list[tuple[str, records.Record]]:
    """Records with every argument given, so every input field the client sends is checked."""
    outcome = records.outcome(
        action_type="send_follow_up",
        outcome_type="DEAL_PROGRESSION",
        predicted_confidence=0.5,
        conversation_id="c",
        deal_id="d",
        rep_id="r",
        team_id="t",
        metadata={"trigger": "pricing"},
        occurred_at=WHEN,
        idempotency_key="k",
    )
    signal = records.signal(
        kind="DEAL_STAGE_CHANGED",
        conversation_id="c",
        deal_id="d",
        occurred_at=WHEN,
        from_stage="DISCOVERY",
        to_stage="PROPOSAL",
        helpful=True,
        payload={"source": "crm"},
        idempotency_key="k",
    )
    return [(documents.RECORD_OUTCOMES, outcome), (documents.RECORD_SIGNALS, signal)]


@pytest.mark.parametrize(("document", "record"), every_field())
def test_the_inputs_the_client_builds_are_accepted_by_the_schema(
    schema: GraphQLSchema, document: str, record: records.Record
) -> None:
    [operation] = parse(document).definitions
    assert isinstance(operation, OperationDefinitionNode)
    values = get_variable_values(
        schema, operation.variable_definitions or (), {"inputs": [record.input]}
    )
    assert not isinstance(values, list), values  # the GraphQLErrors of a refused input
    assert set(values.coerced["inputs"][0]) == set(record.input)
