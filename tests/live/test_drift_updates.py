"""Drift alerts live: the executive dashboard's openDriftAlerts follows alerts as they are
raised and acknowledged (the hub listens on the drift topic), on both backends."""

from __future__ import annotations

import numpy as np

from hindsight.domain.enums import Role
from tests.api.drift_documents import ACKNOWLEDGE, RUN, history
from tests.conftest import Tenant
from tests.live.client import GraphQLSocket

UPDATES = """subscription { dashboardUpdates(scope: {executive: true}) {
  executive { openDriftAlerts } } }"""


async def open_alerts_become(ws: GraphQLSocket, count: int) -> None:
    """Read snapshots until one shows ``count`` open alerts (each change sends one)."""
    while True:
        data = await ws.next("1")
        if data["dashboardUpdates"]["executive"]["openDriftAlerts"] == count:
            return


async def test_the_executive_dashboard_counts_alerts_live(live: str, tenant: Tenant) -> None:
    async with GraphQLSocket.open(live, tenant.token(Role.EXECUTIVE, "exec")) as ws:
        await ws.subscribe("1", UPDATES)
        await open_alerts_become(ws, 0)
        await history(tenant, "advance_deal", np.full(60, 0.8), np.zeros(60))
        run = await tenant.api.gql(RUN, token=tenant.token())
        [alert] = run["runDriftDetection"]["alerts"]
        await open_alerts_become(ws, 1)
        await tenant.api.gql(ACKNOWLEDGE, {"id": alert["id"]}, tenant.token())
        await open_alerts_become(ws, 0)
