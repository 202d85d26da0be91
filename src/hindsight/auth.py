"""Bearer tokens (JWT HS256): issuing them for the CLI, reading them on every request."""

from __future__ import annotations

import datetime as dt
import uuid

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


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
