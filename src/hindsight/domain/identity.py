"""Object identity (docs/reference/api.md): what an id names, without a lookup table.

Rows keyed by a UUID (outcomes, feedback, signals) keep that UUID as their id: UUIDs are
already unique across types, and the agent and existing clients hold them. Everything else
gets an opaque id: the base64url of ``["Type", part, …]``, so ``node(id:)`` can tell the
type and key back.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class NodeKey:
    """A decoded id: the type it names and the parts of its key (one UUID for rows)."""

    type_name: str | None  # None: a row UUID, whose table is not encoded in the id
    parts: tuple[str, ...]


def encode(type_name: str, *parts: str) -> str:
    """The opaque id of the object of ``type_name`` keyed by ``parts``."""
    raw = json.dumps([type_name, *parts], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def parse_id(value: str) -> NodeKey | None:
    """What ``value`` names, or None when no id this API returned looks like it."""
    try:
        return NodeKey(None, (str(uuid.UUID(value)),))
    except ValueError:
        pass
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        decoded = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(decoded, list) or not decoded:
        return None
    if not all(isinstance(p, str) for p in decoded):
        return None
    return NodeKey(decoded[0], tuple(decoded[1:]))
