"""Validating documents whose fragments fan out: Strawberry's depth and alias rules (baseline,
what ``build_schema`` used before) against the one limits rule (``schema/limits.py``).

The document is a chain of n fragments that each spread the next twice (2ⁿ fields when
expanded; n = 150 fits in the 2,000-token limit). Strawberry's rules re-walk a fragment at
every spread, so their time doubles with each link; ours measures each fragment once.

Usage: python bench/bench_limits.py [--links 12 14 16 18]
"""

from __future__ import annotations

import argparse
import time

from graphql import DocumentNode, GraphQLSchema, ValidationRule, parse, validate
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from hindsight.api.build import build_schema
from hindsight.schema.limits import Limits, limits_rule
from hindsight.settings import Settings


def chain(links: int) -> DocumentNode:
    fragments = " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(links)
    )
    return parse(
        f"query {{ ...F0 }} {fragments} fragment F{links} on Query {{ a: viewer {{ subject }} }}"
    )


def seconds(
    schema: GraphQLSchema, document: DocumentNode, rules: list[type[ValidationRule]]
) -> float:
    start = time.perf_counter()
    validate(schema, document, rules)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--links", type=int, nargs="+", default=[12, 14, 16, 18])
    links = parser.parse_args().links
    settings = Settings(database_url="sqlite+aiosqlite:///unused.db", jwt_secret="x" * 40)
    schema = build_schema(settings)._schema
    baseline = [
        depth_rule(settings.max_query_depth, None, None),
        aliases_rule(settings.max_aliases),
    ]
    ours = [limits_rule(Limits.from_settings(settings))]
    print(f"{'links':>5} {'strawberry rules (baseline)':>28} {'limits rule':>12} {'ratio':>8}")
    for n in links:
        document = chain(n)
        before, after = seconds(schema, document, baseline), seconds(schema, document, ours)
        print(f"{n:>5} {before:>27.3f}s {after:>11.4f}s {before / after:>8.0f}")
    print(f"{150:>5} {'(not run)':>28} {seconds(schema, chain(150), ours):>11.4f}s")


if __name__ == "__main__":
    main()
