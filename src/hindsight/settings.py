"""All configuration, read once from the environment (prefix ``HINDSIGHT_``)."""

from __future__ import annotations

import datetime as dt
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HINDSIGHT_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./hindsight.db"
    # PostgreSQL role the app switches to so row-level security applies (owners and
    # superusers bypass it). Empty when the login user already is a non-owner role.
    database_role: str = "hindsight_app"
    database_pool_size: int = 10
    redis_url: str | None = None
    jwt_secret: str | None = None
    jwt_ttl_seconds: int = 24 * 3600
    allowed_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return normalise_database_url(url)

    # GraphQL limits (DESIGN.md §10)
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
    ws_keep_alive_seconds: float = 15.0  # graphql-transport-ws pings on acknowledged sockets
    dashboard_update_interval_seconds: float = 1.0  # dashboardUpdates: at most one per scope
    # The event outbox (DESIGN.md §16): how long events can be replayed (a duration: seconds
    # or ISO 8601, e.g. P7D), and how often a replica reads it without being woken by Redis.
    event_retention: dt.timedelta = dt.timedelta(days=7)
    event_poll_seconds: float = Field(default=1.0, gt=0.0)

    # Outcome windows and rules (DESIGN.md §4)
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

    # Calibration (DESIGN.md §6)
    calibration_min_samples: int = 30
    calibration_threshold: float = 0.15
    # ≤ 1 so a run never steps past its target: the controller converges without oscillating
    calibration_damping: float = Field(default=0.5, gt=0.0, le=1.0)
    calibration_max_step: float = 0.10

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
        return path.read_text().strip()

    def secret_path(self) -> Path:
        """Where embedded mode keeps its generated JWT secret: beside the SQLite file."""
        return self.sqlite_path().with_suffix(".secret")

    def sqlite_path(self) -> Path:
        raw = self.database_url.split(":///", 1)[1] if ":///" in self.database_url else ""
        if not raw or raw.startswith(":memory:"):
            return Path("hindsight-memory.db")
        return Path(raw)
