"""The role the app runs as on PostgreSQL: fixed per connection, checked before it serves.

Row-level security binds only roles that are neither superusers, ``BYPASSRLS`` nor table
owners — and a role that is a member of such a role can take its rights (``SET ROLE``, or
inherited ownership), so the check covers every role the connection's role belongs to.
The role is a startup parameter of every connection (asyncpg ``server_settings``), so no
rollback can undo it, unlike a ``SET ROLE`` inside the connection's first transaction.
Each new connection is checked once; each transaction checks ``current_user`` in the
message that begins it and sets its tenant (``transactions``).
"""

from __future__ import annotations

import uuid
from typing import Any

# Each column: the roles (the connection's own or one it is a member of, directly or
# through others) with that power, so the refusal can name where the power comes from.
ROLE_CHECK = (
    "SELECT current_user AS name,"
    " ARRAY(SELECT rolname::text FROM pg_roles WHERE rolsuper"
    " AND pg_has_role(current_user, oid, 'MEMBER') ORDER BY 1) AS superuser,"
    " ARRAY(SELECT rolname::text FROM pg_roles WHERE rolbypassrls"
    " AND pg_has_role(current_user, oid, 'MEMBER') ORDER BY 1) AS bypassrls,"
    " ARRAY(SELECT DISTINCT tableowner::text FROM pg_tables WHERE schemaname = 'public'"
    " AND pg_has_role(current_user, tableowner, 'MEMBER') ORDER BY 1) AS owner"
)
POWERS = (
    ("superuser", "is a superuser", "superuser"),
    ("bypassrls", "has BYPASSRLS", "BYPASSRLS"),
    ("owner", "owns tables", "table owner"),
)


class UnsafeRole(RuntimeError):
    """The connection would bypass row-level security: the process refuses to serve."""


def connect_args(role: str, *, pooled: bool = False) -> dict[str, Any]:
    """asyncpg arguments that make ``role`` the connection's own (rollback-proof) role.

    ``pooled`` (a transaction-mode pooler): the pooler refuses a ``role`` startup parameter
    and hands each transaction any server connection, so the role is set per transaction
    instead (``transactions.begin_statement``) and no statement is prepared under a name
    that a later transaction would look for (SQLAlchemy's documented PgBouncer settings).
    """
    if pooled:
        return {
            "statement_cache_size": 0,  # asyncpg's own cache of named statements
            "prepared_statement_cache_size": 0,  # SQLAlchemy's
            "prepared_statement_name_func": _unique_statement_name,
        }
    return {"server_settings": {"role": role}} if role else {}


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def quoted(role: str) -> str:
    """``role`` as an SQL identifier."""
    return '"' + role.replace('"', '""') + '"'


def check_role(row: Any, expected: str) -> None:
    """Raise ``UnsafeRole`` unless the connection runs as ``expected`` (when set) and as a
    role that row-level security applies to, itself and through every role it belongs to."""
    name = row["name"]
    if expected and name != expected:
        raise UnsafeRole(
            f"database connection runs as {name!r}, not the RLS role {expected!r} "
            "(HINDSIGHT_DATABASE_ROLE); refusing to serve"
        )
    reasons = [
        _reason(name, list(row[column]), own, inherited) for column, own, inherited in POWERS
    ]
    found = [reason for reason in reasons if reason]
    if found:
        raise UnsafeRole(
            f"database role {name!r} {' and '.join(found)}, so row-level security would "
            "not apply; set HINDSIGHT_DATABASE_ROLE to a plain role (default hindsight_app) "
            "or log in as one; refusing to serve"
        )


def _reason(name: str, holders: list[str], own: str, inherited: str) -> str | None:
    """``own`` when the role itself has the power, else which roles it inherits it from."""
    if name in holders:
        return own
    if holders:
        return f"is a member of {inherited} role {', '.join(map(repr, holders))}"
    return None
