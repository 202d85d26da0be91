"""The shape every piece of coaching advice takes (docs/concepts/coaching.md), shared by the manager
dashboard's coaching opportunities and the coaching queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Pattern:
    kind: str  # e.g. ACTION_EFFECTIVENESS, REP_BELOW_TEAM, LOW_SUCCESS, ESCALATION_TRIGGER
    subject: str  # the action type, rep, outcome type or trigger the pattern is about
    description: str  # one readable sentence with the numbers
    success_rate: float | None
    sample_size: int
    confidence: float  # a statistical quantity, named in ``evidence["confidenceMeasure"]``
    recommendation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    # comparisons against the rest of the tenant (``domain.coaching.compare``); None elsewhere
    p_value: float | None = None
    adjusted_p_value: float | None = None
    rest_rate: float | None = None
    tests_in_family: int | None = None
