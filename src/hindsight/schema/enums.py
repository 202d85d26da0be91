"""GraphQL enums: the domain's enums exposed under their fixed names, each value described.

``strawberry.enum`` marks the class itself, so the names below are the domain enums (real
types for mypy) and the calls only attach the GraphQL definition and its descriptions.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry

from hindsight.domain.enums import (  # the GraphQL enums are the domain's, described here
    CalibrationMethod,
    FeedbackSource,
    FeedbackTarget,
    OutcomeEventKind,
    OutcomeStatus,
    OutcomeType,
    Role,
    SignalKind,
)

__all__ = [
    "CalibrationMethod",
    "FeedbackSource",
    "FeedbackTarget",
    "OutcomeEventKind",
    "OutcomeStatus",
    "OutcomeType",
    "Role",
    "SignalKind",
]

E = TypeVar("E", bound=type[Enum])


def described(kind: E, description: str, values: dict[str, str]) -> E:
    """``strawberry.enum`` with a description on the enum and on each of its values."""
    exposed = strawberry.enum(kind, description=description)
    definition = exposed.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = values[value.name]
    return exposed


described(
    OutcomeStatus,
    "Where an outcome stands. Success rate = POSITIVE / (POSITIVE + NEGATIVE).",
    {
        "PENDING": "Recorded; its window is open and nothing has decided it yet.",
        "POSITIVE": "The action worked (a signal, a person or the agent said so).",
        "NEGATIVE": "The action did not work, or its window ended without success.",
        "AMBIGUOUS": "Decided, but neither way (e.g. ENGAGEMENT with exactly one reply).",
        "EXPIRED": "An ESCALATION whose window ended without a verdict.",
    },
)
described(
    OutcomeType,
    "What kind of result an action aims for; fixes its window and resolution rules.",
    {
        "IMMEDIATE_RESPONSE": "A reply within 24 h (settings: window hours).",
        "ENGAGEMENT": "A meeting or a second reply within 168 h.",
        "QUALIFICATION": "Qualification completed within 168 h.",
        "DEAL_PROGRESSION": "The deal moves forward or is won within 720 h (needs dealId).",
        "ESCALATION": "A hand-off to a person, judged helpful or not within 168 h.",
    },
)
described(
    SignalKind,
    "What happened in the CRM or the conversation; matched by conversationId or dealId.",
    {
        "CUSTOMER_REPLIED": "The customer replied (conversation).",
        "MEETING_BOOKED": "A meeting was booked (conversation).",
        "QUALIFICATION_COMPLETED": "Qualification finished (conversation).",
        "DEAL_STAGE_CHANGED": "The deal moved from fromStage to toStage (deal).",
        "DEAL_WON": "The deal was won (deal).",
        "DEAL_LOST": "The deal was lost (deal).",
        "UNSUBSCRIBED": "The customer unsubscribed (conversation).",
        "ESCALATION_RESOLVED": "A person handled an escalation; `helpful` says if it was worth it.",
    },
)
described(
    Role,
    "Who the bearer token speaks for.",
    {
        "AGENT": "The AI agent: records outcomes and signals, reads its tenant's outcomes.",
        "REP": "A sales rep: their own outcomes, feedback and dashboard.",
        "MANAGER": "A team's manager: their team's reps, dashboard, coaching, calibration.",
        "EXECUTIVE": "Reads everything in the tenant, including the executive summary.",
        "ANALYST": "Reads everything in the tenant.",
        "ADMIN": "Everything, plus the team directory, runCalibration, runDetection, imports.",
    },
)
described(
    FeedbackTarget,
    "What a feedback entry rates.",
    {
        "MESSAGE": "One message the agent wrote.",
        "DECISION": "One decision the agent took.",
        "CONVERSATION": "A whole conversation.",
        "OUTCOME": "One recorded outcome (give outcomeId).",
    },
)
described(
    FeedbackSource,
    "Where a rating was given; fixes its scale.",
    {
        "INLINE": "Thumbs in the conversation: rating −1, 0 or 1 (score 0, 0.5, 1).",
        "DASHBOARD": "Stars on a dashboard: rating 1..5 (score (rating − 1)/4).",
    },
)
described(
    OutcomeEventKind,
    "What happened to an outcome.",
    {"RECORDED": "It was recorded.", "RESOLVED": "It left PENDING."},
)
described(
    CalibrationMethod,
    "How calibratedConfidence adjusts the agent's confidence.",
    {
        "MULTIPLIER": "clamp(confidence × the action type's multiplier, 0, 1).",
        "HISTOGRAM": "(n_b·observedRate_b + 10·confidence)/(n_b + 10) over confidence's bin.",
    },
)
