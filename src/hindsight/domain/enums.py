"""The vocabulary of the API (docs/concepts/, docs/operations/security.md): clients send
these names, so they change only as docs/reference/api.md#deprecation-policy says."""

from __future__ import annotations

from enum import StrEnum


class OutcomeStatus(StrEnum):
    PENDING = "PENDING"
    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    AMBIGUOUS = "AMBIGUOUS"
    EXPIRED = "EXPIRED"


class OutcomeType(StrEnum):
    IMMEDIATE_RESPONSE = "IMMEDIATE_RESPONSE"
    ENGAGEMENT = "ENGAGEMENT"
    QUALIFICATION = "QUALIFICATION"
    DEAL_PROGRESSION = "DEAL_PROGRESSION"
    ESCALATION = "ESCALATION"


class SignalKind(StrEnum):
    CUSTOMER_REPLIED = "CUSTOMER_REPLIED"
    MEETING_BOOKED = "MEETING_BOOKED"
    QUALIFICATION_COMPLETED = "QUALIFICATION_COMPLETED"
    DEAL_STAGE_CHANGED = "DEAL_STAGE_CHANGED"
    DEAL_WON = "DEAL_WON"
    DEAL_LOST = "DEAL_LOST"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    ESCALATION_RESOLVED = "ESCALATION_RESOLVED"


class Role(StrEnum):
    AGENT = "AGENT"
    REP = "REP"
    MANAGER = "MANAGER"
    EXECUTIVE = "EXECUTIVE"
    ANALYST = "ANALYST"
    ADMIN = "ADMIN"


class FeedbackTarget(StrEnum):
    MESSAGE = "MESSAGE"
    DECISION = "DECISION"
    CONVERSATION = "CONVERSATION"
    OUTCOME = "OUTCOME"


class FeedbackSource(StrEnum):
    INLINE = "INLINE"
    DASHBOARD = "DASHBOARD"


class OutcomeEventKind(StrEnum):
    RECORDED = "RECORDED"
    RESOLVED = "RESOLVED"


class CalibrationMethod(StrEnum):
    MULTIPLIER = "MULTIPLIER"
    HISTOGRAM = "HISTOGRAM"


DEAL_KINDS = frozenset({SignalKind.DEAL_STAGE_CHANGED, SignalKind.DEAL_WON, SignalKind.DEAL_LOST})
CONVERSATION_KINDS = frozenset(set(SignalKind) - DEAL_KINDS)
DECIDED = frozenset({OutcomeStatus.POSITIVE, OutcomeStatus.NEGATIVE})


class DriftKind(StrEnum):
    CALIBRATION = "CALIBRATION"
    SUCCESS_RATE = "SUCCESS_RATE"


class DriftDirection(StrEnum):
    OVERCONFIDENT = "OVERCONFIDENT"
    UNDERCONFIDENT = "UNDERCONFIDENT"
    UP = "UP"
    DOWN = "DOWN"
