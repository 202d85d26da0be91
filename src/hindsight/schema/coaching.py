"""``CoachingPattern``: advice with the numbers behind it, each formula stated."""

from __future__ import annotations

import enum
from typing import cast

import strawberry
from strawberry.scalars import JSON

from hindsight.domain.analytics.patterns import Pattern

PATTERN_DESCRIPTION = """Coaching advice with the numbers behind it.

successRate = POSITIVE / (POSITIVE + NEGATIVE) over the subject's outcomes acted on in the
period's UTC days (null when there are none); sampleSize is that denominator. Intervals are
95% Wilson score intervals, z = 1.959963984540054: (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) /
(1 + z²/n). Feedback in evidence (feedbackCount, feedbackMean = mean score) is the feedback
*given* in the period's days on the subject's outcomes, as dashboards count it."""
CONFIDENCE = (
    "A statistic, named by evidence.confidenceMeasure: the Wilson lower bound of the success "
    "rate (rankings, TOP_ACTION, POORLY_RATED_WORKING), 1 − the Wilson upper bound "
    "(LOW_SUCCESS, WELL_RATED_FAILING), 1 − adjustedPValue (ACTION_EFFECTIVENESS, OUTCOME_TYPE)."
)
P_VALUE = (
    "Two-sided pooled two-proportion z-test of this subject against the rest of the tenant: "
    "z = (s₁/n₁ − s₂/n₂)/√(p̄(1−p̄)(1/n₁ + 1/n₂)), p̄ = (s₁+s₂)/(n₁+n₂), p = erfc(|z|/√2); "
    "p = 1 when either side has no decided outcome or p̄ is 0 or 1. Null for other kinds."
)
ADJUSTED = (
    "Benjamini–Hochberg adjusted p over the testsInFamily tests of this query: sorted "
    "ascending, q₍ᵢ₎ = min over j ≥ i of m·p₍ⱼ₎/j, capped at 1; significant when ≤ 0.05."
)
REST_RATE = (
    "The success rate of the rest of the tenant: every other subject of the same kind (other "
    "action types, or other outcome types) in the period, pooled; null when they have none."
)
FAMILY = (
    "m: how many subjects of this kind had ≥ minSamples decided outcomes and were tested "
    "together (one family per kind per query)."
)


@strawberry.enum(description="What a coaching pattern is about (the closed set the API emits).")
class CoachingPatternKind(enum.Enum):
    ACTION_EFFECTIVENESS = strawberry.enum_value(
        "ACTION_EFFECTIVENESS",
        description="An action type against the tenant's other actions (z-test, BH-adjusted).",
    )
    OUTCOME_TYPE = strawberry.enum_value(
        "OUTCOME_TYPE", description="An outcome type the agent wins or loses more than others."
    )
    LOW_SUCCESS = strawberry.enum_value(
        "LOW_SUCCESS", description="Succeeding under 40% with a Wilson upper bound below 0.5."
    )
    FEEDBACK_MISMATCH = strawberry.enum_value(
        "FEEDBACK_MISMATCH", description="People's ratings disagree with the outcomes."
    )
    TOP_ACTION = strawberry.enum_value(
        "TOP_ACTION", description="Ranked by the Wilson lower bound of its success rate."
    )
    ESCALATION_TRIGGER = strawberry.enum_value(
        "ESCALATION_TRIGGER", description="One escalation trigger: how often it helps."
    )
    REP_BELOW_TEAM = strawberry.enum_value(
        "REP_BELOW_TEAM", description="A rep clearly below their team (manager dashboard)."
    )
    ACTION_BELOW_TEAM = strawberry.enum_value(
        "ACTION_BELOW_TEAM",
        description="An action type clearly below the team (manager dashboard).",
    )


@strawberry.type(description=PATTERN_DESCRIPTION)
class CoachingPattern:
    kind: CoachingPatternKind = strawberry.field(description="What the pattern is about.")
    subject: str = strawberry.field(
        description="Its subject: an action type, an outcome type, a rep or a trigger."
    )
    description: str = strawberry.field(
        description="The finding in one sentence, with its numbers."
    )
    success_rate: float | None = strawberry.field(
        description="The subject's success rate; null without decided outcomes."
    )
    sample_size: int = strawberry.field(description="Its decided (POSITIVE + NEGATIVE) outcomes.")
    confidence: float = strawberry.field(description=CONFIDENCE)
    recommendation: str = strawberry.field(description="What to do about it.")
    evidence: JSON = strawberry.field(
        description="Every number behind the pattern (counts by status, wilsonLow/High, "
        "meanPredictedConfidence, feedbackCount/Mean, confidenceMeasure, …)."
    )
    p_value: float | None = strawberry.field(description=P_VALUE)
    adjusted_p_value: float | None = strawberry.field(description=ADJUSTED)
    rest_rate: float | None = strawberry.field(description=REST_RATE)
    tests_in_family: int | None = strawberry.field(description=FAMILY)

    @classmethod
    def from_domain(cls, p: Pattern) -> CoachingPattern:
        return cls(
            kind=CoachingPatternKind(p.kind),
            subject=p.subject,
            description=p.description,
            success_rate=p.success_rate,
            sample_size=p.sample_size,
            confidence=p.confidence,
            recommendation=p.recommendation,
            evidence=cast(JSON, p.evidence),
            p_value=p.p_value,
            adjusted_p_value=p.adjusted_p_value,
            rest_rate=p.rest_rate,
            tests_in_family=p.tests_in_family,
        )
