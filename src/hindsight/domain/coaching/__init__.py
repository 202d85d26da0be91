"""Coaching patterns (docs/concepts/coaching.md): ``reports`` (what works, what does not, what to
do), ``queries`` (the grouped aggregates they read), ``compare`` (a subject against the rest of the
tenant), ``escalations`` and ``advice`` (the wording of each pattern)."""

from hindsight.domain.coaching.reports import (
    coaching_patterns,
    escalation_patterns,
    improvement_areas,
    top_performing_actions,
)

__all__ = [
    "coaching_patterns",
    "escalation_patterns",
    "improvement_areas",
    "top_performing_actions",
]
