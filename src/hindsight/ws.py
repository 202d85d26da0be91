"""graphql-transport-ws with server keep-alive pings.

Strawberry's ``keep_alive`` only drives the legacy graphql-ws protocol, which we do not
serve. Once a connection is acknowledged this handler sends the protocol's own
``{"type": "ping"}`` every ``keep_alive_interval`` seconds, so proxies and load balancers
see traffic on idle subscriptions and clients can tell a live server from a dead socket.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)


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
