"""The outcome decision table of DESIGN.md §4, as pure functions over signals.

A decision looks at the signals matching an outcome that fall inside its window,
oldest first; the first decisive signal wins, so signals that arrive out of order
still give the answer their ``occurred_at`` order implies.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hindsight.domain.enums import OutcomeStatus, OutcomeType, SignalKind
from hindsight.settings import DEFAULT_STAGES, Settings

S = SignalKind
POSITIVE, NEGATIVE = OutcomeStatus.POSITIVE, OutcomeStatus.NEGATIVE


@dataclass(frozen=True)
class SignalFact:
    id: uuid.UUID
    kind: SignalKind
    occurred_at: dt.datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    status: OutcomeStatus
    reason: str
    signal_id: uuid.UUID | None = None


@dataclass(frozen=True)
class OutcomeRules:
    windows: dict[OutcomeType, dt.timedelta]
    stages: tuple[str, ...] = tuple(DEFAULT_STAGES)
    clock_skew: dt.timedelta = dt.timedelta(minutes=5)

    @classmethod
    def from_settings(cls, settings: Settings) -> OutcomeRules:
        hours = {
            OutcomeType.IMMEDIATE_RESPONSE: settings.window_immediate_hours,
            OutcomeType.ENGAGEMENT: settings.window_engagement_hours,
            OutcomeType.QUALIFICATION: settings.window_qualification_hours,
            OutcomeType.DEAL_PROGRESSION: settings.window_deal_hours,
            OutcomeType.ESCALATION: settings.window_escalation_hours,
        }
        return cls(
            windows={t: dt.timedelta(hours=h) for t, h in hours.items()},
            stages=tuple(s.upper() for s in settings.deal_stages),
            clock_skew=dt.timedelta(seconds=settings.clock_skew_seconds),
        )

    @property
    def longest_window(self) -> dt.timedelta:
        return max(self.windows.values())

    def stage_direction(self, from_stage: str, to_stage: str) -> int:
        """+1 forward, -1 backward, 0 unchanged in the configured pipeline order."""
        a, b = self.stages.index(from_stage), self.stages.index(to_stage)
        return (b > a) - (b < a)


def decide(
    outcome_type: OutcomeType, signals: Sequence[SignalFact], rules: OutcomeRules
) -> Decision | None:
    """The first decisive signal (oldest first) inside the window, or None while undecided."""
    replies = 0
    for signal in sorted(signals, key=lambda s: (s.occurred_at, s.id.hex)):
        replies += signal.kind == S.CUSTOMER_REPLIED
        status = _signal_status(outcome_type, signal, replies, rules)
        if status is not None:
            return Decision(status, _reason(signal, status), signal.id)
    return None


def decide_at_window_end(outcome_type: OutcomeType, signals: Sequence[SignalFact]) -> Decision:
    """What a still-pending outcome becomes when its window closes."""
    if outcome_type == OutcomeType.ESCALATION:
        return Decision(OutcomeStatus.EXPIRED, "window ended without an escalation result")
    if outcome_type == OutcomeType.ENGAGEMENT:
        replies = sum(s.kind == S.CUSTOMER_REPLIED for s in signals)
        if replies == 1:
            return Decision(OutcomeStatus.AMBIGUOUS, "window ended with exactly one reply")
        return Decision(NEGATIVE, "window ended without engagement")
    reasons = {
        OutcomeType.IMMEDIATE_RESPONSE: "ghosted: no reply within the window",
        OutcomeType.QUALIFICATION: "window ended without qualification",
        OutcomeType.DEAL_PROGRESSION: "stalled: the deal did not progress within the window",
    }
    return Decision(NEGATIVE, reasons[outcome_type])


def _signal_status(
    outcome_type: OutcomeType, signal: SignalFact, replies: int, rules: OutcomeRules
) -> OutcomeStatus | None:
    kind = signal.kind
    if outcome_type == OutcomeType.IMMEDIATE_RESPONSE:
        return {S.CUSTOMER_REPLIED: POSITIVE, S.UNSUBSCRIBED: NEGATIVE}.get(kind)
    if outcome_type == OutcomeType.ENGAGEMENT:
        if kind == S.MEETING_BOOKED or (kind == S.CUSTOMER_REPLIED and replies >= 2):
            return POSITIVE
        return NEGATIVE if kind == S.UNSUBSCRIBED else None
    if outcome_type == OutcomeType.QUALIFICATION:
        table = {
            S.QUALIFICATION_COMPLETED: POSITIVE,
            S.UNSUBSCRIBED: NEGATIVE,
            S.DEAL_LOST: NEGATIVE,
        }
        return table.get(kind)
    if outcome_type == OutcomeType.DEAL_PROGRESSION:
        return _deal_status(signal, rules)
    if kind == S.ESCALATION_RESOLVED:
        return POSITIVE if signal.payload.get("helpful") else NEGATIVE
    return None


def _deal_status(signal: SignalFact, rules: OutcomeRules) -> OutcomeStatus | None:
    if signal.kind == S.DEAL_WON:
        return POSITIVE
    if signal.kind == S.DEAL_LOST:
        return NEGATIVE
    if signal.kind != S.DEAL_STAGE_CHANGED:
        return None
    direction = rules.stage_direction(signal.payload["fromStage"], signal.payload["toStage"])
    return {1: POSITIVE, -1: NEGATIVE}.get(direction)


def _reason(signal: SignalFact, status: OutcomeStatus) -> str:
    if signal.kind == S.DEAL_STAGE_CHANGED:
        p = signal.payload
        return f"deal moved {p['fromStage']} → {p['toStage']}"
    return f"{signal.kind.value.lower().replace('_', ' ')} ({status.value.lower()})"


# Which outcome types each signal kind can decide; used to pick candidates.
AFFECTS: dict[SignalKind, frozenset[OutcomeType]] = {
    S.CUSTOMER_REPLIED: frozenset({OutcomeType.IMMEDIATE_RESPONSE, OutcomeType.ENGAGEMENT}),
    S.MEETING_BOOKED: frozenset({OutcomeType.ENGAGEMENT}),
    S.QUALIFICATION_COMPLETED: frozenset({OutcomeType.QUALIFICATION}),
    S.UNSUBSCRIBED: frozenset(
        {OutcomeType.IMMEDIATE_RESPONSE, OutcomeType.ENGAGEMENT, OutcomeType.QUALIFICATION}
    ),
    S.DEAL_STAGE_CHANGED: frozenset({OutcomeType.DEAL_PROGRESSION}),
    S.DEAL_WON: frozenset({OutcomeType.DEAL_PROGRESSION}),
    S.DEAL_LOST: frozenset({OutcomeType.DEAL_PROGRESSION, OutcomeType.QUALIFICATION}),
    S.ESCALATION_RESOLVED: frozenset({OutcomeType.ESCALATION}),
}
