"""The Strawberry schema, built with the limits of DESIGN.md §10 from settings."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from hindsight.schema.errors import ShapeErrors
from hindsight.schema.root import Mutation, Query
from hindsight.schema.subscriptions import Subscription
from hindsight.settings import Settings


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Client mistakes are answered, not logged; ``ShapeErrors`` logs unexpected ones."""


def build_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[object] = [
        ShapeErrors,  # classes, not instances: a fresh extension per operation
        lambda: MaxTokensLimiter(settings.max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        ParserCache,
        ValidationCache,
    ]
    if not settings.introspection:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,  # type: ignore[arg-type]
        config=StrawberryConfig(disable_field_suggestions=not settings.embedded),
    )
