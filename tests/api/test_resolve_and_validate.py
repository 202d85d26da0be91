"""Explicit resolution, and bad signal input: a precise error and nothing written."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from hindsight.api.build import build_schema
from hindsight.db.models import Signal
from hindsight.domain.enums import Role
from hindsight.schema.deprecations import going
from hindsight.settings import Settings
from tests.api import documents
from tests.api.factories import read, record, resolve, signal
from tests.conftest import Tenant


async def test_explicit_resolution_and_no_silent_overwrite(tenant: Tenant) -> None:
    created = await record(tenant)
    done = await resolve(tenant, created["id"], "AMBIGUOUS", "customer asked to wait")
    assert (done["status"], done["resolutionReason"]) == ("AMBIGUOUS", "customer asked to wait")
    again = await resolve(tenant, created["id"], "POSITIVE")
    assert again == {
        "__typename": "ValidationError",
        "field": "outcomeId",
        "message": "outcome is already resolved as AMBIGUOUS",
    }
    assert (await read(tenant, created["id"]))["status"] == "AMBIGUOUS"


@pytest.mark.parametrize("status", ["PENDING", "EXPIRED"])
async def test_only_decisions_can_be_set_explicitly(tenant: Tenant, status: str) -> None:
    created = await record(tenant)
    result = await resolve(tenant, created["id"], status)
    assert result["__typename"] == "ValidationError" and result["field"] == "status"


async def test_unknown_outcome_is_not_found(tenant: Tenant) -> None:
    missing = str(uuid.uuid4())
    result = await resolve(tenant, missing, "POSITIVE")
    assert result == {
        "__typename": "NotFoundError",
        "requestedId": missing,
        "message": "no outcome with this id",
    }


def test_not_found_error_id_is_deprecated_for_requested_id() -> None:
    """A Relay store keyed by ``id`` would merge the error with the real node: the field is
    ``requestedId``; ``id`` stays, deprecated with when it goes."""
    not_found = build_schema(Settings())._schema.type_map["NotFoundError"]
    fields = not_found.fields  # type: ignore[attr-defined]
    assert fields["id"].deprecation_reason == going("Use requestedId.")
    assert fields["requestedId"].deprecation_reason is None


async def _signal_count(tenant: Tenant) -> int:
    async with tenant.api.services.db.session(tenant.id) as session:
        stmt = select(func.count()).select_from(Signal).where(Signal.tenant_id == tenant.id)
        return int(await session.scalar(stmt) or 0)


BAD_SIGNALS = [
    ({"kind": "DEAL_STAGE_CHANGED", "dealId": "d1", "toStage": "DEMO"}, "fromStage"),
    (
        {"kind": "DEAL_STAGE_CHANGED", "dealId": "d1", "fromStage": "DEMO", "toStage": "MOON"},
        "toStage",
    ),
    ({"kind": "DEAL_WON"}, "dealId"),
    ({"kind": "CUSTOMER_REPLIED"}, "conversationId"),
    ({"kind": "CUSTOMER_REPLIED", "dealId": "d1"}, "conversationId"),
    ({"kind": "ESCALATION_RESOLVED", "conversationId": "c1"}, "helpful"),
    ({"kind": "CUSTOMER_REPLIED", "conversationId": "c1", "payload": [1]}, "payload"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_SIGNALS)
async def test_bad_signals_write_nothing(
    tenant: Tenant, fields: dict[str, Any], field: str
) -> None:
    await record(tenant, conversationId="c1", outcomeType="ESCALATION")
    result = await signal(tenant, **fields)
    assert result["__typename"] == "ValidationError" and result["field"] == field
    assert await _signal_count(tenant) == 0


async def test_signal_from_the_future_is_refused(tenant: Tenant) -> None:
    created = await record(tenant, conversationId="c-future")
    when = tenant.api.clock.now + dt.timedelta(minutes=6)
    result = await signal(tenant, "CUSTOMER_REPLIED", conversationId="c-future", occurredAt=when)
    assert result["field"] == "occurredAt"
    assert await _signal_count(tenant) == 0
    assert (await read(tenant, created["id"]))["status"] == "PENDING"


async def test_unknown_signal_kind_is_a_schema_error(tenant: Tenant) -> None:
    error = await tenant.api.error(
        documents.SIGNAL,
        {"input": {"kind": "CUSTOMER_WAVED", "conversationId": "c"}},
        tenant.token(Role.AGENT),
    )
    assert "SignalKind" in error["message"]
    assert await _signal_count(tenant) == 0


async def test_run_detection_is_admin_only(tenant: Tenant) -> None:
    error = await tenant.api.error(documents.DETECT, token=tenant.token(Role.AGENT))
    assert error["extensions"]["code"] == "FORBIDDEN"
