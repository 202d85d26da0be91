"""The scheduled outbox prune (docs/concepts/events.md): events older than ``event_retention`` go.

One transaction per tenant, under that tenant's RLS scope; a failing tenant does not stop
the others. A cursor older than the retention is refused by the subscriptions whether or
not its rows are gone yet, so clients see one rule, not the prune's timing.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import outbox
from hindsight.db.engine import Database
from hindsight.domain.clock import Clock
from hindsight.domain.outcomes import detection
from hindsight.settings import Settings

log = logging.getLogger(__name__)
OUTBOX_JOB = "outbox_prune"  # its name in the schedule and arq's cron


async def run_outbox_prune(
    db: Database,
    *,
    settings: Settings,
    clock: Clock,
    tenants: list[uuid.UUID] | None = None,
) -> int:
    """Delete every tenant's (or the given tenants') events past the retention; how many."""
    before = clock() - settings.event_retention
    if tenants is None:
        tenants = await db.run(None, detection.tenant_ids)
    pruned = 0
    for tenant_id in tenants:
        try:
            pruned += await db.run(tenant_id, functools.partial(_prune, tenant_id, before))
        except Exception:
            log.exception("outbox prune failed for tenant %s", tenant_id)
    if pruned:
        log.info("outbox: pruned %d events older than %s", pruned, before.isoformat())
    return pruned


async def _prune(tenant_id: uuid.UUID, before: dt.datetime, session: AsyncSession) -> int:
    return await outbox.prune(session, tenant_id, before)
