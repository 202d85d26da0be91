"""How many items a list field can return, for the cost budget (``limits``).

A list declares its most items in its field's ``metadata`` (``SIZE``): a number (a curve's
10 bins), or ``PER_DAY`` for one item per day of the period the field's report covers (a
dashboard's ``trend``). The period's days are read from the document: a literal ``from`` and
``to`` give their span, a left-out ``from`` the 30 default days, anything else (a variable,
an open end, a dashboard found by ``node(id:)``) the longest period there is. Introspection
lists count by the schema's size: ``types`` as many as it has, a type's ``fields`` (``args``,
``enumValues``…) as many as its types (fields) have on average, so a full walk costs what the
whole schema holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    NullValueNode,
    ObjectValueNode,
    SchemaMetaFieldDef,
    StringValueNode,
    TypeMetaFieldDef,
    ValueNode,
)

from hindsight.domain.periods import DEFAULT_DAYS, MAX_DAYS

SIZE = "list_size"  # the metadata key
PER_DAY = "per_day"
LONGEST = MAX_DAYS + 1  # days a period of MAX_DAYS can touch
INTROSPECTION = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


def most(count: int | str) -> dict[str, Any]:
    """A list field's ``metadata``: it never returns more than ``count`` items."""
    return {SIZE: count}


def declared(definition: GraphQLField, days: int | None) -> int | None:
    """The most items the field's list may hold, as its metadata says (None: not said)."""
    field = (definition.extensions or {}).get("strawberry-definition")
    size = getattr(field, "metadata", {}).get(SIZE)
    if size == PER_DAY:
        return LONGEST if days is None else days
    return size if isinstance(size, int) else None


def period_days(definition: GraphQLField, arguments: dict[str, ValueNode]) -> int | None:
    """The days a field's ``period`` (or ``filter.period``) argument covers at most; None
    when the field takes neither."""
    if "period" in definition.args:
        return _days(arguments.get("period"))
    if "filter" not in definition.args:
        return None
    given = arguments.get("filter")
    if isinstance(given, ObjectValueNode):
        return _days(_fields(given).get("period"))
    return DEFAULT_DAYS if given is None or isinstance(given, NullValueNode) else LONGEST


def _days(period: ValueNode | None) -> int:
    if period is None or isinstance(period, NullValueNode):
        return DEFAULT_DAYS
    if not isinstance(period, ObjectValueNode):
        return LONGEST  # a variable
    return _span(_fields(period))


def _span(fields: dict[str, ValueNode]) -> int:
    start, end = fields.get("from"), fields.get("to")
    if start is None or isinstance(start, NullValueNode):
        return DEFAULT_DAYS
    if not (isinstance(start, StringValueNode) and isinstance(end, StringValueNode)):
        return LONGEST
    try:
        span = dt.datetime.fromisoformat(end.value) - dt.datetime.fromisoformat(start.value)
    except (ValueError, TypeError):
        return LONGEST  # refused when it runs; counted as the most meanwhile
    return min(max(span.days + 2, 1), LONGEST)  # + both ends' days, and a zone's shift


def _fields(value: ObjectValueNode) -> dict[str, ValueNode]:
    return {field.name.value: field.value for field in value.fields}


@functools.lru_cache(maxsize=8)
def introspection_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], int]:
    """(introspection type, list field) → its items, by the schema's size."""
    types = list(schema.type_map.values())
    fielded = [t for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)]
    fields = [f for t in fielded for f in t.fields.values()]
    directives = schema.directives
    per_type = functools.partial(_mean, len(types))
    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(directives),
        ("__Type", "fields"): per_type(len(fields)),
        ("__Type", "interfaces"): per_type(sum(len(t.interfaces) for t in fielded)),
        ("__Type", "possibleTypes"): per_type(_possible(schema, types)),
        ("__Type", "enumValues"): per_type(
            sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType))
        ),
        ("__Type", "inputFields"): per_type(
            sum(len(t.fields) for t in types if isinstance(t, GraphQLInputObjectType))
        ),
        ("__Field", "args"): _mean(len(fields), sum(len(f.args) for f in fields)),
        ("__Directive", "args"): _mean(len(directives), sum(len(d.args) for d in directives)),
    }


def _possible(schema: GraphQLSchema, types: list[Any]) -> int:
    unions = sum(len(t.types) for t in types if isinstance(t, GraphQLUnionType))
    interfaces = [t for t in types if isinstance(t, GraphQLInterfaceType)]
    return unions + sum(len(schema.get_possible_types(t)) for t in interfaces)


def _mean(parents: int, items: int) -> int:
    return max(1, math.ceil(items / max(parents, 1)))
