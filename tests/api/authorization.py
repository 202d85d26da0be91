"""The authorization matrix's rules: docs/operations/security.md written out by role (on purpose not
read from ``domain/access.py``, which it checks), what a viewer out of reach gets, the viewers that
try every root field, and a spy that records which fields the server asked the table about.
Documents and the tenant they run on come from ``tests/api/root_documents.py``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from hindsight.domain import access
from hindsight.domain.enums import Role
from tests.conftest import Tenant

# Step 13: nodes answer by their type's rule; pickers list what outcomes (or feedback) reach.
FRONTEND = {"node", "nodes", "teams", "team", "reps", "actionTypes", "escalationTriggers"}
# docs/operations/security.md, role by role. ADMIN: "all of the above" and the directory,
# calibration runs
# and detection runs, so ADMIN may use every root field there is.
AGENT = {
    "viewer",
    "outcome",
    "outcomes",
    "outcomeEvents",
    "recordOutcome",
    "recordOutcomes",
    "recordSignal",
    "recordSignals",
    "resolveOutcome",
    "calibratedConfidence",
    "shouldRequestFeedback",  # the agent asks before prompting a person
    "driftAlerts",  # docs/concepts/drift.md: it should back off an action that stopped working
    "driftMonitors",
    *FRONTEND,
}
REP = {
    "viewer",
    "outcome",
    "outcomes",
    "outcomeEvents",
    "feedback",
    "feedbackForConversation",
    "feedbackSummary",
    "feedbackEvents",
    "shouldRequestFeedback",
    "recordFeedback",
    "repDashboard",
    "dashboardUpdates",
    "feedbackEntries",
    "feedbackTags",
    *FRONTEND,
}
COACHING = {"coachingPatterns", "escalationPatterns", "topPerformingActions", "improvementAreas"}
CALIBRATION = {
    "calibrationCurve",
    "calibrationCurves",
    "calibrationUpdates",
    "calibratedConfidence",
}
DRIFT = {"driftAlerts", "driftMonitors"}  # docs/concepts/drift.md; REP reads none
MANAGER = REP | {"managerDashboard", "acknowledgeDriftAlert"} | COACHING | CALIBRATION | DRIFT
READ_ALL = MANAGER - {"acknowledgeDriftAlert"} | {"executiveSummary"}


def section_8(role: Role, field: str) -> bool:
    """May ``role`` use the root field ``field`` at all, per docs/operations/security.md?"""
    if role == Role.ADMIN:
        return True
    allowed = {
        Role.AGENT: AGENT,
        Role.REP: REP,
        Role.MANAGER: MANAGER,
        Role.EXECUTIVE: READ_ALL,
        Role.ANALYST: READ_ALL,
    }
    return field in allowed[role]


# A viewer within the role but outside the reach of the tenant's rep-1/team-a rows:
# ids they may not see are NOT_FOUND, reps and teams they may not see FORBIDDEN.
OUT_OF_REACH = {
    "outcome": "NOT_FOUND",
    "node": "NOT_FOUND",
    "nodes": "NOT_FOUND",
    "team": "NOT_FOUND",
    "feedback": "NOT_FOUND",
    "recordFeedback": "NOT_FOUND",
    "repDashboard": "FORBIDDEN",
    "managerDashboard": "FORBIDDEN",
    "shouldRequestFeedback": "FORBIDDEN",
    "dashboardUpdates": "FORBIDDEN",
}
# A viewer of another tenant: every id of this tenant is simply not there.
OTHER_TENANT = {
    "outcome": "NOT_FOUND",
    "node": "NOT_FOUND",
    "nodes": "NOT_FOUND",
    "team": "NOT_FOUND",
    "feedback": "NOT_FOUND",
    "recordFeedback": "NOT_FOUND",
    "resolveOutcome": "NOT_FOUND",
}


# The matrix's world holds no drift alert (raising one takes 50 resolutions): the id it
# passes names nothing, so a role allowed to acknowledge gets NotFoundError; the real
# acknowledgement, and another tenant's, are tests/api/test_drift.py's.
NO_SUCH_ALERT = {"acknowledgeDriftAlert": "NOT_FOUND"}


@dataclass(frozen=True)
class Who:
    label: str
    role: Role
    sub: str
    team: str | None = None
    kind: str = "within"  # within reach | stranger (same tenant) | outsider (other tenant)

    def expected(self, field: str) -> str:
        if not section_8(self.role, field):
            return "FORBIDDEN"
        codes: dict[str, str] = dict(NO_SUCH_ALERT)
        if self.kind == "outsider":
            codes |= OTHER_TENANT
        if self.kind != "within" and self.role in (Role.REP, Role.MANAGER):
            codes |= OUT_OF_REACH
        return codes.get(field, "OK")

    def token(self, tenant: Tenant) -> str:
        if self.kind == "outsider":
            return tenant.api.token(outside(tenant), self.role, self.sub, self.team)
        return tenant.token(self.role, self.sub, self.team)


def outside(tenant: Tenant) -> uuid.UUID:
    """Another tenant, one per test's tenant, so it holds nothing but what that test's
    outsiders wrote (a shared one fills up with other tests' writes, e.g. team names)."""
    return uuid.uuid5(tenant.id, "outside")


WITHIN = [
    Who("AGENT", Role.AGENT, "agent-1"),
    Who("REP rep-1", Role.REP, "rep-1"),
    Who("MANAGER team-a (claim)", Role.MANAGER, "mgr-a", "team-a"),
    Who("MANAGER team-a (team_members row)", Role.MANAGER, "mgr-a"),
    Who("EXECUTIVE", Role.EXECUTIVE, "exec-1"),
    Who("ANALYST", Role.ANALYST, "ann"),
    Who("ADMIN", Role.ADMIN, "admin-1"),
]
STRANGERS = [
    Who("REP rep-2", Role.REP, "rep-2", kind="stranger"),
    Who("MANAGER team-b (claim)", Role.MANAGER, "mgr-b", "team-b", kind="stranger"),
    Who("MANAGER team-b (team_members row)", Role.MANAGER, "mgr-b", kind="stranger"),
]
OUTSIDERS = [
    Who(f"{role} of another tenant", role, f"{role.lower()}-x", "team-x", kind="outsider")
    for role in Role
]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fields the server asked ``access.grant`` about (a spy; the table still decides)."""
    fields: list[str] = []
    grant = access.grant

    def spy(viewer: access.Viewer, field: str) -> access.Grant:
        fields.append(field)
        return grant(viewer, field)

    monkeypatch.setattr(access, "grant", spy)
    return fields
