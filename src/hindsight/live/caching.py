"""Read-through cache for expensive reports (dashboards, coaching), per tenant.

Keys carry the tenant's version, which every committed write bumps (``Services.after_commit``),
so a client sees its own write at once and stale entries simply age out. Values are domain
dataclasses stored as JSON and rebuilt from their type hints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import types
import typing
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from hindsight.context import Context
from hindsight.services import version_key

T = TypeVar("T")


async def cached(
    ctx: Context,
    name: str,
    params: dict[str, Any],
    kind: type[T],
    compute: Callable[[], Awaitable[T]],
) -> T:
    """``compute()`` once per (tenant, version, name, params) for ``cache_ttl_seconds``."""
    services = ctx.services
    ttl = services.settings.cache_ttl_seconds
    if ttl <= 0:
        return await compute()
    tenant = ctx.viewer.tenant_id
    version = await services.cache.get(version_key(tenant)) or 0
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    key = f"hindsight:{tenant}:v{version}:{name}:{shape(typing.cast(Hashable, kind))}:{digest[:32]}"
    hit = await services.cache.get(key)
    if hit is not None:
        return typing.cast(T, decode(kind, hit))
    value = await compute()
    await services.cache.set(key, encode(value), ttl)
    return value


def encode(value: Any) -> Any:
    """Dataclasses, lists, dicts and dates as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@functools.cache
def shape(kind: Hashable) -> str:
    """A short digest of the fields ``kind`` is made of, at every depth: a release that
    changes a report's fields reads none of the entries an older release cached."""
    return hashlib.sha256(_fields_of(kind).encode()).hexdigest()[:12]


def _fields_of(kind: Any) -> str:
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        inner = ",".join(f"{f.name}:{_fields_of(hints[f.name])}" for f in dataclasses.fields(kind))
        return f"{kind.__name__}({inner})"
    args = typing.get_args(kind)
    return f"{kind}[{','.join(_fields_of(a) for a in args)}]" if args else str(kind)


def decode(kind: Any, data: Any) -> Any:
    """The inverse of ``encode`` for a value of type ``kind``."""
    return decoder(kind)(data)


@functools.cache
def decoder(kind: Any) -> Callable[[Any], Any]:
    """A function rebuilding values of ``kind``, derived from its type hints once per type."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = decoder(next(a for a in args if a is not type(None)))
        return lambda v: None if v is None else inner(v)
    if origin in (list, tuple):
        item = decoder(args[0])
        return lambda v: origin(item(x) for x in v)
    if origin is dict:
        value = decoder(args[1])
        return lambda v: {k: value(x) for k, x in v.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = [(f.name, decoder(hints[f.name])) for f in dataclasses.fields(kind)]
        return lambda v: kind(**{name: load(v[name]) for name, load in fields})
    if kind in (dt.datetime, dt.date):
        return lambda v: None if v is None else kind.fromisoformat(v)
    return lambda v: v
