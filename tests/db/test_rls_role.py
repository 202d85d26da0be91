"""The RLS role is part of every connection: no rollback can switch row-level security off."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hindsight.app import create_app
from hindsight.db import faults
from hindsight.db.engine import Database, create_engine
from hindsight.db.roles import UnsafeRole
from hindsight.domain.enums import Role
from hindsight.domain.errors import NotFound
from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import Api

ROLE = "hindsight_app"
RECORD_ROLES = """
CREATE TABLE insert_roles (who text NOT NULL);
GRANT INSERT ON insert_roles TO PUBLIC;
CREATE FUNCTION note_insert_role() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO insert_roles VALUES (current_user); RETURN NULL; END $$;
CREATE TRIGGER note_outcome_role AFTER INSERT ON outcome_records
  FOR EACH ROW EXECUTE FUNCTION note_insert_role();
CREATE TRIGGER note_signal_role AFTER INSERT ON signals
  FOR EACH ROW EXECUTE FUNCTION note_insert_role();
"""
FORGET_ROLES = """
DROP TRIGGER IF EXISTS note_outcome_role ON outcome_records;
DROP TRIGGER IF EXISTS note_signal_role ON signals;
DROP FUNCTION IF EXISTS note_insert_role();
DROP TABLE IF EXISTS insert_roles;
"""


def _postgres(api: Api) -> str:
    if not api.backend.is_postgres:
        pytest.skip("row-level security and roles exist on PostgreSQL only")
    return api.backend.settings.database_url


@contextlib.asynccontextmanager
async def _admin(url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        yield connection
    finally:
        await connection.close()


async def test_a_rolled_back_first_unit_of_work_keeps_the_rls_role(api: Api) -> None:
    url = _postgres(api)
    db = Database(create_engine(url, role=ROLE, pool_size=1))
    tenant = uuid.uuid4()

    async def fail(session) -> None:  # type: ignore[no-untyped-def]
        await session.execute(text("SELECT 1"))
        raise NotFound("x")

    async def write_and_look(session) -> tuple[str, int]:  # type: ignore[no-untyped-def]
        await session.execute(text("INSERT INTO tenants VALUES (:t, now())"), {"t": tenant})
        who = await session.scalar(text("SELECT current_user"))
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        return who, pid

    try:
        with pytest.raises(NotFound):
            await db.run(tenant, fail)  # the fresh connection's first transaction rolls back
        first_pid = await db.run(tenant, lambda s: s.scalar(text("SELECT pg_backend_pid()")))
        who, pid = await db.run(tenant, write_and_look)
        assert pid == first_pid, "the pool of one handed out the same connection"
        assert who == ROLE
    finally:
        await db.dispose()
        async with _admin(url) as admin:
            await admin.execute("DELETE FROM tenants WHERE id = $1", tenant)


async def test_inserts_after_failing_requests_run_as_the_rls_role(api: Api) -> None:
    """A fresh server: NOT_FOUND reads open its pooled connections (each first transaction
    rolls back), then every insert any of those connections makes runs as ``hindsight_app``."""
    url = _postgres(api)
    async with _admin(url) as admin:
        await admin.execute(FORGET_ROLES + RECORD_ROLES)
    app = create_app(api.backend.settings)
    tenant = uuid.uuid4()
    token = api.token(tenant, Role.AGENT)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://hindsight.test"
            ) as http,
        ):

            async def post(query: str, variables: dict) -> dict:  # type: ignore[type-arg]
                headers = {"authorization": f"Bearer {token}"}
                body = {"query": query, "variables": variables}
                return (await http.post("/graphql", json=body, headers=headers)).json()

            missing = await asyncio.gather(
                *(post(documents.OUTCOME, {"id": str(uuid.uuid4())}) for _ in range(12))
            )
            assert {e["extensions"]["code"] for b in missing for e in b["errors"]} == {"NOT_FOUND"}
            for n in range(20):
                record = {"input": outcome_input(conversationId=f"c{n}")}
                done = await post(documents.RECORD, record)
                assert done["data"]["recordOutcome"]["__typename"] == "Outcome", done
                signal = {"kind": "CUSTOMER_REPLIED", "conversationId": f"c{n}"}
                sent = await post(documents.SIGNAL, {"input": signal})
                assert sent["data"]["recordSignal"]["__typename"] == "SignalRecorded", sent
        async with _admin(url) as admin:
            rows = await admin.fetch("SELECT who, count(*) AS n FROM insert_roles GROUP BY who")
        assert {row["who"]: row["n"] for row in rows} == {ROLE: 40}
    finally:
        async with _admin(url) as admin:
            await admin.execute(FORGET_ROLES)


async def test_a_role_that_bypasses_rls_refuses_to_serve(api: Api) -> None:
    url = _postgres(api)
    db = Database(create_engine(url, role=""))  # the login role here is a superuser
    try:
        with pytest.raises(UnsafeRole, match="superuser"):
            await db.check_role()
    finally:
        await db.dispose()


async def test_a_transaction_that_is_not_the_rls_role_refuses_to_run(api: Api) -> None:
    """The refused connection leaves the pool: the next unit of work gets a new one."""
    url = _postgres(api)
    db = Database(create_engine(url, role=ROLE, pool_size=1))
    pid = text("SELECT pg_backend_pid()")
    try:
        left = await db.run(None, lambda s: s.scalar(pid))
        await db.run(None, lambda s: s.execute(text("SET ROLE NONE")))  # committed, session-wide
        with pytest.raises(UnsafeRole, match="not the RLS role"):
            await db.run(None, lambda s: s.scalar(pid))
        who, fresh = await db.run(None, lambda s: _who_and_pid(s))
        assert (who, fresh != left) == (ROLE, True)
        assert db.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        await db.dispose()


async def _who_and_pid(session) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    row = (await session.execute(text("SELECT current_user, pg_backend_pid()"))).one()
    return row[0], row[1]


# Each power, granted to a throwaway role the app's role is a member of (two levels down).
POWERS = {
    "superuser": ("CREATE ROLE {power} NOLOGIN SUPERUSER", "member of superuser role"),
    "bypassrls": ("CREATE ROLE {power} NOLOGIN BYPASSRLS", "member of BYPASSRLS role"),
    "owner": (
        "CREATE ROLE {power} NOLOGIN; CREATE TABLE {power} ();"
        " ALTER TABLE {power} OWNER TO {power}",
        "member of table owner role",
    ),
}


@pytest.mark.parametrize("power", sorted(POWERS))
async def test_a_role_that_inherits_a_power_over_rls_refuses_to_serve(api: Api, power: str) -> None:
    url = _postgres(api)
    names = {
        "power": f"trust_{power}_{uuid.uuid4().hex[:8]}",
        "app": f"trust_app_{uuid.uuid4().hex[:8]}",
    }
    create, refusal = POWERS[power]
    middle = f"{names['app']}_via"
    async with _admin(url) as admin:
        await admin.execute(create.format(**names))
        await admin.execute(
            f"CREATE ROLE {names['app']} NOLOGIN; CREATE ROLE {middle} NOLOGIN;"
            f" GRANT {names['power']} TO {middle}; GRANT {middle} TO {names['app']}"
        )
    db = Database(create_engine(url, role=names["app"], pool_size=1))
    try:
        with pytest.raises(UnsafeRole, match=f"{refusal} '{names['power']}'"):
            await db.check_role()
    finally:
        await db.dispose()
        async with _admin(url) as admin:
            await admin.execute(
                f"DROP TABLE IF EXISTS {names['power']}; DROP ROLE {names['app']};"
                f" DROP ROLE {middle}; DROP ROLE {names['power']}"
            )


async def test_a_plain_member_role_serves(api: Api) -> None:
    """Membership alone is no refusal: only a membership that carries a power over RLS."""
    url = _postgres(api)
    plain, app = f"trust_plain_{uuid.uuid4().hex[:8]}", f"trust_app_{uuid.uuid4().hex[:8]}"
    async with _admin(url) as admin:
        await admin.execute(f"CREATE ROLE {plain} NOLOGIN; CREATE ROLE {app} NOLOGIN")
        await admin.execute(f"GRANT {plain} TO {app}")
    db = Database(create_engine(url, role=app, pool_size=1))
    try:
        await db.check_role()
    finally:
        await db.dispose()
        async with _admin(url) as admin:
            await admin.execute(f"DROP ROLE {app}; DROP ROLE {plain}")


async def _refused(db: Database, tenant: uuid.UUID | None, sql: str) -> str | None:
    """The SQLSTATE PostgreSQL refused ``sql`` with when run as the app role, else None."""
    try:
        await db.run(tenant, lambda s: s.execute(text(sql)))
    except DBAPIError as error:
        return faults.sqlstate(error)
    return None


async def test_the_app_role_cannot_write_the_plumbing(api: Api) -> None:
    """``alembic_version`` is read-only to the app; ``tenants`` takes only the row of the
    tenant the transaction is scoped to, and nothing is ever updated or deleted there."""
    url = _postgres(api)
    db = Database(create_engine(url, role=ROLE, pool_size=1))
    mine, other = uuid.uuid4(), uuid.uuid4()
    denied = "42501"  # insufficient_privilege: a missing grant and an RLS check alike
    try:
        assert await db.run(
            None, lambda s: s.scalar(text("SELECT version_num FROM alembic_version"))
        )
        assert await _refused(db, None, "UPDATE alembic_version SET version_num = 'x'") == denied
        assert await _refused(db, None, "INSERT INTO alembic_version VALUES ('x')") == denied
        assert await _refused(db, None, "DELETE FROM alembic_version") == denied
        assert await _refused(db, mine, f"INSERT INTO tenants VALUES ('{other}', now())") == denied
        assert await _refused(db, None, f"INSERT INTO tenants VALUES ('{other}', now())") == denied
        assert await _refused(db, mine, f"INSERT INTO tenants VALUES ('{mine}', now())") is None
        assert await _refused(db, mine, "UPDATE tenants SET created_at = now()") == denied
        assert await _refused(db, mine, f"DELETE FROM tenants WHERE id = '{mine}'") == denied
        listed = await db.run(None, lambda s: s.scalars(text("SELECT id FROM tenants")))
        assert mine in set(listed) and other not in set(listed)
    finally:
        await db.dispose()
        async with _admin(url) as admin:
            await admin.execute("DELETE FROM tenants WHERE id = ANY($1::uuid[])", [mine, other])


async def test_readyz_names_the_role_problem_not_the_network(api: Api) -> None:
    """An app whose connections would bypass RLS (it refuses to start under a server) says
    so on ``/readyz``: the role, not "cannot reach"."""
    _postgres(api)
    app = create_app(api.backend.settings.model_copy(update={"database_role": ""}))
    transport = httpx.ASGITransport(app=app)  # no lifespan: the start-up refusal is skipped
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://h.test") as http:
            response = await http.get("/readyz")
    finally:
        await app.state.services.close()
    database = response.json()["database"]
    assert response.status_code == 503 and "cannot reach" not in database
    assert database.startswith("database role 'postgres' is a superuser"), database
