"""Per-request (or per-WebSocket-connection) context handed to every resolver.

It lives outside ``schema/`` and ``resolvers/`` because both use it: the root fields hand it
to the resolvers, and the two nested fields that need a query of their own
(``Outcome.feedback``, ``Team.members``) ask it for their data through ``nested``, which the
app fills with the resolvers' functions when it makes the context.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from hindsight.db.models import FeedbackEntry
from hindsight.domain.access import Viewer
from hindsight.domain.directory import Member
from hindsight.domain.errors import Unauthenticated
from hindsight.services import Services

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class NestedReads:
    """Where nested fields get their data: authorised, batched per request by a DataLoader."""

    outcome_feedback: Callable[[Context, str], Awaitable[list[FeedbackEntry]]]
    team_members: Callable[[Context, str], Awaitable[list[Member]]]


@dataclass
class Context:
    services: Services
    nested: NestedReads
    viewer_or_none: Viewer | None = None
    auth_error: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    connection_params: dict[str, Any] | None = None
    websocket: Any = None  # the connection, for a WebSocket context
    expiry_task: Any = None  # closes the connection when its token expires
    stream_started: asyncio.Event | None = None  # set once an HTTP stream's operation runs
    loaders: dict[str, Any] = field(default_factory=dict)
    team_looked_up: bool = False  # a MANAGER's team was read from team_members (access)

    @property
    def viewer(self) -> Viewer:
        if self.viewer_or_none is None:
            raise Unauthenticated(self.auth_error or "a valid bearer token is required")
        return self.viewer_or_none

    def loader(
        self, name: str, load: Callable[[list[K]], Awaitable[Sequence[V]]]
    ) -> DataLoader[K, V]:
        """This context's DataLoader ``name``, made on first use so one request shares it."""
        if name not in self.loaders:
            self.loaders[name] = DataLoader(load_fn=load)
        found: DataLoader[K, V] = self.loaders[name]
        return found

    def feedback_of(self, outcome_id: str) -> Awaitable[list[FeedbackEntry]]:
        return self.nested.outcome_feedback(self, outcome_id)

    def members_of(self, team_id: str) -> Awaitable[list[Member]]:
        return self.nested.team_members(self, team_id)
