"""All configuration, read once from the environment (prefix ``HINDSIGHT_``)."""

from __future__ import annotations

import datetime as dt
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_BYTES = 32  # HS256 keys as long as the hash (RFC 7518 §3.2)
DEFAULT_STAGES = ["PROSPECTING", "QUALIFIED", "DEMO", "PROPOSAL", "NEGOTIATION"]
# What hosts hand out (postgres://…) mapped to the async drivers the app runs on.
DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


def normalise_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` become asyncpg URLs (libpq's ``sslmode`` becomes
    asyncpg's ``ssl``), ``sqlite://`` an aiosqlite one; any other scheme is refused."""
    scheme, sep, rest = url.partition("://")
    driver = DRIVERS.get(scheme.lower())
    if not sep or driver is None:
        raise ValueError(
            f"unsupported database URL scheme {scheme!r}: use postgresql://user@host/db "
            "or sqlite:///path/to/file.db"
        )
    if driver == "postgresql+asyncpg":
        rest = rest.replace("sslmode=", "ssl=")
    return f"{driver}://{rest}"


def short_secret(secret: str, where: str) -> str | None:
    """Why ``secret`` (found in ``where``) cannot sign tokens, or None when it is long enough."""
    size = len(secret.encode())
    if size >= MIN_SECRET_BYTES:
        return None
    return (
        f"{where} is {size} bytes; HS256 needs at least {MIN_SECRET_BYTES} (RFC 7518 §3.2): "
        "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
    )


def refused_settings(error: ValidationError) -> str:
    """``HINDSIGHT_NAME: what is wrong`` for each refused setting, on one line."""
    lines = []
    for e in error.errors():
        name, message = f"HINDSIGHT_{str(e['loc'][0]).upper()}", e["msg"]
        message = message.removeprefix("Value error, ")
        lines.append(message if message.startswith(name) else f"{name}: {message}")
    return "; ".join(lines)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HINDSIGHT_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./hindsight.db"
    # PostgreSQL role the app switches to so row-level security applies (owners and
    # superusers bypass it). Empty when the login user already is a non-owner role.
    database_role: str = "hindsight_app"
    database_pool_size: int = 10
    # "transaction" behind PgBouncer (or a managed pooler) in transaction mode: the role is
    # set per transaction and no statement is prepared by name across transactions.
    database_pooler: Literal["", "transaction"] = ""
    redis_url: str | None = None
    jwt_secret: str | None = None
    jwt_ttl_seconds: int = 24 * 3600
    allowed_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return normalise_database_url(url)

    @field_validator("jwt_secret")
    @classmethod
    def _long_secret(cls, secret: str | None) -> str | None:
        if not secret:  # unset (or empty): embedded mode generates one, production refuses
            return None
        if problem := short_secret(secret, "HINDSIGHT_JWT_SECRET"):
            raise ValueError(problem)
        return secret

    # GraphQL limits (docs/operations/security.md)
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_page_size: int = 500
    # Fields a document may produce, lists multiplied by their size (schema/cost.py): one
    # outcomes(first: 500) with every field and its feedback fits, thirty aliases of it do not.
    max_query_cost: int = 200_000
    default_list_size: int = 10  # what a list without a first/limit argument counts
    max_body_bytes: int = 1024 * 1024
    request_timeout_seconds: float = 30.0
    introspection: bool = True
    max_subscriptions_per_connection: int = 20
    connection_init_timeout_seconds: float = 10.0
    # graphql-transport-ws pings on acknowledged sockets, and SSE pings on HTTP streams
    ws_keep_alive_seconds: float = 15.0
    dashboard_update_interval_seconds: float = 1.0  # dashboardUpdates: at most one per scope
    # The event outbox (docs/concepts/events.md): how long events can be replayed (an ISO 8601
    # duration, e.g. P7D), and how often a replica reads it without being woken by Redis.
    event_retention: dt.timedelta = dt.timedelta(days=7)
    event_poll_seconds: float = Field(default=1.0, gt=0.0)
    # Persisted documents (schema/persisted.py): APQ texts kept this long in the cache; a
    # trusted-documents manifest (hash -> document) refuses every other document, except for
    # the roles in adhoc_roles (comma-separated).
    persisted_query_ttl_seconds: float = 7 * 24 * 3600
    trusted_documents: Path | None = None
    adhoc_roles: str = "ANALYST,ADMIN"

    # Outcome windows and rules (docs/concepts/outcomes.md)
    window_immediate_hours: float = 24
    window_engagement_hours: float = 168
    window_qualification_hours: float = 168
    window_deal_hours: float = 720
    window_escalation_hours: float = 168
    clock_skew_seconds: int = 300
    deal_stages: list[str] = Field(default_factory=lambda: list(DEFAULT_STAGES))
    detection_batch_size: int = 500

    # Schedule (seconds)
    immediate_interval_seconds: int = 15 * 60
    engagement_interval_seconds: int = 6 * 3600
    deal_interval_seconds: int = 24 * 3600
    expiry_interval_seconds: int = 3600
    calibration_interval_seconds: int = 6 * 3600
    outbox_prune_interval_seconds: int = 3600
    run_scheduler: bool | None = None  # default: only without Redis (then no worker can)

    # Calibration (docs/concepts/calibration.md)
    calibration_min_samples: int = 30
    calibration_threshold: float = 0.15
    # ≤ 1 so a run never steps past its target: the controller converges without oscillating
    calibration_damping: float = Field(default=0.5, gt=0.0, le=1.0)
    calibration_max_step: float = 0.10

    # Drift
    drift_alpha: float = Field(default=0.01, gt=0.0, lt=1.0)  # CALIBRATION alerts at E ≥ 1/α
    drift_delta: float = Field(default=0.002, gt=0.0, lt=1.0)  # river's ADWIN confidence
    drift_min_samples: int = Field(default=50, ge=1)  # no alert before this many resolutions
    drift_interval_seconds: int = 60
    drift_batch_size: int = 2000  # resolutions fed per transaction

    # Feedback, dashboards
    feedback_daily_cap: int = 50
    cache_ttl_seconds: int = 300
    minutes_saved_per_action: float = 6.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def embedded(self) -> bool:
        """Embedded mode: SQLite and no Redis. Anything else is production."""
        return self.is_sqlite and not self.redis_url

    @property
    def scheduler_enabled(self) -> bool:
        """Whether the API process runs the schedule itself: by default only when there is
        no Redis, so no ``hindsight worker`` (arq) can; with Redis the workers run it."""
        return not self.redis_url if self.run_scheduler is None else self.run_scheduler

    @cached_property
    def secret(self) -> str:
        """The JWT secret; embedded mode generates one and keeps it beside the SQLite file."""
        if self.jwt_secret:
            return self.jwt_secret
        if not self.embedded:
            raise RuntimeError("HINDSIGHT_JWT_SECRET must be set outside embedded mode")
        path = self.secret_path()
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        secret = path.read_text().strip()
        if problem := short_secret(secret, f"the embedded secret in {path.resolve()}"):
            raise RuntimeError(f"{problem}, or delete the file to have a new one made")
        return secret

    def secret_path(self) -> Path:
        """Where embedded mode keeps its generated JWT secret: beside the SQLite file."""
        return self.sqlite_path().with_suffix(".secret")

    def sqlite_path(self) -> Path:
        raw = self.database_url.split(":///", 1)[1] if ":///" in self.database_url else ""
        if not raw or raw.startswith(":memory:"):
            return Path("hindsight-memory.db")
        return Path(raw)
