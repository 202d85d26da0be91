"""graphql-transport-ws with server keep-alive pings and grouped event subscriptions.

Strawberry's ``keep_alive`` only drives the legacy graphql-ws protocol, which we do not
serve. Once a connection is acknowledged this handler sends the protocol's own
``{"type": "ping"}`` every ``keep_alive_interval`` seconds, so proxies and load balancers
see traffic on idle subscriptions and clients can tell a live server from a dead socket.

Event subscriptions whose subscribers see alike run once per group (``live.groups``): the
operation's own task only writes the group's frames to its socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncGenerator
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from hindsight.context import Context
from hindsight.live.groups import group_key, groupable, groups_for
from hindsight.memory import TRIMMER

Op = Operation[Any, None]


class KeepAliveTransportWSHandler(BaseGraphQLTransportWSHandler[Any, None]):
    async def handle(self) -> None:
        pinger = asyncio.create_task(self._ping_forever()) if self.view.keep_alive else None
        try:
            await super().handle()
        finally:
            if pinger is not None:
                pinger.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pinger
            # The token-expiry watch has nothing left to close: end it now, not at its next
            # check, so a wave of closed connections leaves nothing behind to trim around.
            expiry = getattr(self.context, "expiry_task", None)
            if expiry is not None:
                expiry.cancel()
            TRIMMER.connection_closed()

    async def _ping_forever(self) -> None:
        interval = float(self.view.keep_alive_interval or 15)
        while True:
            await asyncio.sleep(interval)
            if not self.connection_acknowledged:
                continue
            try:
                await self.send_message({"type": "ping"})
            except Exception:  # the socket is gone; the handler's loop ends on its own
                return

    async def run_operation(self, operation: Op) -> None:
        context: Context = self.context
        viewer = context.viewer_or_none
        if viewer is None or not groupable(operation.query, operation.operation_name):
            await super().run_operation(operation)
            return
        key = group_key(viewer, operation.query, operation.variables, operation.operation_name)
        own = Context(context.services, context.nested, viewer_or_none=viewer)  # no socket's state
        stream = functools.partial(self._group_messages, operation, own)
        try:
            async with groups_for(context.services.broker).join(key, operation.id, stream) as m:
                async for kind, value in m.frames_to_send():
                    await self._send_frame(operation, kind, value)
        except WebSocketDisconnected:
            pass  # the client left; the handler is shutting down
        except Exception as error:
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})

    async def _send_frame(self, operation: Op, kind: str, value: Any) -> None:
        if kind == "next":
            try:
                await self.websocket.ws.send_text(value)  # type: ignore[attr-defined]
            except WebSocketDisconnect as exc:  # as Strawberry's own send_json reports it
                raise WebSocketDisconnected from exc
        elif kind == "error":
            message = {"id": operation.id, "type": "error", "payload": value}
            await operation.send_operation_message(message)  # type: ignore[arg-type]
        else:
            await operation.send_operation_message({"id": operation.id, "type": "complete"})

    async def _group_messages(
        self, operation: Op, context: Context
    ) -> AsyncGenerator[tuple[str, Any], None]:
        """The operation run once for its group, as graphql-transport-ws payloads."""
        source = await self.schema.stream(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            root_value=self.root_value,
            operation_name=operation.operation_name,
        )
        async with aclosing(source):
            first = True
            async for result in source:
                if first and isinstance(result, PreExecutionError):
                    yield "error", [error.formatted for error in result.errors or ()]
                    return
                if not isinstance(result, ExecutionResult):
                    error = GraphQLError("Incremental delivery is not supported here")
                    yield "error", [error.formatted]
                    return
                yield "next", _payload(result)
                first = False


def _payload(result: ExecutionResult) -> dict[str, Any]:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload
