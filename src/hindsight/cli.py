"""hindsight: the learning loop for AI sales agents, served as a GraphQL API."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import uuid
from collections.abc import Iterator, Sequence

from pydantic import ValidationError

from hindsight import preflight
from hindsight.auth import issue_token
from hindsight.db import migrate
from hindsight.domain.enums import Role
from hindsight.settings import Settings, refused_settings

EPILOG = """settings (environment):
  HINDSIGHT_DATABASE_URL  sqlite:///path.db (default ./hindsight.db) or postgresql://user@host/db
  HINDSIGHT_REDIS_URL     redis://host:6379/0; unset for embedded mode (in-process events)
  HINDSIGHT_JWT_SECRET    signs tokens (at least 32 bytes); required outside embedded mode
  every other HINDSIGHT_* setting: see README, "Production"
"""


def env(name: str, default: str) -> str:
    return os.environ.get(f"HINDSIGHT_{name}", default)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:  # e.g. an unsupported database URL: one line
        print(f"hindsight: invalid setting: {refused_settings(error)}", file=sys.stderr)
        return 1
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        return int(args.run(settings, args) or 0)
    except RuntimeError as error:  # configuration and unreachable services: no traceback
        print(f"hindsight: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hindsight",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _serve_parser(commands)
    worker = commands.add_parser("worker", help="run the schedule as an arq worker (production)")
    worker.add_argument(
        "--burst",
        action="store_true",
        help="run the latest tick of every job once, then exit (default: keep running)",
    )
    worker.set_defaults(run=_worker)
    commands.add_parser(
        "migrate", help="upgrade HINDSIGHT_DATABASE_URL to the latest schema (alembic)"
    ).set_defaults(run=_migrate)
    _token_parser(commands)
    _demo_parser(commands)
    return parser


def _serve_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = commands.add_parser("serve", help="serve the API, GraphiQL and the live panel")
    serve.add_argument(
        "--host",
        default=env("HOST", "127.0.0.1"),
        help="interface to listen on (default: 127.0.0.1; env HINDSIGHT_HOST)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(env("PORT", "8000")),
        help="port to listen on (default: 8000; env HINDSIGHT_PORT)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load demo data first if the demo tenant has none (default: off)",
    )
    serve.set_defaults(run=_serve)


def _token_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    token = commands.add_parser(
        "token", help="print a bearer token signed with HINDSIGHT_JWT_SECRET"
    )
    token.add_argument("--tenant", type=uuid.UUID, required=True, help="tenant UUID (required)")
    token.add_argument(
        "--role", type=Role, choices=list(Role), required=True, help="the role (required)"
    )
    token.add_argument("--sub", default=None, help="subject: a REP's rep id (default: the role)")
    token.add_argument("--team", default=None, help="team a MANAGER manages (default: none)")
    token.add_argument(
        "--ttl",
        type=int,
        default=None,
        help="lifetime in seconds (default: 86400; env HINDSIGHT_JWT_TTL_SECONDS)",
    )
    token.set_defaults(run=_token)


def _demo_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from hindsight.demo.simulation import DEMO_TENANT

    demo = commands.add_parser("demo", help="load realistic synthetic data into a tenant")
    demo.add_argument(
        "--tenant",
        type=uuid.UUID,
        default=uuid.UUID(env("DEMO_TENANT", str(DEMO_TENANT))),
        help=f"tenant to fill (default: {DEMO_TENANT}; env HINDSIGHT_DEMO_TENANT)",
    )
    demo.add_argument(
        "--outcomes",
        type=int,
        default=int(env("DEMO_OUTCOMES", "2000")),
        help="random outcomes to simulate (default: 2000; env HINDSIGHT_DEMO_OUTCOMES)",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=int(env("DEMO_SEED", "7")),
        help="random seed (default: 7; env HINDSIGHT_DEMO_SEED)",
    )
    demo.add_argument(
        "--reset",
        action="store_true",
        help="replace the tenant's data if it has any (default: leave it and say so)",
    )
    demo.set_defaults(run=_demo)


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from hindsight.workers.worker import run

    if not settings.redis_url:
        raise RuntimeError("the worker needs HINDSIGHT_REDIS_URL (redis://host:6379/0)")
    preflight.require(settings)
    worker = run(settings, burst=args.burst)
    return 1 if worker.jobs_failed else 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    preflight.require(settings.model_copy(update={"redis_url": None}))
    migrate.upgrade(settings.database_url)
    print(f"database at revision {migrate.head_revision()}")
    return 0


def _token(settings: Settings, args: argparse.Namespace) -> int:
    secret = token_secret(settings)
    ttl = args.ttl or settings.jwt_ttl_seconds
    sub = args.sub or args.role.value.lower()
    print(
        issue_token(
            secret, tenant=args.tenant, role=args.role, sub=sub, team=args.team, ttl_seconds=ttl
        )
    )
    return 0


def token_secret(settings: Settings) -> str:
    """The secret the servers of this configuration use; never a new one, since a token
    signed with a secret no server has would never work."""
    if settings.jwt_secret:
        return settings.jwt_secret
    if not settings.embedded:
        raise RuntimeError("HINDSIGHT_JWT_SECRET is not set: set it to the secret your servers use")
    path = settings.secret_path().resolve()
    if not path.exists():
        raise RuntimeError(
            f"no embedded secret at {path}: run `hindsight serve` once first, run this from "
            "the folder holding the database, or set HINDSIGHT_DATABASE_URL to it"
        )
    return settings.secret


@contextlib.contextmanager
def _quiet_load() -> Iterator[None]:
    """Keep the jobs' and migrations' INFO lines from breaking up the demo's progress bar."""
    loggers = [logging.getLogger(name) for name in ("alembic", "hindsight.workers")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from hindsight.demo.run import run_demo

    preflight.require(settings)
    with _quiet_load():
        if settings.is_sqlite:
            migrate.upgrade(settings.database_url)
        lines = asyncio.run(
            run_demo(
                settings, tenant=args.tenant, n=args.outcomes, seed=args.seed, reset=args.reset
            )
        )
    print("\n".join(lines))
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hindsight.app import create_app
    from hindsight.demo.run import announce

    with preflight.listening_socket(args.host, args.port) as sock:  # busy: one line, no banner
        _prepare_to_serve(settings, demo=args.demo)
        print(announce(settings, args.host, args.port))
        config = uvicorn.Config(create_app(settings), args.host, args.port, log_level="info")
        uvicorn.Server(config).run(sockets=[sock])
    return 0


def _prepare_to_serve(settings: Settings, *, demo: bool) -> None:
    from hindsight.demo.run import run_demo

    if settings.is_sqlite:  # embedded: the server migrates its own file, so it needs it now
        preflight.require(settings.model_copy(update={"redis_url": None}))
        migrate.upgrade(settings.database_url)
    settings.secret  # noqa: B018 - production refuses to start without a JWT secret
    problems = asyncio.run(preflight.problems(settings))
    for problem in problems:  # serve anyway: /readyz reports it until the service is back
        logging.getLogger("hindsight").error("NOT READY: %s", problem)
    # but never as a role RLS does not bind: UnsafeRole is one line on stderr and exit 1
    asyncio.run(preflight.require_safe_role(settings))
    if demo and not problems:
        with _quiet_load():
            print("\n".join(asyncio.run(run_demo(settings, only_if_empty=True))))


if __name__ == "__main__":
    sys.exit(main())
