"""``hindsight demo`` and ``serve --demo``: load the demo once, and tell a new user where to go."""

from __future__ import annotations

import time
import uuid

from hindsight.demo import store as demo_store
from hindsight.demo.simulation import DEMO_TENANT, load_demo
from hindsight.services import build_services
from hindsight.settings import Settings
from hindsight.web import demo_token


async def run_demo(
    settings: Settings,
    *,
    tenant: uuid.UUID = DEMO_TENANT,
    n: int = 2000,
    seed: int = 7,
    reset: bool = False,
    only_if_empty: bool = False,
) -> list[str]:
    """Load the demo into ``tenant``. A tenant that already has outcomes is left alone
    (replaying would double its signals and move its multipliers) unless ``reset``."""
    services = build_services(settings)
    try:
        existing = await demo_store.count_outcomes(services, tenant)
        if existing and only_if_empty:
            return [f"demo tenant {tenant} already has {existing} outcomes; serving them"]
        if existing and not reset:
            return [
                f"tenant {tenant} already has {existing} outcomes: nothing changed "
                "(run `hindsight demo --reset` to replace them)"
            ]
        if existing:
            await demo_store.delete_tenant(services, tenant)
        started = time.perf_counter()
        lines = await load_demo(services, tenant=tenant, n=n, seed=seed)
        seconds = time.perf_counter() - started
        verb = "replaced" if existing else "loaded"
        return [f"demo data {verb} in tenant {tenant} in {seconds:.1f} s", *lines]
    finally:
        await services.close()


def announce(settings: Settings, host: str, port: int) -> str:
    """Where the panel and GraphiQL are, and how to get a token."""
    base = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}"
    lines = [
        "",
        f"Hindsight on {base}",
        f"  live panel: {base}/",
        f"  GraphiQL:   {base}/graphql",
    ]
    if settings.embedded:
        lines += [
            f"  demo tenant {DEMO_TENANT}, ADMIN token (Authorization: Bearer …):",
            f"  {demo_token(settings)}",
        ]
    else:
        lines.append(
            "  tokens: hindsight token --tenant UUID --role ROLE (same HINDSIGHT_JWT_SECRET)"
        )
    return "\n".join([*lines, ""])
