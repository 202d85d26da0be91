"""What every dashboard metric is computed from: outcome counts by (outcome type, status) and
feedback by (source, rating), for one scope and some days."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from hindsight.domain.enums import OutcomeStatus


@dataclass
class Counts:
    """Outcome counts by (outcome type, status), and feedback by (source, rating)."""

    outcomes: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    ratings: dict[tuple[str, int], tuple[int, float]] = field(default_factory=dict)

    def add_rating(self, key: tuple[str, int], count: int, total: float) -> None:
        n, s = self.ratings.get(key, (0, 0.0))
        self.ratings[key] = (n + count, s + total)

    def of(self, types: Collection[str] | None = None, status: str | None = None) -> int:
        """Outcomes of ``types`` (all when None) with ``status`` (any when None)."""
        return sum(
            v
            for (t, s), v in self.outcomes.items()
            if (types is None or t in types) and (status is None or s == status)
        )

    def success(self, types: Collection[str] | None = None) -> float | None:
        """positive / (positive + negative) over ``types``; None when both are 0."""
        return rate(self.of(types, OutcomeStatus.POSITIVE), self.of(types, OutcomeStatus.NEGATIVE))


def rate(positive: int, negative: int) -> float | None:
    return positive / (positive + negative) if positive + negative else None
