"""Persisted documents, as clients send them.

- **Automatic persisted queries** (Apollo's protocol): a request may carry
  ``extensions.persistedQuery = {version: 1, sha256Hash}`` instead of the document. A known
  hash runs the stored document (also over GET); an unknown one answers
  ``PERSISTED_QUERY_NOT_FOUND``, and the client sends hash and text once, which stores the
  text (in the cache: Redis in production) after checking that the hash is the text's.
- **Trusted documents** (``HINDSIGHT_TRUSTED_DOCUMENTS=manifest.json``, hash → document as
  GraphQL Codegen's client preset and Relay's persisted output write it): a request by
  ``documentId: "sha256:<hash>"`` or by APQ hash of a manifest document runs; any other
  document is refused with ``TRUSTED_DOCUMENT_REQUIRED`` unless the viewer's role may send
  ad-hoc documents (``HINDSIGHT_ADHOC_ROLES``; analysts keep GraphiQL).

A known document is parsed and validated once (Strawberry's parser and validation caches
key on its text), so a client that sends hashes skips both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from hindsight.domain.enums import Role

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
TRUSTED_REQUIRED = "TRUSTED_DOCUMENT_REQUIRED"
REFUSALS = frozenset({MISMATCH, TRUSTED_REQUIRED})  # answered with HTTP 400 (view.py)
KEY_PREFIX = "apq:"
DOCUMENT_ID_PREFIX = "sha256:"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """The trusted documents: by hash, and the set of their texts."""

    by_hash: Mapping[str, str]
    texts: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest; a missing file or a wrong shape stops the process at start."""
        entries = json.loads(path.read_text())
        if not isinstance(entries, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
        ):
            raise ValueError(f"{path}: a trusted-documents manifest maps hashes to documents")
        by_hash = {k.removeprefix(DOCUMENT_ID_PREFIX): v for k, v in entries.items()}
        return cls(by_hash, frozenset(by_hash.values()))


def refused(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash a request names: APQ's ``persistedQuery.sha256Hash`` or ``documentId``."""
    if not extensions:
        return None
    persisted = extensions.get("persistedQuery")
    if isinstance(persisted, dict):
        if persisted.get("version") != 1 or not isinstance(persisted.get("sha256Hash"), str):
            raise refused("BAD_USER_INPUT", "persistedQuery needs version 1 and a sha256Hash")
        return str(persisted["sha256Hash"]).lower()
    document_id = extensions.get("documentId")
    if isinstance(document_id, str):
        return document_id.removeprefix(DOCUMENT_ID_PREFIX).lower()
    return None


class PersistedDocuments(SchemaExtension):
    """Fills the document from its hash, stores new ones, and refuses untrusted ones."""

    def __init__(self, manifest: Manifest | None, adhoc_roles: frozenset[Role], ttl: float):
        self.manifest = manifest
        self.adhoc_roles = adhoc_roles
        self.ttl = ttl

    async def on_operation(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        wanted = requested_hash(ctx.operation_extensions)
        sent = ctx.query is not None
        if wanted is not None:
            ctx.query = await self._document(wanted, ctx.query, ctx.context)
        if self.manifest is not None and ctx.query is not None:
            self._check_trusted(ctx.query, ctx.context)
        yield
        if wanted is not None and sent and self._keeps(ctx):
            await ctx.context.services.cache.set(KEY_PREFIX + wanted, ctx.query, self.ttl)

    @staticmethod
    def _keeps(ctx: Any) -> bool:
        """Keep a sent text only once it parsed and validated, and only from a signed-in
        client: the cache (Redis) never fills with documents nobody may run."""
        valid = ctx.graphql_document is not None and not ctx.pre_execution_errors
        return valid and ctx.context.viewer_or_none is not None

    async def _document(self, wanted: str, text: str | None, context: Any) -> str:
        if text is not None:  # the client sends the text with its hash: it must be the text's
            if sha256(text) != wanted:
                raise refused(MISMATCH, "provided sha256Hash does not match the query")
            return text
        cache = context.services.cache
        known = self.manifest.by_hash.get(wanted) if self.manifest else None
        known = known or await cache.get(KEY_PREFIX + wanted)
        if not isinstance(known, str):
            raise refused(NOT_FOUND, "PersistedQueryNotFound")
        return known

    def _check_trusted(self, text: str, context: Any) -> None:
        assert self.manifest is not None
        if text in self.manifest.texts:
            return
        viewer = context.viewer_or_none
        if viewer is not None and viewer.role in self.adhoc_roles:
            return
        raise refused(
            TRUSTED_REQUIRED,
            "only trusted documents run here: send a documentId or persisted-query hash "
            "from the manifest (ad-hoc documents need the role "
            + " or ".join(sorted(r.value for r in self.adhoc_roles))
            + ")",
        )
