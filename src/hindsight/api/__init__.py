"""The GraphQL API: the root fields (Query, Mutation, Subscription), one module per feature.

Each root field is three steps: turn its GraphQL input into domain values, call one
resolver (``hindsight.resolvers``: authorise, one unit of work, domain call), and map the
domain value it returns onto a ``hindsight.schema`` type. This is the only package that
imports both; ``build.py`` makes the Strawberry schema with the limits of
docs/operations/security.md.
"""
