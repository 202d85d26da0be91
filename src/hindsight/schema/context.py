"""The ``info`` every field receives: Strawberry's, carrying our ``Context``."""

from __future__ import annotations

from strawberry.types import Info as StrawberryInfo

from hindsight.context import Context

Info = StrawberryInfo[Context, None]
