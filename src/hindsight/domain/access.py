"""Who may do what (DESIGN.md §8). Pure rules over the viewer; no I/O."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from hindsight.domain.enums import Role
from hindsight.domain.errors import Forbidden

READ_ALL = frozenset({Role.EXECUTIVE, Role.ANALYST, Role.ADMIN})
WRITE_OUTCOMES = frozenset({Role.AGENT, Role.ADMIN})


@dataclass(frozen=True)
class Viewer:
    subject: str
    tenant_id: uuid.UUID
    role: Role
    team: str | None = None
    expires_at: dt.datetime | None = None  # when the token stops being valid


@dataclass(frozen=True)
class Scope:
    """Rows a viewer may read: everything in the tenant, one rep's, or one team's."""

    rep_id: str | None = None
    team_id: str | None = None


def require(viewer: Viewer, roles: frozenset[Role] | set[Role], what: str) -> None:
    if viewer.role not in roles:
        raise Forbidden(f"{viewer.role} may not {what}")


def outcome_scope(viewer: Viewer) -> Scope:
    """AGENT and the read-all roles see the tenant; a REP their own; a MANAGER their team."""
    if viewer.role == Role.REP:
        return Scope(rep_id=viewer.subject)
    if viewer.role == Role.MANAGER:
        if not viewer.team:
            raise Forbidden("a MANAGER token needs a team claim")
        return Scope(team_id=viewer.team)
    return Scope()
