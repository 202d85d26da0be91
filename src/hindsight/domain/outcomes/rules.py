"""The outcome decision table of docs/concepts/outcomes.md: one declaration per outcome type
(``OUTCOME_TYPES``) and pure functions over signals that read it.

A decision looks at the signals matching an outcome that fall inside its window,
oldest first; the first decisive signal wins, so signals that arrive out of order
still give the answer their ``occurred_at`` order implies.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hindsight.domain.enums import DEAL_KINDS, OutcomeStatus, OutcomeType, SignalKind
from hindsight.settings import DEFAULT_STAGES, Settings

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
        hours = {t: getattr(settings, rule.window_setting) for t, rule in OUTCOME_TYPES.items()}
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


# How a signal kind decides an outcome type: a fixed status, or a rule over the signal, the
# number of CUSTOMER_REPLIED seen so far (this one included) and the configured rules.
Verdict = OutcomeStatus | Callable[[SignalFact, int, OutcomeRules], OutcomeStatus | None]
WindowEnd = Callable[[Sequence[SignalFact]], Decision]


@dataclass(frozen=True)
class SafetyNet:
    """A scheduled detection job: re-decides pending outcomes from their stored signals."""

    job: str
    interval_setting: str  # the ``Settings`` field with its interval in seconds


@dataclass(frozen=True)
class OutcomeTypeRule:
    """Everything one outcome type means (docs/concepts/outcomes.md), declared once."""

    window_setting: str  # the ``Settings`` field with its window in hours
    signals: Mapping[SignalKind, Verdict]  # the kinds that decide it inside the window
    at_window_end: WindowEnd  # what a still-pending outcome becomes when the window closes
    # The job that re-decides it before its window ends (the window-end job visits every type).
    safety_net: SafetyNet | None = None

    @functools.cached_property
    def by_deal(self) -> bool:
        """Only deal signals decide it, so an outcome of this type must name its deal."""
        return all(kind in DEAL_KINDS for kind in self.signals)

    @property
    def expires(self) -> bool:
        """An undecided window ends EXPIRED (rather than as a verdict on the agent)."""
        return self.at_window_end(()).status == OutcomeStatus.EXPIRED


def ends(status: OutcomeStatus, reason: str) -> WindowEnd:
    """A window-end rule that does not look at the signals."""
    return lambda signals: Decision(status, reason)


def _engagement_end(signals: Sequence[SignalFact]) -> Decision:
    if sum(s.kind == SignalKind.CUSTOMER_REPLIED for s in signals) == 1:
        return Decision(OutcomeStatus.AMBIGUOUS, "window ended with exactly one reply")
    return Decision(NEGATIVE, "window ended without engagement")


def _second_reply(signal: SignalFact, replies: int, rules: OutcomeRules) -> OutcomeStatus | None:
    return POSITIVE if replies >= 2 else None


def _stage_move(signal: SignalFact, replies: int, rules: OutcomeRules) -> OutcomeStatus | None:
    p = signal.payload
    return {1: POSITIVE, -1: NEGATIVE}.get(rules.stage_direction(p["fromStage"], p["toStage"]))


def _helpful(signal: SignalFact, replies: int, rules: OutcomeRules) -> OutcomeStatus | None:
    return POSITIVE if signal.payload.get("helpful") else NEGATIVE


OUTCOME_TYPES: dict[OutcomeType, OutcomeTypeRule] = {
    OutcomeType.IMMEDIATE_RESPONSE: OutcomeTypeRule(
        window_setting="window_immediate_hours",
        signals={SignalKind.CUSTOMER_REPLIED: POSITIVE, SignalKind.UNSUBSCRIBED: NEGATIVE},
        at_window_end=ends(NEGATIVE, "ghosted: no reply within the window"),
        safety_net=SafetyNet("immediate", "immediate_interval_seconds"),
    ),
    OutcomeType.ENGAGEMENT: OutcomeTypeRule(
        window_setting="window_engagement_hours",
        signals={
            SignalKind.MEETING_BOOKED: POSITIVE,
            SignalKind.CUSTOMER_REPLIED: _second_reply,
            SignalKind.UNSUBSCRIBED: NEGATIVE,
        },
        at_window_end=_engagement_end,
        safety_net=SafetyNet("engagement", "engagement_interval_seconds"),
    ),
    OutcomeType.QUALIFICATION: OutcomeTypeRule(
        window_setting="window_qualification_hours",
        signals={
            SignalKind.QUALIFICATION_COMPLETED: POSITIVE,
            SignalKind.UNSUBSCRIBED: NEGATIVE,
            SignalKind.DEAL_LOST: NEGATIVE,
        },
        at_window_end=ends(NEGATIVE, "window ended without qualification"),
    ),
    OutcomeType.DEAL_PROGRESSION: OutcomeTypeRule(
        window_setting="window_deal_hours",
        signals={
            SignalKind.DEAL_STAGE_CHANGED: _stage_move,
            SignalKind.DEAL_WON: POSITIVE,
            SignalKind.DEAL_LOST: NEGATIVE,
        },
        at_window_end=ends(NEGATIVE, "stalled: the deal did not progress within the window"),
        safety_net=SafetyNet("deal_progression", "deal_interval_seconds"),
    ),
    OutcomeType.ESCALATION: OutcomeTypeRule(
        window_setting="window_escalation_hours",
        signals={SignalKind.ESCALATION_RESOLVED: _helpful},
        at_window_end=ends(OutcomeStatus.EXPIRED, "window ended without an escalation result"),
    ),
}

# Which outcome types each signal kind can decide; used to pick candidates.
AFFECTS: dict[SignalKind, frozenset[OutcomeType]] = {
    kind: frozenset(t for t, rule in OUTCOME_TYPES.items() if kind in rule.signals)
    for kind in SignalKind
}


def decide(
    outcome_type: OutcomeType, signals: Sequence[SignalFact], rules: OutcomeRules
) -> Decision | None:
    """The first decisive signal (oldest first) inside the window, or None while undecided."""
    verdicts = OUTCOME_TYPES[outcome_type].signals
    replies = 0
    for signal in sorted(signals, key=lambda s: (s.occurred_at, s.id.hex)):
        replies += signal.kind == SignalKind.CUSTOMER_REPLIED
        verdict = verdicts.get(signal.kind)
        status = verdict if not callable(verdict) else verdict(signal, replies, rules)
        if status is not None:
            return Decision(status, _reason(signal, status), signal.id)
    return None


def decide_at_window_end(outcome_type: OutcomeType, signals: Sequence[SignalFact]) -> Decision:
    """What a still-pending outcome becomes when its window closes."""
    return OUTCOME_TYPES[outcome_type].at_window_end(signals)


def _reason(signal: SignalFact, status: OutcomeStatus) -> str:
    if signal.kind == SignalKind.DEAL_STAGE_CHANGED:
        p = signal.payload
        return f"deal moved {p['fromStage']} → {p['toStage']}"
    return f"{signal.kind.value.lower().replace('_', ' ')} ({status.value.lower()})"
