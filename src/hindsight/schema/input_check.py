"""One check of every root field's arguments, before its resolver runs
(docs/operations/security.md).

Strings the database cannot store, datetimes without an offset or at the edges of the
calendar, and lists too long to bind are refused as ``ValidationFailed`` naming the field by
its GraphQL path (``filter.createdAfter``, ``metadata.note``, ``tags[1]``; a mutation's
``input.`` is left out, as the domain names its fields). Mutations whose result union has
``ValidationError`` return it as data (``ValidationErrors``); other fields answer
``BAD_USER_INPUT``. Nothing has run, so nothing is written.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info
from strawberry.utils.str_converters import to_camel_case

from hindsight.domain import validation
from hindsight.domain.errors import ValidationFailed
from hindsight.schema.errors import ValidationError


class CheckedArguments(FieldExtension):
    """Runs ``check`` over the converted arguments of the field it is applied to."""

    def apply(self, field: StrawberryField) -> None:
        self.names = {
            a.python_name: a.graphql_name or to_camel_case(a.python_name) for a in field.arguments
        }

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        for name, value in kwargs.items():
            graphql_name = self.names.get(name, name)
            check(value, "" if graphql_name == "input" else graphql_name)
        return kwargs


def check(value: Any, path: str) -> None:
    """Refuse the first value under ``path`` the database or Python cannot hold."""
    stack = [(path, value, 0)]
    while stack:
        where, item, depth = stack.pop()
        validation.nesting(depth, where.split(".")[0].split("[")[0] or "input")
        children = [(p, v, depth + 1) for p, v in _children(where, item)]
        stack.extend(reversed(children))


def _children(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, str):
        validation.text(value, path)
    elif isinstance(value, dt.datetime):
        validation.instant(value, path)
    elif isinstance(value, list | tuple):
        validation.items(len(value), path)
        yield from ((f"{path}[{i}]", v) for i, v in enumerate(value))
    elif isinstance(value, dict):  # a JSON scalar
        for key, v in value.items():
            validation.text(str(key), path or "input")
            yield _join(path, str(key)), v
    elif (names := _input_fields(value.__class__)) is not None:
        for python_name, name in names:
            yield _join(path, name), getattr(value, python_name, None)


@functools.cache
def _input_fields(cls: Any) -> tuple[tuple[str, str], ...] | None:
    """An input type's (Python, GraphQL) field names, worked out once per type; None for a
    type that is not a GraphQL input."""
    definition = get_object_definition(cls)
    if definition is None or not definition.is_input:
        return None
    return tuple(
        (f.python_name, f.graphql_name or to_camel_case(f.python_name)) for f in definition.fields
    )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def check_root_fields(types: Iterable[type]) -> None:
    """Give every field with arguments of the root ``types`` one ``CheckedArguments``."""
    for root in types:
        definition = get_object_definition(root, strict=True)
        for field in definition.fields:
            present = any(isinstance(e, CheckedArguments) for e in field.extensions)
            if field.arguments and not present:
                field.extensions.append(CheckedArguments())


class ValidationErrors(strawberry.ExceptionHandler[ValidationFailed, ValidationError]):
    """A ``ValidationFailed`` in a field whose union has ``ValidationError`` is that member."""

    def handle(
        self, exception: ValidationFailed, *, field: StrawberryField, info: Info
    ) -> ValidationError:
        return ValidationError(field=exception.field, message=exception.message)
