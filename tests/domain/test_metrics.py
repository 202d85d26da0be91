"""The metric registry (``metrics.METRICS``) and the typed ``measures.Metrics`` agree: a
registry entry without its field (or a field without its entry) fails here and names the
line to write."""

from __future__ import annotations

import dataclasses
from typing import get_type_hints

from hindsight.domain.analytics.counts import Counts
from hindsight.domain.analytics.measures import Metrics, metrics
from hindsight.domain.analytics.metrics import BY_NAME, METRICS
from hindsight.domain.enums import OutcomeStatus, OutcomeType

PYTHON_TYPE = {"count": "int", "rate": "float | None"}


def typed_fields() -> list[str]:
    """``name: type`` of every field of ``Metrics`` but response_quality, in order."""
    hints = get_type_hints(Metrics)
    return [
        f"{f.name}: {_spelled(hints[f.name])}"
        for f in dataclasses.fields(Metrics)
        if f.name != "response_quality"
    ]


def _spelled(hint: object) -> str:
    return hint.__name__ if isinstance(hint, type) else str(hint)


def test_every_metric_is_a_typed_field_of_metrics_in_registry_order() -> None:
    wanted = [f"{m.name}: {PYTHON_TYPE[m.kind]}" for m in METRICS]
    assert typed_fields() == wanted, (
        "measures.Metrics needs exactly these fields before response_quality, in this order"
    )


def test_each_declaration_is_complete() -> None:
    assert len(BY_NAME) == len(METRICS), "two metrics share a name"
    for m in METRICS:
        assert m.name.isidentifier() and m.name.islower(), m.name
        assert m.label and m.description.endswith("."), m.name
        assert m.better in (-1, 0, 1), m.name


def test_an_empty_scope_has_zero_counts_and_null_rates() -> None:
    block = metrics(Counts())
    for m in METRICS:
        assert getattr(block, m.name) == (0 if m.kind == "count" else None), m.name


def test_a_computed_value_has_its_kind() -> None:
    counts = Counts()
    counts.outcomes.update({(t, s): 1 for t in OutcomeType for s in OutcomeStatus})
    for m in METRICS:
        assert isinstance(m.compute(counts), int if m.kind == "count" else float), m.name
