"""The lean hot paths on PostgreSQL (``db/lean.py``, ``domain/outcomes/hot.py``) write and
answer exactly what the general path does: the same rows, rollups and events, idempotency
and directory lookups included; a batch with something to resolve takes the general path;
``LeanSession`` reads what an ``AsyncSession`` reads."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import uuid
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import outbox
from hindsight.db.models import OutcomeRecord, OutcomeRollup
from hindsight.domain.enums import Role
from hindsight.domain.outcomes import hot
from tests.api.factories import outcome_input, record, signal
from tests.api.test_batches import RECORD_MANY
from tests.api.test_dashboards import team
from tests.conftest import Tenant, sql_statements
from tests.db.test_outbox import logged

KEPT = ("action_type", "outcome_type", "status", "predicted_confidence", "conversation_id",
        "deal_id", "rep_id", "team_id", "meta", "idempotency_key", "created_at")  # fmt: skip


@pytest.fixture
def postgres(tenant: Tenant) -> Tenant:
    if tenant.api.services.db.dialect != "postgresql":
        pytest.skip("the lean paths are PostgreSQL's; SQLite runs the general path")
    return tenant


def batch(when: dt.datetime) -> list[dict[str, Any]]:
    at = when.isoformat()
    return [
        outcome_input(conversationId="a", repId="rep-in-team", occurredAt=at),
        outcome_input(conversationId="b", idempotencyKey="k1", metadata={"n": 1}, occurredAt=at),
        outcome_input(conversationId="c", idempotencyKey="k1", occurredAt=at),  # k1's again
        outcome_input(
            conversationId="d",
            outcomeType="DEAL_PROGRESSION",
            dealId="deal-1",
            repId="rep-alone",
            teamId="t-given",
            occurredAt=at,
        ),
        outcome_input(conversationId="e", predictedConfidence=1.5),  # invalid: its error
    ]


async def stored(tenant: Tenant) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The tenant's outcome rows (what the input decides) and rollups, in a stable order."""

    async def read(session: AsyncSession) -> Any:
        rows = await session.scalars(
            select(OutcomeRecord).where(OutcomeRecord.tenant_id == tenant.id)
        )
        rollups = await session.scalars(
            select(OutcomeRollup).where(OutcomeRollup.tenant_id == tenant.id)
        )
        outcomes = sorted(tuple(getattr(o, k) for k in KEPT) for o in rows)
        keys = ("day", "rep_id", "team_id", "action_type", "outcome_type", "status", "count")
        return outcomes, sorted(tuple(getattr(r, k) for k in keys) for r in rollups)

    return await tenant.api.services.db.run(tenant.id, read, readonly=True)


async def test_the_hot_batch_writes_what_the_general_path_writes(postgres: Tenant) -> None:
    general = Tenant(uuid.uuid4(), postgres.api)
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    answers = {}
    for tenant in (postgres, general):
        await team(tenant, "t-1", "rep-in-team")
        await record(tenant, conversationId="warm-up")  # the tenant is known from here on
        token = tenant.token(Role.AGENT)
        if tenant is general:  # the same inputs through the general path
            tenant.api.services.db.known_tenants.discard(tenant.id)
        with sql_statements(tenant.api) as sent:
            data = await tenant.api.gql(RECORD_MANY, {"inputs": batch(when)}, token)
        went_hot = hot.RECORD in sent
        assert went_hot == (tenant is postgres)
        answers[tenant.id] = [_shape(a) for a in data["recordOutcomes"]]
    assert answers[postgres.id] == answers[general.id]
    assert answers[postgres.id][2] == answers[postgres.id][1]  # k1 answers its first record
    assert answers[postgres.id][0]["teamId"] == "t-1"  # from the directory
    assert answers[postgres.id][4] == {"field": "predictedConfidence"}
    assert await stored(postgres) == await stored(general)
    lean_events, plain_events = await logged(postgres, 4), await logged(general, 4)
    assert [_event(e) for e in lean_events] == [_event(e) for e in plain_events]


def _shape(answer: dict[str, Any]) -> dict[str, Any]:
    if answer["__typename"] == "ValidationError":
        return {"field": answer["field"]}
    return {k: v for k, v in answer.items() if k not in ("id", "recordedAt")}


def _event(entry: outbox.Entry) -> dict[str, Any]:
    return {k: v for k, v in entry.message.items() if k not in ("id", "outcomeId")}


async def test_a_late_upload_with_a_stored_signal_is_resolved_as_it_is_recorded(
    postgres: Tenant,
) -> None:
    await record(postgres, conversationId="warm-up")
    before = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    await signal(postgres, "CUSTOMER_REPLIED", conversationId="late", occurredAt=before)
    answer = await record(
        postgres, conversationId="late", occurredAt=(before - dt.timedelta(hours=1)).isoformat()
    )
    assert answer["status"] == "POSITIVE" and answer["resolvedAt"]


async def test_a_lean_session_reads_what_a_session_reads(postgres: Tenant) -> None:
    first = await record(postgres, conversationId="x", repId="r1", metadata={"a": [1, 2]})
    await record(postgres, conversationId="y", outcomeType="DEAL_PROGRESSION", dealId="d")
    db, tenant_id = postgres.api.services.db, postgres.id

    async def read(session: AsyncSession) -> Any:
        entities = await session.scalars(
            select(OutcomeRecord)
            .where(OutcomeRecord.conversation_id.in_(["x", "y"]))
            .order_by(OutcomeRecord.conversation_id)
        )
        columns = (await session.execute(select(OutcomeRecord.id, OutcomeRecord.meta))).all()
        textual = (await session.execute(text("SELECT current_setting('app.tenant_id')"))).one()
        return (
            [tuple(getattr(o, k) for k in (*KEPT, "id")) for o in entities],
            sorted((str(i), m) for i, m in columns),
            tuple(textual),
        )

    lean, general = (
        await db.lean(tenant_id, read, readonly=True),
        await db.run(tenant_id, read, readonly=True),
    )
    assert lean == general
    assert lean[2] == (str(tenant_id),)  # the unit ran scoped to the tenant (RLS)
    assert (first["id"], {"a": [1, 2]}) in lean[1]


FIRST_WRITE = """
import asyncio, datetime as dt, sys, uuid
from hindsight.db.engine import Database, create_engine
from hindsight.domain.outcomes import NewOutcome, OutcomeRules, hot
from hindsight.settings import Settings

async def main() -> None:
    db, tenant = Database(create_engine(sys.argv[1], role="hindsight_app")), uuid.UUID(sys.argv[2])
    db.known_tenants.add(tenant)  # registered by the parent: this write goes the hot way
    new = NewOutcome("send_follow_up", "IMMEDIATE_RESPONSE", 0.7, "second")
    rules = OutcomeRules.from_settings(Settings(jwt_secret="x" * 40))
    [row] = await hot.record_outcomes(db, tenant, [new], rules=rules, now=dt.datetime.now(dt.UTC))
    print(row.conversation_id, row.status)
    await db.dispose()

asyncio.run(main())
"""


async def test_a_process_s_first_write_may_be_a_hot_one(postgres: Tenant) -> None:
    """Mapped classes are configured on first use; a hot write, which builds its records
    without the ORM's help, can be the first."""
    await record(postgres, conversationId="first")
    url = postgres.api.services.settings.database_url
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", FIRST_WRITE, url, str(postgres.id)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "second PENDING"
