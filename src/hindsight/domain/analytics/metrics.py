"""The dashboard metrics (docs/concepts/dashboards.md), one declaration each: the domain computes
them from it (``measures.metrics``), the schema describes ``MetricBlock``'s fields with it and the
live panel draws its tiles from it (``/panel/metrics.json``). Response quality is not here: it is a
block of its own (``measures.quality``), read from feedback.

``METRICS`` is in the order of ``MetricBlock``'s fields (and of ``measures.Metrics``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from hindsight.domain.analytics.counts import Counts
from hindsight.domain.enums import OutcomeStatus, OutcomeType

Kind = Literal["count", "rate"]


@dataclass(frozen=True)
class Metric:
    name: str  # the field: ``Metrics.<name>``, ``MetricBlock.<camelCase name>``
    label: str  # for people (the panel's tile)
    description: str  # the schema's field description, word for word
    kind: Kind  # a count (int) or a rate (a fraction, None when its denominator is 0)
    better: int  # +1 when a rise is good news, -1 when it is bad news, 0 when neither
    compute: Callable[[Counts], int | float | None]
    tile: bool = True  # shown on the live panel

    @property
    def camel_name(self) -> str:
        """The name GraphQL clients see: ``success_rate`` -> ``successRate``."""
        first, *rest = self.name.split("_")
        return first + "".join(word.capitalize() for word in rest)


def escalation_rate(c: Counts) -> float | None:
    actions = c.of()
    return c.of({OutcomeType.ESCALATION}) / actions if actions else None


METRICS: tuple[Metric, ...] = (
    Metric(
        name="actions",
        label="Actions",
        description="Outcomes acted on in the period (every status).",
        kind="count",
        better=0,
        compute=lambda c: c.of(),
    ),
    Metric(
        name="pending",
        label="Pending",
        description="Of those, PENDING.",
        kind="count",
        better=0,
        compute=lambda c: c.of(status=OutcomeStatus.PENDING),
    ),
    Metric(
        name="positive",
        label="Positive",
        description="Of those, POSITIVE.",
        kind="count",
        better=0,
        compute=lambda c: c.of(status=OutcomeStatus.POSITIVE),
    ),
    Metric(
        name="negative",
        label="Negative",
        description="Of those, NEGATIVE.",
        kind="count",
        better=0,
        compute=lambda c: c.of(status=OutcomeStatus.NEGATIVE),
    ),
    Metric(
        name="ambiguous",
        label="Ambiguous",
        description="Of those, AMBIGUOUS.",
        kind="count",
        better=0,
        compute=lambda c: c.of(status=OutcomeStatus.AMBIGUOUS),
        tile=False,
    ),
    Metric(
        name="expired",
        label="Expired",
        description="Of those, EXPIRED.",
        kind="count",
        better=0,
        compute=lambda c: c.of(status=OutcomeStatus.EXPIRED),
        tile=False,
    ),
    Metric(
        name="success_rate",
        label="Success rate",
        description="positive / (positive + negative); null when both are 0.",
        kind="rate",
        better=1,
        compute=lambda c: c.success(),
    ),
    Metric(
        name="engagement_score",
        label="Engagement",
        description="The success rate of IMMEDIATE_RESPONSE and ENGAGEMENT outcomes.",
        kind="rate",
        better=1,
        compute=lambda c: c.success({OutcomeType.IMMEDIATE_RESPONSE, OutcomeType.ENGAGEMENT}),
    ),
    Metric(
        name="qualification_completion_rate",
        label="Qualification completion",
        description="The success rate of QUALIFICATION outcomes.",
        kind="rate",
        better=1,
        compute=lambda c: c.success({OutcomeType.QUALIFICATION}),
        tile=False,
    ),
    Metric(
        name="deal_progression_rate",
        label="Deal progression",
        description="The success rate of DEAL_PROGRESSION outcomes.",
        kind="rate",
        better=1,
        compute=lambda c: c.success({OutcomeType.DEAL_PROGRESSION}),
        tile=False,
    ),
    Metric(
        name="escalation_rate",
        label="Escalation rate",
        description="ESCALATION outcomes / actions; null without actions.",
        kind="rate",
        better=-1,
        compute=escalation_rate,
    ),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
