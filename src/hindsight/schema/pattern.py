"""``CoachingPattern``: advice with the numbers behind it."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from hindsight.domain.patterns import Pattern


@strawberry.type
class CoachingPattern:
    kind: str
    subject: str
    description: str
    success_rate: float | None
    sample_size: int
    confidence: float
    recommendation: str
    evidence: JSON

    @classmethod
    def from_domain(cls, p: Pattern) -> CoachingPattern:
        return cls(
            kind=p.kind,
            subject=p.subject,
            description=p.description,
            success_rate=p.success_rate,
            sample_size=p.sample_size,
            confidence=p.confidence,
            recommendation=p.recommendation,
            evidence=p.evidence,
        )
