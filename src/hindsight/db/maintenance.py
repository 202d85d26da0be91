"""Planner statistics after bulk loads (``ANALYZE``), the one maintenance step the app runs.

Freshly loaded PostgreSQL tables have no statistics until autovacuum gets to them, and the
planner then picks nested loops that discard hundreds of thousands of rows. The app role
does not own the tables (row-level security), so on PostgreSQL it calls
``hindsight_analyze()``, a SECURITY DEFINER function migration 0004 creates for the owner;
SQLite's ``ANALYZE`` needs no rights.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects

ANALYZED = (  # the tables dashboards, coaching and calibration read
    "outcome_records",
    "outcome_rollups",
    "feedback_entries",
    "calibration_bins",
    "team_members",
    "signals",
)


async def analyze(session: AsyncSession) -> None:
    """Refresh the planner statistics of ``ANALYZED``, inside the caller's transaction."""
    if dialects.dialect_of(session) == "postgresql":
        await session.execute(text("SELECT hindsight_analyze()"))
        return
    for table in ANALYZED:
        await session.execute(text(f"ANALYZE {table}"))
