"""The role the app runs as on PostgreSQL: fixed per connection, checked before it serves.

Row-level security binds only roles that are neither superusers, ``BYPASSRLS`` nor table
owners. The role is a startup parameter of every connection (asyncpg ``server_settings``),
so no rollback can undo it, unlike a ``SET ROLE`` inside the connection's first
transaction. Each new connection is checked once; each transaction checks
``current_user`` in the message that begins it and sets its tenant (``transactions``).
"""

from __future__ import annotations

import uuid
from typing import Any

ROLE_CHECK = (
    "SELECT current_user AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,"
    " EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public'"
    " AND tableowner = current_user) AS owner"
    " FROM pg_roles r WHERE r.rolname = current_user"
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
    role that row-level security applies to."""
    name = row["name"]
    if expected and name != expected:
        raise UnsafeRole(
            f"database connection runs as {name!r}, not the RLS role {expected!r} "
            "(HINDSIGHT_DATABASE_ROLE); refusing to serve"
        )
    reasons = [
        reason
        for flag, reason in (
            ("superuser", "is a superuser"),
            ("bypassrls", "has BYPASSRLS"),
            ("owner", "owns tables"),
        )
        if row[flag]
    ]
    if reasons:
        raise UnsafeRole(
            f"database role {name!r} {' and '.join(reasons)}, so row-level security would "
            "not apply; set HINDSIGHT_DATABASE_ROLE to a plain role (default hindsight_app) "
            "or log in as one; refusing to serve"
        )
