"""Bearer tokens (JWT HS256): issuing them for the CLI, reading them on every request."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import OrderedDict
from collections.abc import Callable

import jwt

from hindsight.domain.access import Viewer
from hindsight.domain.enums import Role
from hindsight.domain.errors import Unauthenticated

ALGORITHM = "HS256"


def issue_token(
    secret: str,
    *,
    tenant: uuid.UUID,
    role: Role,
    sub: str,
    team: str | None = None,
    ttl_seconds: int = 24 * 3600,
    now: dt.datetime | None = None,
) -> str:
    now = now or dt.datetime.now(dt.UTC)
    claims = {
        "sub": sub,
        "tenant": str(tenant),
        "role": role.value,
        "iat": now,
        "exp": now + dt.timedelta(seconds=ttl_seconds),
    }
    if team:
        claims["team"] = team
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str) -> Viewer:
    """The viewer a token names; ``Unauthenticated`` for anything invalid or expired."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
        return Viewer(
            subject=str(claims["sub"]),
            tenant_id=uuid.UUID(str(claims["tenant"])),
            role=Role(claims["role"]),
            team=claims.get("team"),
            expires_at=dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC),
        )
    except (jwt.PyJWTError, KeyError, ValueError) as error:
        raise Unauthenticated(f"invalid token: {error}") from None


class TokenReader:
    """``read_token`` with a bounded LRU of verified tokens, each kept until it expires: the
    agent sends the same token on every call, and HS256 verification is a fixed cost."""

    def __init__(
        self,
        secret: str,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.secret = secret
        self.max_entries = max_entries
        self.clock = clock
        self.verified: OrderedDict[str, Viewer] = OrderedDict()

    def read(self, token: str) -> Viewer:
        viewer = self.verified.get(token)
        if viewer is None:
            viewer = read_token(self.secret, token)
            self.verified[token] = viewer
            if len(self.verified) > self.max_entries:
                self.verified.popitem(last=False)
        self.verified.move_to_end(token)
        if viewer.expires_at is not None and viewer.expires_at <= self.clock():
            del self.verified[token]
            raise Unauthenticated("invalid token: Signature has expired")
        return viewer


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
