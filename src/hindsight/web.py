"""The browser front door: the live panel at ``/`` (and the metric tiles it draws, from the
registry, at ``/panel/metrics.json``), GraphiQL's page, the packaged static files, and the one
JSON shape every refused HTTP request gets."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from hindsight.auth import issue_token
from hindsight.demo.simulation import DEMO_TENANT
from hindsight.domain.analytics.metrics import METRICS
from hindsight.domain.enums import Role
from hindsight.settings import Settings

STATIC = Path(__file__).parent / "static"
GRAPHQL_RESPONSE = "application/graphql-response+json"
# Nothing on these pages comes from elsewhere or runs inline (docs/operations/production.md:
# vendored assets).
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
ERROR_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    503: "SERVICE_UNAVAILABLE",
    504: "TIMEOUT",
}


def error_response(
    status: int,
    message: str,
    *,
    accept: str = "",
    headers: dict[str, str] | None = None,
    extensions: dict[str, object] | None = None,
) -> JSONResponse:
    """A refused request, shaped as a GraphQL response: ``{"errors": [{message, extensions:
    {code}}]}``, as ``application/graphql-response+json`` when the client accepts it."""
    code = ERROR_CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_SERVER_ERROR")
    body = {"errors": [{"message": message, "extensions": extensions or {"code": code}}]}
    media = GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else "application/json"
    return JSONResponse(body, status_code=status, headers=headers, media_type=media)


def request_error_code(error: dict[str, Any]) -> str:
    """Codes for the errors graphql-core raises before any resolver runs."""
    message = str(error.get("message", ""))
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable '$") and "never used" not in message:
        return "BAD_USER_INPUT"  # e.g. a Float variable given NaN, or an unknown enum value
    return "GRAPHQL_VALIDATION_FAILED"


def with_request_codes(body: dict[str, Any]) -> dict[str, Any]:
    """Every error without a path (so raised before execution) gets an ``extensions.code``."""
    for error in body.get("errors") or []:
        if "path" not in error and "code" not in error.get("extensions", {}):
            error["extensions"] = {**error.get("extensions", {}), "code": request_error_code(error)}
    return body


def error_body(body: dict[str, Any]) -> dict[str, Any]:
    """A request error's body: its errors with their codes, and no ``data``."""
    return {k: v for k, v in with_request_codes(body).items() if k != "data"}


async def http_error(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (unknown path, wrong method) in the same shape."""
    assert isinstance(error, HTTPException)
    return error_response(
        error.status_code,
        error.detail,
        accept=request.headers.get("accept", ""),
        headers=dict(error.headers or {}),
    )


class PackagedFiles(StaticFiles):
    """The package's static files with the pages' security headers."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers.update(SECURITY_HEADERS)
        return response

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as error:  # a missing file: the JSON shape, not plain text
            return error_response(error.status_code, error.detail)


@cache
def _template(name: str) -> str:
    return (STATIC / name).read_text()


def page(name: str, settings: Settings) -> HTMLResponse:
    """An HTML page of the package; in embedded mode it carries the demo admin token."""
    headers = ""
    if settings.embedded:
        token = demo_token(settings)
        headers = json.dumps({"Authorization": f"Bearer {token}"})
    body = _template(name).replace("{{HEADERS}}", html.escape(headers, quote=True))
    return HTMLResponse(body, headers=SECURITY_HEADERS)


def demo_token(settings: Settings) -> str:
    return issue_token(
        settings.secret,
        tenant=DEMO_TENANT,
        role=Role.ADMIN,
        sub="admin",
        ttl_seconds=settings.jwt_ttl_seconds,
    )


@cache
def panel_tiles() -> dict[str, list[dict[str, str | int]]]:
    """The metrics the panel shows as tiles, in the registry's order, named as in GraphQL."""
    tiles = [m for m in METRICS if m.tile]
    return {
        "metrics": [
            {"name": m.camel_name, "label": m.label, "kind": m.kind, "better": m.better}
            for m in tiles
        ]
    }


async def panel_metrics(request: Request) -> Response:
    return JSONResponse(panel_tiles(), headers=SECURITY_HEADERS)


def routes(settings: Settings) -> list[Route | Mount]:
    async def panel(request: Request) -> Response:
        return page("panel/index.html", settings)

    return [
        Route("/", panel, methods=["GET"]),
        Route("/panel/metrics.json", panel_metrics, methods=["GET"]),
        Mount("/static", app=PackagedFiles(directory=STATIC), name="static"),
    ]
