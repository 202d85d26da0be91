"""Who may do what (docs/operations/security.md), in one table. Pure rules over the viewer; no I/O.

``RULES`` maps every root field of the API (Query, Mutation, Subscription) to the roles that
may use it and how far each one reaches: the whole tenant, the team they manage, or their
own rep id. A role missing from a field's entry is refused (FORBIDDEN); within its reach a
viewer never learns that a row outside it exists (NOT_FOUND, as if it were not there).
Resolvers and subscriptions ask ``grant``; the authorization suite checks every root field
of the built schema against this table, so a field without an entry fails the tests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from hindsight.domain.enums import Role
from hindsight.domain.errors import Forbidden


class Reach(StrEnum):
    TENANT = "TENANT"  # everything in the tenant
    TEAM = "TEAM"  # the team a MANAGER manages (token claim, else their team_members row)
    OWN = "OWN"  # the viewer's own rep id (the token's sub)


T, TEAM, OWN = Reach.TENANT, Reach.TEAM, Reach.OWN
A, R, M, E, N, AD = Role.AGENT, Role.REP, Role.MANAGER, Role.EXECUTIVE, Role.ANALYST, Role.ADMIN

Rule = Mapping[Role, Reach]
EVERYONE: Rule = {role: T for role in Role}
# The rows of docs/operations/security.md ("Who may do what"), by what they let a role touch.
PEOPLE: Rule = {R: OWN, M: TEAM, E: T, N: T, AD: T}  # a person's own, team's or tenant's
OUTCOME_READERS: Rule = {A: T, **PEOPLE}  # the agent reads its tenant's outcomes
AGENT_WRITES: Rule = {A: T, AD: T}
CALIBRATION: Rule = {M: T, E: T, N: T, AD: T}
COACHING: Rule = {M: T, E: T, N: T, AD: T}  # tenant-wide patterns (resolvers/coaching.py)
TEAMS: Rule = {M: TEAM, E: T, N: T, AD: T}
READ_ALL_RULE: Rule = {E: T, N: T, AD: T}
ADMIN_ONLY: Rule = {AD: T}
DRIFT_READERS: Rule = {A: T, M: T, E: T, N: T, AD: T}  # §13: the agent backs off; REP none

RULES: Mapping[str, Rule] = {
    # Query
    "viewer": EVERYONE,
    "outcome": OUTCOME_READERS,
    "outcomes": OUTCOME_READERS,
    "feedback": PEOPLE,
    "feedbackForConversation": PEOPLE,
    "feedbackSummary": PEOPLE,
    "shouldRequestFeedback": {A: T, **PEOPLE},  # the agent asks before prompting a person
    "calibrationCurve": CALIBRATION,
    "calibrationCurves": CALIBRATION,
    "calibratedConfidence": {A: T, **CALIBRATION},
    "repDashboard": PEOPLE,
    "managerDashboard": TEAMS,
    "executiveSummary": READ_ALL_RULE,
    "coachingPatterns": COACHING,
    "escalationPatterns": COACHING,
    "topPerformingActions": COACHING,
    "improvementAreas": COACHING,
    # Step 13 (frontends): a node answers with its own type's rule (NOT_FOUND out of reach);
    # pickers list what the viewer's outcome (or feedback) reach covers.
    "node": EVERYONE,
    "nodes": EVERYONE,
    "feedbackEntries": PEOPLE,
    "teams": OUTCOME_READERS,
    "team": OUTCOME_READERS,
    "reps": OUTCOME_READERS,
    "actionTypes": OUTCOME_READERS,
    "escalationTriggers": OUTCOME_READERS,
    "feedbackTags": PEOPLE,
    # Step 15 (drift, docs/concepts/drift.md); the subscription driftAlerts shares the query's rule
    "driftAlerts": DRIFT_READERS,
    "driftMonitors": DRIFT_READERS,
    # Mutation
    "recordOutcome": AGENT_WRITES,
    "recordOutcomes": AGENT_WRITES,
    "resolveOutcome": AGENT_WRITES,
    "recordSignal": AGENT_WRITES,
    "recordSignals": AGENT_WRITES,
    "recordFeedback": PEOPLE,  # on outcomes within their reach; AGENT never
    "importOutcomes": ADMIN_ONLY,  # already-resolved history (docs/reference/api.md)
    "setTeamMember": ADMIN_ONLY,
    "runCalibration": ADMIN_ONLY,
    "runDetection": ADMIN_ONLY,
    "acknowledgeDriftAlert": {M: T, AD: T},
    "runDriftDetection": ADMIN_ONLY,
    # Subscription: the same rights as the matching query
    "outcomeEvents": OUTCOME_READERS,
    "feedbackEvents": PEOPLE,
    "calibrationUpdates": CALIBRATION,
    "dashboardUpdates": PEOPLE,  # and then the rule of the dashboard its scope names
}


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


@dataclass(frozen=True)
class Grant:
    """A viewer allowed to use ``field``, and how far that right reaches."""

    viewer: Viewer
    field: str
    reach: Reach

    @property
    def needs_team(self) -> bool:
        """A MANAGER without a ``team`` claim: their team_members row must name it."""
        return self.reach == Reach.TEAM and not self.viewer.team

    @property
    def scope(self) -> Scope:
        if self.reach == Reach.OWN:
            return Scope(rep_id=self.viewer.subject)
        if self.reach == Reach.TEAM:
            if not self.viewer.team:
                raise Forbidden(f"{self.viewer.role} {self.viewer.subject} manages no team")
            return Scope(team_id=self.viewer.team)
        return Scope()

    def needs_rep_team(self, rep_id: str) -> bool:
        """Whether ``require_rep`` must know the rep's team (from the directory)."""
        return self.reach == Reach.TEAM and rep_id != self.viewer.subject

    def require_rep(self, rep_id: str, rep_team: str | None = None) -> None:
        """``Forbidden`` unless the rep (in ``rep_team``) is within reach: a REP themselves,
        a MANAGER their team's reps, a tenant-wide reach everyone."""
        if self.reach == Reach.TENANT or rep_id == self.viewer.subject:
            return
        if self.reach == Reach.TEAM and rep_team is not None and rep_team == self.scope.team_id:
            return
        raise Forbidden(f"{self.viewer.role} may not see rep {rep_id} ({self.field})")

    def require_team(self, team_id: str) -> None:
        if self.reach == Reach.TENANT:
            return
        if self.reach == Reach.TEAM and team_id == self.scope.team_id:
            return
        raise Forbidden(f"{self.viewer.role} may not see team {team_id} ({self.field})")


def grant(viewer: Viewer, field: str) -> Grant:
    """The viewer's right to ``field`` per ``RULES``; ``Forbidden`` for a role without one."""
    reach = RULES[field].get(viewer.role)
    if reach is None:
        raise Forbidden(f"{viewer.role} may not use {field}")
    return Grant(viewer, field, reach)
