"""Expected failures, raised by the domain and turned into GraphQL shapes at the edge."""

from __future__ import annotations

from hindsight.db.faults import Unavailable

__all__ = [
    "DomainError",
    "Forbidden",
    "NotFound",
    "Unauthenticated",
    "Unavailable",
    "ValidationFailed",
]


class DomainError(Exception):
    """Base of every expected failure."""


class ValidationFailed(DomainError):
    """Bad input: returned to the client as ``ValidationError { field message }``."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotFound(DomainError):
    def __init__(self, id: str, message: str = "not found") -> None:
        super().__init__(message)
        self.id = id
        self.message = message


class Unauthenticated(DomainError):
    def __init__(self, message: str = "a valid bearer token is required") -> None:
        super().__init__(message)


class Forbidden(DomainError):
    def __init__(self, message: str = "not allowed for this role") -> None:
        super().__init__(message)
