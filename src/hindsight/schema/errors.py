"""Errors: the types the …Result unions return as data (ValidationError, NotFoundError), and
the shaping of the rest: domain failures get their ``extensions.code``; anything else is
masked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from hindsight.domain.errors import (
    DomainError,
    Forbidden,
    NotFound,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from hindsight.schema.deprecations import going

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type(description="Bad input: nothing was written.")
class ValidationError:
    field: str | None = strawberry.field(
        description=(
            "The input field at fault (camelCase path, e.g. `predictedConfidence`); null "
            "when the input as a whole is."
        )
    )
    message: str = strawberry.field(description="What is wrong, for a person.")

    @classmethod
    def of(cls, error: ValidationFailed) -> ValidationError:
        return cls(field=error.field, message=error.message)


ID_DEPRECATION = going("Use requestedId.")


@strawberry.type(
    description="The id names nothing you may see (NOT_FOUND never tells whether it exists)."
)
class NotFoundError:
    requested_id: strawberry.ID = strawberry.field(
        description="The id that was not found (asked for; not this error's identity)."
    )
    id: strawberry.ID = strawberry.field(
        description="The id that was not found: a normalized cache keyed by `id` (Relay) "
        "would merge this error with the object of that id, so read requestedId.",
        deprecation_reason=ID_DEPRECATION,
    )
    message: str = strawberry.field(description="What was not found, for a person.")

    @classmethod
    def of(cls, error: NotFound) -> NotFoundError:
        requested = strawberry.ID(error.id)
        return cls(requested_id=requested, id=requested, message=error.message)


def written_or_refused(
    result: T | ValidationFailed, written: Callable[[T], R]
) -> R | ValidationError:
    """A ``…Result`` union's member: ``written(result)``, or why nothing was written."""
    if isinstance(result, ValidationFailed):
        return ValidationError.of(result)
    return written(result)


log = logging.getLogger("hindsight.errors")

CODES: dict[type[Exception], str] = {
    Unauthenticated: "UNAUTHENTICATED",
    Forbidden: "FORBIDDEN",
    NotFound: "NOT_FOUND",
    ValidationFailed: "BAD_USER_INPUT",
    Unavailable: "SERVICE_UNAVAILABLE",  # retryable: e.g. the database connection was lost
}
EXPECTED = (DomainError, Unavailable, GraphQLError)


def is_unexpected(error: GraphQLError) -> bool:
    """Errors from graphql-core itself (syntax, validation) and domain errors stay visible."""
    original = error.original_error
    return original is not None and not isinstance(original, EXPECTED)


def with_code(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    code = next((c for kind, c in CODES.items() if isinstance(original, kind)), None)
    if code is None:
        return error
    extensions = {**(error.extensions or {}), "code": code}
    if isinstance(original, ValidationFailed) and original.field:
        extensions["field"] = original.field
    return GraphQLError(
        error.message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        original,
        extensions,
    )


class ShapeErrors(MaskErrors):
    """``MaskErrors`` with a predicate, plus codes and a logged request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Unexpected error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return super()._process_errors([with_code(e) for e in errors])

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "-")
        log.error("unexpected error, request id %s", request_id, exc_info=error.original_error)
        return GraphQLError(
            f"Unexpected error (request id {request_id}).",
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
