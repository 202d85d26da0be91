"""Per-request (or per-WebSocket-connection) context handed to every resolver."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from hindsight.domain.access import Viewer
from hindsight.domain.errors import Unauthenticated
from hindsight.services import Services


@dataclass
class Context:
    services: Services
    viewer_or_none: Viewer | None = None
    auth_error: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    connection_params: dict[str, Any] | None = None
    loaders: dict[str, Any] = field(default_factory=dict)

    @property
    def viewer(self) -> Viewer:
        if self.viewer_or_none is None:
            raise Unauthenticated(self.auth_error or "a valid bearer token is required")
        return self.viewer_or_none


Info = StrawberryInfo[Context, None]
