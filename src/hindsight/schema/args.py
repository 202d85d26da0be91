"""Argument descriptions shared by several root fields."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import MISSING
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext
from strawberry.types.base import StrawberryOptional
from strawberry.types.enum import has_enum_definition

T = TypeVar("T")

INPUT = strawberry.argument(
    description="What to write; a mistake comes back as ValidationError naming the field."
)
PERIOD = strawberry.argument(
    description="Which days (inclusive, in period.timeZone); default: the 30 ending today."
)
ACTION_TYPE = strawberry.argument(description="An action type, as outcomes carry it.")
ID = strawberry.argument(description="The id the object was returned with.")
REP_ID = strawberry.argument(description="The rep (the `repId` outcomes carry).")
TEAM_ID = strawberry.argument(description="The team (the `teamId` outcomes carry).")
INPUTS = strawberry.argument(
    description="Up to 500 items; one result per item, in order; the valid ones commit together."
)


def values_of(argument: Any) -> dict[str, Any]:
    """An input object's field values, as they are (``dataclasses.asdict`` deep-copies
    every JSON value: a tenth of a 500-item batch's time)."""
    return {f.name: getattr(argument, f.name) for f in dataclasses.fields(argument)}


def built_directly(cls: T) -> T:
    """Build this input type straight from graphql-core's coerced values, through
    Strawberry's ``from_input`` hook: its scalar and enum fields are taken as graphql-core
    parsed them (what Strawberry's generic conversion returns too, after resolving every
    field's type again for every value: a third of a 500-item batch's time); any other field
    is converted by Strawberry as before."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    plans: dict[int, list[_Field]] = {}

    def build(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
        plan = plans.get(id(context.config))
        if plan is None:
            plan = plans[id(context.config)] = _plan(definition, context)
        kwargs: dict[str, Any] = {}
        for f in plan:
            if f.graphql_name in value:
                item = value[f.graphql_name]
                leaf = f.leaf or item is None
                kwargs[f.python_name] = (
                    item if leaf else context.convert(item, f.type, f.graphql_name)
                )
            elif f.implicit_none:  # as Strawberry does: nullable without a default
                kwargs[f.python_name] = None
        return type_(**kwargs)

    definition.from_input = build
    return cls


@dataclasses.dataclass(frozen=True)
class _Field:
    python_name: str
    graphql_name: str
    leaf: bool  # a scalar or an enum: graphql-core's value is the value
    type: Any
    implicit_none: bool


def _plan(definition: Any, context: InputContext) -> list[_Field]:
    plan = []
    for field in definition.fields:
        field_type = field.resolve_type(type_definition=definition)
        inner = field_type.of_type if isinstance(field_type, StrawberryOptional) else field_type
        plan.append(
            _Field(
                field.python_name,
                context.config.name_converter.from_field(field),
                is_scalar(inner, context.scalar_registry) or has_enum_definition(inner),
                field_type,
                field.default_value is MISSING and field.default_factory is MISSING,
            )
        )
    return plan
