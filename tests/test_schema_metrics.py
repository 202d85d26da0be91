"""``MetricBlock`` is the metric registry (``domain/analytics/metrics.METRICS``) in GraphQL:
one field per entry, in its order, described by it word for word (Int! for a count, Float
for a rate), then responseQuality. Read from the printed SDL, as a client reads it."""

from __future__ import annotations

from graphql import GraphQLObjectType, build_schema, print_type

from hindsight.api.export import sdl
from hindsight.domain.analytics.metrics import METRICS

GRAPHQL_TYPE = {"count": "Int!", "rate": "Float"}
PYTHON_TYPE = {"count": "int", "rate": "float | None"}


def metric_block() -> GraphQLObjectType:
    block = build_schema(sdl()).get_type("MetricBlock")
    assert isinstance(block, GraphQLObjectType)
    return block


def test_every_metric_is_a_field_of_metric_block_with_its_description() -> None:
    fields = metric_block().fields
    for m in METRICS:
        line = f'{m.name}: {PYTHON_TYPE[m.kind]} = _metric("{m.name}")'
        assert m.camel_name in fields, f"schema/dashboards.MetricBlock needs `{line}`"
        field = fields[m.camel_name]
        assert field.description == m.description, m.name
        assert str(field.type) == GRAPHQL_TYPE[m.kind], m.name


def test_metric_block_is_the_registry_in_order_then_response_quality() -> None:
    names = list(metric_block().fields)
    assert names == [m.camel_name for m in METRICS] + ["responseQuality"], print_type(
        metric_block()
    )
