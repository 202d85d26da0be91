"""The Strawberry schema, built with the limits of docs/operations/security.md from settings."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from hindsight import telemetry
from hindsight.api.root import Mutation, Query
from hindsight.api.subscriptions import Subscription
from hindsight.domain.enums import Role
from hindsight.http_subscriptions import StreamStarted
from hindsight.schema.errors import ShapeErrors
from hindsight.schema.input_check import ValidationErrors, check_root_fields
from hindsight.schema.limits import Limits, limits_rule
from hindsight.schema.persisted import Manifest, PersistedDocuments
from hindsight.schema.scalars import OVERRIDES
from hindsight.settings import Settings


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Client mistakes are answered, not logged; ``ShapeErrors`` logs unexpected ones."""


def build_schema(settings: Settings) -> strawberry.Schema:
    # The rule classes are built once: the validation cache keys on them, so a rule class
    # made per request (as QueryDepthLimiter/MaxAliasesLimiter do) would never hit.
    rules: list[type[ASTValidationRule]] = [limits_rule(Limits.from_settings(settings))]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    manifest = Manifest.load(settings.trusted_documents) if settings.trusted_documents else None
    adhoc = frozenset(Role(name.strip()) for name in settings.adhoc_roles.split(",") if name)
    ttl = settings.persisted_query_ttl_seconds
    extensions: list[object] = [
        ShapeErrors,  # classes or factories, never shared instances: one per operation
        lambda: PersistedDocuments(manifest, adhoc, ttl),
        lambda: MaxTokensLimiter(settings.max_tokens),
        lambda: AddValidationRules(rules),
        ParserCache,
        ValidationCache,
        StreamStarted,  # tells a refused subscription over HTTP from one that runs
        *telemetry.schema_extensions(),  # operation and resolver spans, when traces are on
    ]
    check_root_fields((Query, Mutation, Subscription))
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,  # type: ignore[arg-type]
        exception_handlers=[ValidationErrors()],
        scalar_overrides=OVERRIDES,  # type: ignore[arg-type]
        config=StrawberryConfig(disable_field_suggestions=not settings.embedded),
    )
