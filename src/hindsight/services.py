"""The running parts one process shares: settings, database, broker, cache, rules, clock."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from hindsight import metrics
from hindsight.db.engine import Database, create_engine
from hindsight.domain.clock import Clock, utcnow
from hindsight.domain.events import Event
from hindsight.domain.outcomes.rules import OutcomeRules
from hindsight.events.broker import Broker, create_broker
from hindsight.events.cache import Cache, create_cache
from hindsight.settings import Settings

log = logging.getLogger(__name__)


def channel(tenant_id: uuid.UUID | str, topic: str) -> str:
    return f"hindsight:{tenant_id}:{topic}"


def version_key(tenant_id: uuid.UUID | str) -> str:
    return f"hindsight:{tenant_id}:version"


@dataclass
class Services:
    settings: Settings
    db: Database
    broker: Broker
    cache: Cache
    rules: OutcomeRules
    clock: Clock = field(default=utcnow)

    def now(self) -> dt.datetime:
        return self.clock()

    async def after_commit(self, tenant_id: uuid.UUID | None, events: list[Any]) -> None:
        """Invalidate the tenant's cache, then publish the committed transaction's events
        (in that order, so a subscriber woken by an event never reads a stale cache); with
        Redis, one round trip for all of it."""
        assert tenant_id is not None, "events are raised only in tenant-scoped transactions"
        messages = [(channel(tenant_id, e.topic), {"id": e.id, **e.payload}) for e in events]
        if self.settings.redis_url:  # broker and cache share it: one pipeline, INCR first
            await self.broker.publish_many(messages, incr=version_key(tenant_id))
        else:
            await self.cache.incr(version_key(tenant_id))
            await self.broker.publish_many(messages)
        for event in events:
            assert isinstance(event, Event)
            metrics.observe_event(event.topic, event.payload)

    async def close(self) -> None:
        await self.broker.close()
        await self.cache.close()
        await self.db.dispose()


def build_services(settings: Settings, clock: Clock = utcnow) -> Services:
    engine = create_engine(
        settings.database_url,
        role=settings.database_role,
        pool_size=settings.database_pool_size,
        pooler=settings.database_pooler,
    )
    db = Database(engine)
    services = Services(
        settings=settings,
        db=db,
        broker=create_broker(settings.redis_url),
        cache=create_cache(settings.redis_url),
        rules=OutcomeRules.from_settings(settings),
        clock=clock,
    )
    db.after_commit = services.after_commit
    return services
