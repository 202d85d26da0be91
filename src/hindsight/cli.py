"""``hindsight serve | worker | migrate | token | demo`` (DESIGN.md §12)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from collections.abc import Sequence

from hindsight.auth import issue_token
from hindsight.db import migrate
from hindsight.domain.enums import Role
from hindsight.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        return int(args.run(settings, args) or 0)
    except RuntimeError as error:  # configuration problems: a clear line, no traceback
        print(f"hindsight: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hindsight", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="fill an empty database with demo data")
    serve.set_defaults(run=_serve)
    worker = commands.add_parser("worker", help="run the schedule as an arq worker (production)")
    worker.add_argument(
        "--burst", action="store_true", help="run the latest tick of every job once, then exit"
    )
    worker.set_defaults(run=_worker)
    commands.add_parser("migrate", help="alembic upgrade head").set_defaults(run=_migrate)
    token = commands.add_parser("token", help="print a bearer token")
    token.add_argument("--tenant", type=uuid.UUID, required=True)
    token.add_argument("--role", type=Role, choices=list(Role), required=True)
    token.add_argument("--sub", default=None, help="subject (a REP's rep id); default: the role")
    token.add_argument("--team", default=None)
    token.add_argument("--ttl", type=int, default=None, help="seconds; default from settings")
    token.set_defaults(run=_token)
    demo = commands.add_parser("demo", help="load realistic synthetic data")
    demo.add_argument("--tenant", type=uuid.UUID, default=None)
    demo.add_argument("--outcomes", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(run=_demo)
    return parser


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from hindsight.workers.worker import run

    worker = run(settings, burst=args.burst)
    return 1 if worker.jobs_failed else 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    migrate.upgrade(settings.database_url)
    print(f"database at revision {migrate.head_revision()}")
    return 0


def _token(settings: Settings, args: argparse.Namespace) -> int:
    print(
        issue_token(
            settings.secret,
            tenant=args.tenant,
            role=args.role,
            sub=args.sub or args.role.value.lower(),
            team=args.team,
            ttl_seconds=args.ttl or settings.jwt_ttl_seconds,
        )
    )
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from hindsight.demo import DEMO_TENANT, load_demo
    from hindsight.services import build_services

    if settings.is_sqlite:
        migrate.upgrade(settings.database_url)

    async def run() -> list[str]:
        services = build_services(settings)
        try:
            return await load_demo(
                services, tenant=args.tenant or DEMO_TENANT, n=args.outcomes, seed=args.seed
            )
        finally:
            await services.close()

    print("\n".join(asyncio.run(run())))
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hindsight.app import create_app
    from hindsight.demo import DEMO_TENANT

    if settings.is_sqlite:
        migrate.upgrade(settings.database_url)
    if args.demo:
        _demo_if_empty(settings)
    token = issue_token(settings.secret, tenant=DEMO_TENANT, role=Role.ADMIN, sub="admin")
    print(f"\nHindsight GraphiQL: http://{args.host}:{args.port}/graphql")
    if settings.embedded:
        print(f"Demo tenant {DEMO_TENANT}; admin token (Authorization: Bearer …):\n{token}\n")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def _demo_if_empty(settings: Settings) -> None:
    from hindsight.demo import is_empty, load_demo
    from hindsight.services import build_services

    async def run() -> None:
        services = build_services(settings)
        try:
            if await is_empty(services):
                print("demo data loaded; " + "\n".join(await load_demo(services)))
        finally:
            await services.close()

    asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
