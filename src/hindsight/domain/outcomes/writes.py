"""Recording outcomes, one or a batch: set-based, so a batch costs a few statements.

``record_outcomes`` is the one write path: ``recordOutcome`` is a batch of one, and the
``recordOutcomes`` mutation, the demo and history imports call it with up to
``MAX_BATCH`` items. Each item is validated on its own (its ``ValidationFailed`` is its
result); the valid items are inserted by one statement, their rollups by one upsert, and
commit together with the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import RowMapping, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import OutcomeRecord, TeamMember
from hindsight.domain import events, tenants, validation
from hindsight.domain.enums import OutcomeEventKind, OutcomeStatus, OutcomeType
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.outcomes import once, resolution, rollups
from hindsight.domain.outcomes.rules import OUTCOME_TYPES, OutcomeRules

MAX_BATCH = 500
OUTCOMES = cast(Table, OutcomeRecord.__table__)  # the declarative class's Core table


@dataclass(frozen=True)
class NewOutcome:
    action_type: str
    outcome_type: OutcomeType
    predicted_confidence: float
    conversation_id: str
    deal_id: str | None = None
    rep_id: str | None = None
    team_id: str | None = None
    metadata: dict[str, Any] | None = None
    idempotency_key: str | None = None
    occurred_at: dt.datetime | None = None


def validated(new: NewOutcome, rules: OutcomeRules, now: dt.datetime) -> dict[str, Any]:
    """The row values of one input, or ``ValidationFailed`` naming the field."""
    values = {
        "action_type": validation.action_type(new.action_type),
        "outcome_type": OutcomeType(new.outcome_type).value,
        "predicted_confidence": validation.probability(
            new.predicted_confidence, "predictedConfidence"
        ),
        "conversation_id": validation.identifier(
            new.conversation_id, "conversationId", required=True
        ),
        "deal_id": validation.identifier(new.deal_id, "dealId"),
        "rep_id": validation.identifier(new.rep_id, "repId"),
        "team_id": validation.identifier(new.team_id, "teamId"),
        "metadata": validation.json_object(new.metadata, "metadata"),
        "idempotency_key": validation.identifier(new.idempotency_key, "idempotencyKey"),
        "created_at": validation.past_time(
            new.occurred_at,
            "occurredAt",
            now=now,
            skew=rules.clock_skew,
            oldest=rules.longest_window,
        ),
    }
    outcome_type = OutcomeType(new.outcome_type)
    if OUTCOME_TYPES[outcome_type].by_deal and not values["deal_id"]:
        raise ValidationFailed("dealId", f"is required for {outcome_type.value} outcomes")
    return values


def check_batch_size(count: int, field: str = "inputs") -> None:
    if count > MAX_BATCH:
        raise ValidationFailed(field, f"at most {MAX_BATCH} items per call, got {count}")


async def record_outcome(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    new: NewOutcome,
    *,
    rules: OutcomeRules,
    now: dt.datetime,
) -> OutcomeRecord:
    """One outcome (a batch of one); raises its ``ValidationFailed``."""
    [result] = await record_outcomes(session, tenant_id, [new], rules=rules, now=now)
    if isinstance(result, ValidationFailed):
        raise result
    return result


async def record_outcomes(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    news: Sequence[NewOutcome],
    *,
    rules: OutcomeRules,
    now: dt.datetime,
) -> list[OutcomeRecord | ValidationFailed]:
    """Store agent actions; one result per input, in order.

    The same idempotency key always returns the first record (also twice in one batch).
    Each new outcome is at once resolved by the signals already stored inside its window (a
    late upload's past ones, or one that committed a moment before), and answered as
    resolved; window-end rules wait for the scheduled jobs.
    """
    check_batch_size(len(news))
    results: list[Any] = [row_or_error(new, tenant_id, rules, now) for new in news]
    rows = [r for r in results if isinstance(r, dict)]
    if not rows:
        return results
    await resolution.meet(session, tenant_id, _matches(rows))
    await fill_teams(session, tenant_id, rows)
    await tenants.register(session, tenant_id, now)
    stored = await _insert_once(session, tenant_id, rows)
    # not an earlier call's (or item's) record
    fresh = [stored[row["id"]] for row in rows if stored[row["id"]].id == row["id"]]
    await _announce(session, tenant_id, fresh)
    # Signals stored earlier inside a window: a late upload's past, or one that committed
    # just before this outcome (``meet`` made it visible).
    resolved = await resolution.evaluate(session, tenant_id, fresh, rules=rules, now=now)
    current = {o.id: o for o in resolved}
    answers = {key: current.get(o.id, o) for key, o in stored.items()}
    return [answers[r["id"]] if isinstance(r, dict) else r for r in results]


def _matches(rows: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """What each row can be resolved by: its conversation and its deal."""
    return [(column, row[column]) for row in rows for column in ("conversation_id", "deal_id")]


def row_or_error(
    new: NewOutcome, tenant_id: uuid.UUID, rules: OutcomeRules, now: dt.datetime
) -> dict[str, Any] | ValidationFailed:
    try:
        values = validated(new, rules, now)
    except ValidationFailed as error:
        return error
    window = rules.windows[OutcomeType(values["outcome_type"])]
    return {
        "tenant_id": tenant_id,
        "id": uuid.uuid4(),
        "status": OutcomeStatus.PENDING.value,
        "recorded_at": now,
        "window_ends_at": values["created_at"] + window,
        **values,
    }


async def fill_teams(
    session: AsyncSession, tenant_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    """A rep's team from the directory when the input names none (one query per batch; also
    for imported history)."""
    reps = {row["rep_id"] for row in rows if row["rep_id"] and not row["team_id"]}
    if not reps:
        return
    found = await session.execute(
        select(TeamMember.user_id, TeamMember.team_id).where(
            TeamMember.tenant_id == tenant_id, TeamMember.user_id.in_(sorted(reps))
        )
    )
    teams = {user: team for user, team in found}
    for row in rows:
        if row["rep_id"] and not row["team_id"]:
            row["team_id"] = teams.get(row["rep_id"])


async def _insert_once(
    session: AsyncSession, tenant_id: uuid.UUID, rows: list[dict[str, Any]]
) -> dict[uuid.UUID, OutcomeRecord]:
    """Each row's stored outcome (a repeated idempotency key maps to the earlier winner),
    keyed by the row's proposed id."""
    stored = await once.insert_once(session, OUTCOMES, tenant_id, rows)
    return {key: _record(row) for key, row in stored.items()}


def _record(row: RowMapping) -> OutcomeRecord:
    """A plain (session-less) ``OutcomeRecord`` from a Core row."""
    values = dict(row)
    values["meta"] = values.pop("metadata")
    return OutcomeRecord(**values)


async def _announce(
    session: AsyncSession, tenant_id: uuid.UUID, fresh: list[OutcomeRecord]
) -> None:
    """Rollups (one upsert) and one RECORDED event per new outcome."""
    status = OutcomeStatus.PENDING.value
    deltas = [(rollups.key_of(o, status), 1, o.predicted_confidence) for o in fresh]
    await rollups.apply(session, tenant_id, deltas)
    for outcome in fresh:
        event = resolution.outcome_event(outcome, OutcomeEventKind.RECORDED)
        events.emit(session, events.OUTCOMES, event)
