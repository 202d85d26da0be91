"""Subscribers who see the same thing share one stream: one execution and one serialised
frame per event, however many sockets it goes to.

A thousand dashboards subscribed to ``outcomeEvents`` with the same document would each
run Strawberry's whole per-event path: their own re-read, execution, extensions and JSON.
Event subscriptions (``GROUPABLE``: no initial state, nothing per connection) are grouped
by (tenant, audience, document, variables): the group runs the operation once under one of
its viewers, serialises each result once, and hands the text to every member; a member's
own task only splices in its operation id and writes the frame. ``audience`` holds exactly
what access decisions depend on (docs/operations/security.md), so every member of a group would have
been shown the same result. A member that falls behind loses its oldest frames (at-most-once, like
the broker); the group's stream ends when its last member leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import weakref
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Hashable
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse

from hindsight.domain.access import Viewer
from hindsight.domain.enums import Role
from hindsight.events.broker import DEFAULT_QUEUE_SIZE, Broker

log = logging.getLogger(__name__)

GROUPABLE = frozenset({"outcomeEvents", "feedbackEvents", "calibrationUpdates"})
# The operation's messages, executed once for the group: ("next", payload) while it runs,
# ("error", errors) if it cannot start; the end of the stream completes every member.
Stream = Callable[[], AsyncGenerator[tuple[str, Any], None]]
Frame = tuple[str, Any]  # ("next", text) | ("error", errors) | ("complete", None)


def audience(viewer: Viewer) -> Hashable:
    """What a viewer's rights depend on (docs/operations/security.md): the role alone, except a
    REP's (their own rows) and a MANAGER's (their team), which depend on who they are."""
    if viewer.role in (Role.REP, Role.MANAGER):
        return (viewer.tenant_id, viewer.role, viewer.subject, viewer.team)
    return (viewer.tenant_id, viewer.role)


@functools.lru_cache(maxsize=512)
def groupable(query: str, operation_name: str | None) -> bool:
    """A subscription selecting only ``GROUPABLE`` root fields (anything else, or a document
    that does not parse, takes Strawberry's own path and its error messages)."""
    try:
        document = parse(query, no_location=True)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name in (None, o.name and o.name.value)]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.SUBSCRIPTION:
        return False
    fields = chosen[0].selection_set.selections
    return all(isinstance(f, FieldNode) and f.name.value in GROUPABLE for f in fields)


def group_key(viewer: Viewer, query: str, variables: Any, name: str | None) -> Hashable:
    return (audience(viewer), query, json.dumps(variables, sort_keys=True), name)


class Member:
    """One operation on one socket: the frames waiting for it, written by its own task."""

    def __init__(self, op_id: str, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.prefix = f'{{"id": {json.dumps(op_id)}, "type": "next", "payload": '
        self.frames: deque[Frame] = deque(maxlen=queue_size)
        self.ready = asyncio.Event()

    def offer(self, frame: Frame) -> None:
        self.frames.append(frame)
        self.ready.set()

    async def frames_to_send(self) -> AsyncIterator[Frame]:
        """Frames as they come, a ``next`` one as the text to write; ends after the last."""
        while True:
            await self.ready.wait()
            self.ready.clear()
            while self.frames:
                kind, value = self.frames.popleft()
                if kind == "next":
                    yield kind, f"{self.prefix}{value}}}"
                    continue
                yield kind, value
                return


class Group:
    def __init__(self, key: Hashable, stream: Stream, owner: Groups) -> None:
        self.key, self.members, self._owner = key, set[Member](), owner
        self._task = asyncio.create_task(self._run(stream), name="subscription group")

    def leave(self, member: Member) -> None:
        self.members.discard(member)
        if not self.members:
            self._owner.forget(self)
            self._task.cancel()

    async def _run(self, stream: Stream) -> None:
        try:
            async with contextlib.aclosing(stream()) as messages:
                async for kind, payload in messages:
                    self._send((kind, json.dumps(payload) if kind == "next" else payload))
        except Exception:
            log.exception("subscription group %s failed", self.key)
        finally:
            self._owner.forget(self)
            self._send(("complete", None))

    def _send(self, frame: Frame) -> None:
        self._owner.frames_serialised += frame[0] == "next"  # once, for every member
        for member in self.members:
            member.offer(frame)


class Groups:
    """The process's groups (one registry per broker, i.e. per app)."""

    def __init__(self) -> None:
        self.groups: dict[Hashable, Group] = {}
        self.frames_serialised = 0

    @contextlib.asynccontextmanager
    async def join(self, key: Hashable, op_id: str, stream: Stream) -> AsyncIterator[Member]:
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key, stream, self)
        member = Member(op_id)
        group.members.add(member)
        try:
            yield member
        finally:
            group.leave(member)

    def forget(self, group: Group) -> None:
        if self.groups.get(group.key) is group:
            del self.groups[group.key]


_GROUPS: weakref.WeakKeyDictionary[Broker, Groups] = weakref.WeakKeyDictionary()


def groups_for(broker: Broker) -> Groups:
    groups = _GROUPS.get(broker)
    if groups is None:
        groups = _GROUPS[broker] = Groups()
    return groups
