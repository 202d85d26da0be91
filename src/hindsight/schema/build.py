"""The Strawberry schema, built with the limits of DESIGN.md §10 from settings."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig

from hindsight.schema.errors import ShapeErrors
from hindsight.schema.root import Mutation, Query
from hindsight.schema.subscriptions import Subscription
from hindsight.settings import Settings


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Client mistakes are answered, not logged; ``ShapeErrors`` logs unexpected ones."""


def build_schema(settings: Settings) -> strawberry.Schema:
    # The rule classes are built once: the validation cache keys on them, so a rule class
    # made per request (as QueryDepthLimiter/MaxAliasesLimiter do) would never hit.
    rules = [
        depth_rule(settings.max_query_depth, None, None),
        aliases_rule(settings.max_aliases),
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    extensions: list[object] = [
        ShapeErrors,  # classes or factories, never shared instances: one per operation
        lambda: MaxTokensLimiter(settings.max_tokens),
        lambda: AddValidationRules(rules),
        ParserCache,
        ValidationCache,
    ]
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,  # type: ignore[arg-type]
        config=StrawberryConfig(disable_field_suggestions=not settings.embedded),
    )
