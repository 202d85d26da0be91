"""Drift resolvers: read the viewer, check the right, run one domain call.

Alert ids are opaque Node ids (``DriftAlert`` + the row's UUID); an id that names no alert
the viewer may see is NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hindsight.context import Context
from hindsight.db.models import DriftAlert
from hindsight.domain import paging
from hindsight.domain.drift import alerts
from hindsight.domain.drift.monitors import DriftPolicy
from hindsight.domain.errors import NotFound
from hindsight.domain.identity import parse_id
from hindsight.resolvers.common import authorize, in_tenant, read_in_tenant
from hindsight.workers.drift_jobs import DriftJobReport, feed_tenant

Counter = Callable[[], Awaitable[int]]
TYPE_NAME = "DriftAlert"


def alert_key(node_id: str) -> str:
    """The alert's row id inside its Node id; ``NotFound`` for any other id."""
    key = parse_id(node_id)
    if key is None or key.type_name != TYPE_NAME or len(key.parts) != 1:
        raise NotFound(node_id, "no drift alert with this id")
    return key.parts[0]


async def drift_alerts(
    ctx: Context, flt: alerts.AlertFilter, window: paging.Window
) -> tuple[paging.Page[DriftAlert], Counter]:
    """One page of the tenant's alerts, newest first, and how to count them (on demand)."""
    await authorize(ctx, "driftAlerts")
    checked = window.checked(ctx.services.settings.max_page_size)
    tenant_id = ctx.viewer.tenant_id
    page = await read_in_tenant(
        ctx, lambda s: alerts.read_alerts(s, tenant_id, flt, window=checked)
    )

    def count() -> Awaitable[int]:
        return read_in_tenant(ctx, lambda s: alerts.count_alerts(s, tenant_id, flt))

    return page, count


async def drift_alert(ctx: Context, row_id: str) -> DriftAlert:
    """One alert by its row id (``node``), with the right of ``driftAlerts``."""
    await authorize(ctx, "driftAlerts")
    return await read_in_tenant(ctx, lambda s: alerts.read_alert(s, ctx.viewer.tenant_id, row_id))


async def drift_monitors(ctx: Context, action_types: list[str] | None) -> list[alerts.MonitorView]:
    await authorize(ctx, "driftMonitors")
    alpha = ctx.services.settings.drift_alpha
    return await read_in_tenant(
        ctx,
        lambda s: alerts.read_monitors(s, ctx.viewer.tenant_id, action_types, alpha=alpha),
    )


async def acknowledge_drift_alert(ctx: Context, node_id: str) -> DriftAlert | NotFound:
    """The acknowledged alert (its monitor starts again), or ``NotFound`` as a value."""
    await authorize(ctx, "acknowledgeDriftAlert")
    viewer, now = ctx.viewer, ctx.services.now()
    try:
        row_id = alert_key(node_id)
        return await in_tenant(
            ctx,
            lambda s: alerts.acknowledge(s, viewer.tenant_id, row_id, by=viewer.subject, now=now),
        )
    except NotFound:
        return NotFound(node_id, "no drift alert with this id")


async def run_drift_detection(ctx: Context) -> DriftJobReport:
    """The drift job over the viewer's tenant, now."""
    await authorize(ctx, "runDriftDetection")
    svc = ctx.services
    policy = DriftPolicy.from_settings(svc.settings)
    return await feed_tenant(svc.db, ctx.viewer.tenant_id, policy=policy, clock=svc.clock)
