"""The ``viewer`` field's type: who the bearer token says you are."""

from __future__ import annotations

import strawberry

from hindsight.domain.access import Viewer
from hindsight.schema import enums


@strawberry.type(name="Viewer", description="Who the bearer token says you are.")
class ViewerType:
    """The GraphQL mirror of ``access.Viewer`` (the domain's, which every check uses)."""

    subject: str = strawberry.field(
        description="The token's `sub`: for a REP the `repId` their outcomes carry."
    )
    tenant: strawberry.ID = strawberry.field(
        description="The tenant (a UUID) every read and write is confined to."
    )
    role: enums.Role = strawberry.field(
        description="The token's role; decides what you may read and write."
    )
    team: str | None = strawberry.field(
        description="The team the token names (a MANAGER manages it); null if none."
    )

    @classmethod
    def from_domain(cls, viewer: Viewer) -> ViewerType:
        return cls(
            subject=viewer.subject,
            tenant=strawberry.ID(str(viewer.tenant_id)),
            role=viewer.role,
            team=viewer.team,
        )
