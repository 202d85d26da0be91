"""The tables of docs/design.md (Data). Every primary key and index starts with ``tenant_id``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.naming import conv

from hindsight.db.base import Base, PortableJSON, UTCDateTime

TENANT_TABLES = (
    "outcome_records",
    "signals",
    "feedback_entries",
    "calibration_bins",
    "calibration_states",
    "calibration_adjustments",
    "team_members",
    "outcome_rollups",
    "drift_monitors",
    "drift_alerts",
    "outbox",
)


class Tenant(Base):
    """Registry of known tenants so scheduled jobs can visit each under its own RLS scope."""

    __tablename__ = "tenants"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


UNFED = "drift_fed_at IS NULL AND status IN ('POSITIVE', 'NEGATIVE')"


class OutcomeRecord(Base):
    __tablename__ = "outcome_records"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        Index(None, "tenant_id", "created_at", "id"),
        Index(None, "tenant_id", "status", "window_ends_at"),
        Index(None, "tenant_id", "conversation_id", "status"),
        Index(None, "tenant_id", "deal_id", "status"),
        Index(None, "tenant_id", "rep_id", "created_at"),
        # the drift job's feed: resolved POSITIVE/NEGATIVE rows no monitor has seen yet
        Index(
            "ix_outcome_records_drift_unfed",
            "tenant_id",
            "action_type",
            "resolved_at",
            "id",
            postgresql_where=text(UNFED),
            sqlite_where=text(UNFED),
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    action_type: Mapped[str] = mapped_column(String(64))
    outcome_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    predicted_confidence: Mapped[float] = mapped_column(Float)
    conversation_id: Mapped[str] = mapped_column(String(128))
    deal_id: Mapped[str | None] = mapped_column(String(128))
    rep_id: Mapped[str | None] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", PortableJSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    window_ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by_signal_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # q = clamp(p·m, 0.001, 0.999) with the multiplier in force when it resolved POSITIVE or
    # NEGATIVE; null otherwise
    calibrated_confidence: Mapped[float | None] = mapped_column(Float)
    drift_fed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # seen by the monitors


class Signal(Base):
    __tablename__ = "signals"
    __table_args__ = (
        Index(None, "tenant_id", "conversation_id", "occurred_at"),
        Index(None, "tenant_id", "deal_id", "occurred_at"),
        Index(None, "tenant_id", "idempotency_key", unique=True),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    deal_id: Mapped[str | None] = mapped_column(String(128))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(128))


class FeedbackEntry(Base):
    __tablename__ = "feedback_entries"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "reviewer_id",
            "target_type",
            "target_id",
            "source",
            name=conv("uq_feedback_entries_reviewer_target_source"),
        ),
        Index(None, "tenant_id", "conversation_id"),
        Index(None, "tenant_id", "outcome_id"),
        Index(None, "tenant_id", "reviewer_id", "created_at"),
        Index(None, "tenant_id", "created_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(PortableJSON)
    reviewer_id: Mapped[str] = mapped_column(String(128))
    reviewer_role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CalibrationBin(Base):
    """Running sums per bin; Brier = (Σp² − 2Σpy + Σy) / n exactly, because y² = y."""

    __tablename__ = "calibration_bins"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    action_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    sum_p: Mapped[float] = mapped_column(Float)
    sum_p2: Mapped[float] = mapped_column(Float)
    sum_y: Mapped[float] = mapped_column(Float)
    sum_py: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CalibrationState(Base):
    __tablename__ = "calibration_states"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    action_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    multiplier: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CalibrationAdjustment(Base):
    __tablename__ = "calibration_adjustments"
    __table_args__ = (Index(None, "tenant_id", "action_type", "at"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    action_type: Mapped[str] = mapped_column(String(64))
    old_multiplier: Mapped[float] = mapped_column(Float)
    new_multiplier: Mapped[float] = mapped_column(Float)
    gap: Mapped[float] = mapped_column(Float)
    brier_score: Mapped[float] = mapped_column(Float)
    sample_count: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    calibrated_gap: Mapped[float | None] = mapped_column(Float)


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (Index(None, "tenant_id", "team_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(200))


class OutcomeRollup(Base):
    """Outcome counts per action day, rep, team, action type, outcome type and status.

    Kept current in the same transaction as every record and resolution, so dashboards
    read O(days × groups) rows. Empty strings stand for "no rep" / "no team" so the key
    can be a primary key on every backend.
    """

    __tablename__ = "outcome_rollups"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    rep_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    action_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    outcome_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    # One key spreads over a few rows (by outcome id) so concurrent writers do not queue on
    # one row lock; readers SUM over their groups (migration 0005).
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default="0")
    count: Mapped[int] = mapped_column(Integer)
    sum_confidence: Mapped[float] = mapped_column(Float)


class OutboxEvent(Base):
    """Every domain event, written in the transaction of its change (``db/outbox.py``).

    ``position`` is the one primary key that does not start with ``tenant_id``: SQLite
    numbers rows in commit order only for an ``INTEGER PRIMARY KEY AUTOINCREMENT``. Readers
    always filter by tenant (and RLS binds them to it on PostgreSQL). ``txid`` is the
    writing transaction's id on PostgreSQL (0 on SQLite): (``txid``, ``position``) is the
    delivery order, safe against transactions that commit late.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index(None, "tenant_id", "topic", "txid", "position"),
        Index(None, "tenant_id", "created_at"),
        {"sqlite_autoincrement": True},  # never reuse a position, even a pruned one
    )

    position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    txid: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DriftMonitor(Base):
    """Both drift monitors of one action type; the job locks this row, so
    one worker at a time feeds it. States are plain versioned JSON (``domain/drift``)."""

    __tablename__ = "drift_monitors"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    action_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    fed: Mapped[int] = mapped_column(Integer)  # resolutions fed over the monitors' lifetime
    calibration: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    calibration_paused_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    paused_multiplier: Mapped[float | None] = mapped_column(Float)  # in force at the alert
    success: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    success_paused_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DriftAlert(Base):
    __tablename__ = "drift_alerts"
    __table_args__ = (Index(None, "tenant_id", "raised_at", "id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    action_type: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sample_size: Mapped[int] = mapped_column(Integer)
    e_value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    expected_rate: Mapped[float | None] = mapped_column(Float)
    observed_rate: Mapped[float | None] = mapped_column(Float)
    before_rate: Mapped[float | None] = mapped_column(Float)
    before_count: Mapped[int | None] = mapped_column(Integer)
    after_rate: Mapped[float | None] = mapped_column(Float)
    after_count: Mapped[int | None] = mapped_column(Integer)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
