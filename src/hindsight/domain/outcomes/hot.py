"""``recordOutcome(s)`` on PostgreSQL at the driver's cost (``db/lean.py``): one statement.

The unit begins with the conversation and deal locks of ``resolution.meet`` (in the
``BEGIN`` message); ``RECORD`` then inserts the batch once per idempotency key, fills a
rep's team from the directory, adds the rollups, writes the RECORDED events to the outbox
and says which new outcome has a stored signal inside its window. Such an outcome must be
resolved as it is recorded (a late upload, or a signal that committed a moment before):
that batch, and one for a tenant this process has not registered yet, goes the general
way (``writes.record_outcomes``, the same rules on both databases). So does SQLite.

The same input, answer, rows, rollups and events as the general path; the suite runs
both (the general path on SQLite and for those batches).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from hindsight.db import lean
from hindsight.db.engine import Database
from hindsight.db.lean import RawUnit
from hindsight.db.models import OutcomeRecord
from hindsight.domain import events
from hindsight.domain.enums import CONVERSATION_KINDS, DEAL_KINDS, OutcomeEventKind
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.outcomes import resolution, rollups
from hindsight.domain.outcomes.rules import OutcomeRules
from hindsight.domain.outcomes.writes import NewOutcome, check_batch_size, row_or_error

INPUT = {  # RECORD's per-row arrays and their element types, from $4 on
    "id": "uuid",
    "action_type": "text",
    "outcome_type": "text",
    "predicted_confidence": "float8",
    "conversation_id": "text",
    "deal_id": "text",
    "rep_id": "text",
    "team_id": "text",
    "metadata": "text",
    "idempotency_key": "text",
    "created_at": "timestamptz",
    "window_ends_at": "timestamptz",
    "slot": "int",
    "event_id": "text",
}
COLUMNS = list(INPUT)
OUTCOME_FIELDS = [c.key for c in OutcomeRecord.__table__.columns if c.key != "metadata"]

RECORD = f"""
WITH input AS (
  SELECT * FROM unnest({", ".join(f"${n}::{t}[]" for n, t in enumerate(INPUT.values(), start=4))})
    WITH ORDINALITY AS i({", ".join(COLUMNS)}, n)
), inserted AS (
  INSERT INTO outcome_records (tenant_id, id, action_type, outcome_type, status,
    predicted_confidence, conversation_id, deal_id, rep_id, team_id, metadata,
    idempotency_key, created_at, recorded_at, window_ends_at)
  SELECT $1, i.id, i.action_type, i.outcome_type, 'PENDING', i.predicted_confidence,
    i.conversation_id, i.deal_id, i.rep_id,
    coalesce(i.team_id, (SELECT m.team_id FROM team_members m
                         WHERE m.tenant_id = $1 AND m.user_id = i.rep_id)),
    i.metadata::jsonb, i.idempotency_key, i.created_at, $2, i.window_ends_at
  FROM input i ORDER BY i.n
  ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
  RETURNING *
), fresh AS (
  SELECT o.*, i.slot, i.event_id, i.n FROM inserted o JOIN input i ON i.id = o.id
), rolled AS (
  INSERT INTO outcome_rollups AS r (tenant_id, day, rep_id, team_id, action_type,
    outcome_type, status, slot, count, sum_confidence)
  SELECT $1, k.day, k.rep_id, k.team_id, k.action_type, k.outcome_type, 'PENDING', k.slot,
    k.count, k.total
  FROM (
    SELECT (f.created_at AT TIME ZONE 'UTC')::date AS day, coalesce(f.rep_id, '') AS rep_id,
      coalesce(f.team_id, '') AS team_id, f.action_type, f.outcome_type, f.slot,
      count(*) AS count, sum(f.predicted_confidence) AS total
    FROM fresh f GROUP BY 1, 2, 3, 4, 5, 6
  ) k  -- in rollups.apply's key order, so writers lock rollup rows in one order
  ORDER BY k.day, k.rep_id COLLATE "C", k.team_id COLLATE "C", k.action_type COLLATE "C",
    k.outcome_type COLLATE "C", k.slot
  ON CONFLICT (tenant_id, day, rep_id, team_id, action_type, outcome_type, status, slot)
  DO UPDATE SET count = r.count + excluded.count,
    sum_confidence = r.sum_confidence + excluded.sum_confidence
), announced AS (
  INSERT INTO outbox (tenant_id, txid, topic, payload, created_at)
  SELECT $1, pg_current_xact_id()::text::bigint, '{events.OUTCOMES}',
    jsonb_build_object('id', f.event_id, 'kind', '{OutcomeEventKind.RECORDED.value}',
      'outcomeId', f.id::text, 'status', f.status, 'actionType', f.action_type,
      'repId', f.rep_id, 'teamId', f.team_id),
    $3
  FROM fresh f ORDER BY f.n
)
SELECT f.*, EXISTS (
  SELECT 1 FROM signals s
  WHERE s.tenant_id = $1 AND s.occurred_at BETWEEN f.created_at AND f.window_ends_at
    AND ((s.conversation_id = f.conversation_id
          AND s.kind = ANY('{{{",".join(sorted(CONVERSATION_KINDS))}}}'::text[]))
      OR (s.deal_id = f.deal_id AND s.kind = ANY('{{{",".join(sorted(DEAL_KINDS))}}}'::text[])))
) AS has_signals
FROM fresh f ORDER BY f.n
"""

EARLIER = """
SELECT * FROM outcome_records WHERE tenant_id = $1 AND idempotency_key = ANY($2::text[])
"""


class _NeedsResolution(Exception):
    """A new outcome has stored signals to meet: the general path records the batch."""


async def record_outcomes(
    db: Database,
    tenant_id: uuid.UUID,
    news: Sequence[NewOutcome],
    *,
    rules: OutcomeRules,
    now: dt.datetime,
) -> list[OutcomeRecord | ValidationFailed] | None:
    """``writes.record_outcomes`` in one statement, or ``None`` when this batch must take
    the general path (SQLite, a tenant new to this process, an outcome to resolve)."""
    check_batch_size(len(news))
    if db.dialect != "postgresql" or tenant_id not in db.known_tenants:
        return None
    results: list[Any] = [row_or_error(new, tenant_id, rules, now) for new in news]
    rows = [r for r in results if isinstance(r, dict)]
    if not rows:
        return results
    matches = [(c, row[c]) for row in rows for c in ("conversation_id", "deal_id")]
    try:
        stored = await db.run_raw(
            tenant_id,
            lambda unit: _insert(unit, rows, now),
            locks=resolution.lock_names(tenant_id, matches),
            custom_plans=len(rows) > 1,  # one prepared RECORD; a batch planned for its size
        )
    except _NeedsResolution:
        return None
    return [stored[r["id"]] if isinstance(r, dict) else r for r in results]


async def _insert(
    unit: RawUnit, rows: list[dict[str, Any]], now: dt.datetime
) -> dict[uuid.UUID, OutcomeRecord]:
    """Each row's stored outcome, keyed by the row's proposed id (a repeated idempotency
    key maps to its earlier winner)."""
    event_ids = [uuid.uuid4().hex for _ in rows]
    columns = [[row[c] for row in rows] for c in COLUMNS[:-2]]
    columns[COLUMNS.index("metadata")] = [_json(row["metadata"]) for row in rows]
    slots = [row["id"].int % rollups.SLOTS for row in rows]
    wall = dt.datetime.now(dt.UTC)  # the outbox's clock, as ``outbox.record``'s
    found = await unit.fetch(RECORD, unit.tenant_id, now, wall, *columns, slots, event_ids)
    if any(record["has_signals"] for record in found):
        raise _NeedsResolution
    inserted = {record["id"]: _outcome(record) for record in found}
    for record in found:
        payload = resolution.outcome_event(inserted[record["id"]], OutcomeEventKind.RECORDED)
        unit.announced.append(events.Event(events.OUTCOMES, payload, record["event_id"]))
    return await _with_earlier(unit, rows, inserted)


async def _with_earlier(
    unit: RawUnit, rows: list[dict[str, Any]], inserted: dict[uuid.UUID, OutcomeRecord]
) -> dict[uuid.UUID, OutcomeRecord]:
    """The winners of keys already taken: by an earlier call (committed, so this
    statement's snapshot sees them) or earlier in this batch."""
    by_key = {o.idempotency_key: o for o in inserted.values() if o.idempotency_key}
    missing = {r["idempotency_key"] for r in rows if r["id"] not in inserted} - by_key.keys()
    if missing:
        found = await unit.fetch(EARLIER, unit.tenant_id, sorted(missing))
        by_key |= {record["idempotency_key"]: _outcome(record) for record in found}
    return {r["id"]: inserted.get(r["id"]) or by_key[r["idempotency_key"]] for r in rows}


def _outcome(record: asyncpg.Record) -> OutcomeRecord:
    """A detached ``OutcomeRecord`` (built as the ORM loads one, not through its constructor,
    which costs a tenth of a batch's time)."""
    values = {name: record[name] for name in OUTCOME_FIELDS}
    values["meta"] = _parsed(record["metadata"])
    return lean.detached(OutcomeRecord, values)


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value)


def _parsed(value: Any) -> Any:
    """A jsonb value as SQLAlchemy's asyncpg codec hands it over (text), parsed."""
    return json.loads(value) if isinstance(value, str) else value
