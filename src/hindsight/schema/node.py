"""Object identity for normalized client caches (Relay's ``Node``, docs/reference/api.md); the ids
themselves are made and read by ``domain/identity.py``."""

from __future__ import annotations

import strawberry

from hindsight.domain import identity


@strawberry.interface(
    description="An object with a stable, globally unique id: fetch it again with "
    "`node(id:)`; a normalized cache (Apollo, Relay, urql) merges every answer about it."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Globally unique and stable; opaque (do not parse it)."
    )


def global_id(type_name: str, *parts: str) -> strawberry.ID:
    return strawberry.ID(identity.encode(type_name, *parts))
