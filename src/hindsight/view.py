"""The GraphQL endpoint: Strawberry's ASGI view with our context, auth and protocol rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import weakref
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLRequestData, GraphQLRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.graphql import OperationType

from hindsight.api.build import build_schema
from hindsight.auth import TokenReader, bearer
from hindsight.context import Context
from hindsight.domain.errors import Unauthenticated
from hindsight.http_subscriptions import StreamRequired, stream_response
from hindsight.resolvers.nested import NESTED
from hindsight.schema import persisted
from hindsight.services import Services
from hindsight.web import GRAPHQL_RESPONSE, error_response, page, with_request_codes
from hindsight.ws import KeepAliveTransportWSHandler

EXPIRY_CHECK_SECONDS = 30.0  # a closed connection's expiry watch ends within this


def is_unavailable(body: dict[str, Any]) -> bool:
    """A lost database connection: retryable, so 503 under graphql-response+json."""
    errors = body.get("errors") or []
    return any(e.get("extensions", {}).get("code") == "SERVICE_UNAVAILABLE" for e in errors)


def is_refused_document(body: dict[str, Any]) -> bool:
    """An untrusted document or a hash that is not its text's: a 400 for every client."""
    errors = body.get("errors") or []
    return any(e.get("extensions", {}).get("code") in persisted.REFUSALS for e in errors)


def is_request_error(body: dict[str, Any]) -> bool:
    """Parse and validation failures: no data, and errors that point at no field."""
    errors = body.get("errors") or []
    return body.get("data") is None and bool(errors) and all("path" not in e for e in errors)


async def close_at_expiry(websocket: weakref.ref[WebSocket], expires_at: dt.datetime) -> None:
    """Close a connection with 4403 when its token expires; stop early once it has closed."""
    while (ws := websocket()) is not None and ws.application_state == WebSocketState.CONNECTED:
        remaining = (expires_at - dt.datetime.now(dt.UTC)).total_seconds()
        if remaining <= 0:
            await ws.close(4403, "token expired")
            return
        del ws  # hold no reference while sleeping
        await asyncio.sleep(min(remaining, EXPIRY_CHECK_SECONDS))


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = KeepAliveTransportWSHandler

    def __init__(self, services: Services) -> None:
        settings = services.settings
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql",
            allow_queries_via_get=True,  # queries only: mutations over GET are refused
            keep_alive=settings.ws_keep_alive_seconds > 0,
            keep_alive_interval=settings.ws_keep_alive_seconds,
            subscription_protocols=(
                GRAPHQL_TRANSPORT_WS_PROTOCOL,
                MULTIPART_SUBSCRIPTION_PROTOCOL,
                GRAPHQL_SSE_PROTOCOL,
            ),
            connection_init_wait_timeout=dt.timedelta(
                seconds=settings.connection_init_timeout_seconds
            ),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.allowed_origins,
        )
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry answers its refusals (malformed JSON, a mutation over GET, …) in plain
        text; here they get the GraphQL-shaped JSON every other refusal has."""
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            allow = {"allow": "POST"} if error.status_code == 405 else None
            accept = request.headers.get("accept", "")
            extensions = error.extensions if isinstance(error, StreamRequired) else None
            response = error_response(
                error.status_code, error.reason, accept=accept, headers=allow, extensions=extensions
            )
        await response(scope, receive, send)

    @functools.cached_property
    def tokens(self) -> TokenReader:
        """Made on first use: the secret is read (or refused) when a token arrives."""
        return TokenReader(self.services.settings.secret)

    def decode_json(self, data: str | bytes) -> object:
        """JSON Python cannot take (nested past the recursion limit, an integer over 4,300
        digits, bytes that are not UTF-8) is malformed: a 400 (or 4400 on a socket)."""
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as error:
            raise json.JSONDecodeError(type(error).__name__, "", 0) from error

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, except that a subscription is refused here (it would run once and
        fail inside): it needs a stream transport (``StreamRequired``); and a mutation over
        GET is a 405 (GraphQL over HTTP)."""
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise StreamRequired from error
            raise HTTPException(405, error.as_http_error_reason(request_adapter.method)) from error
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error

    async def _create_streaming_response(
        self,
        request: Request,
        result: SubscriptionExecutionResult,
        protocol: GraphQLRequestProtocol,
        sub_response: Response,
    ) -> Response:
        """A subscription (or any operation) asked for as multipart or graphql-sse
        (``http_subscriptions``); Strawberry's hook for its stream transports."""
        transport = self._get_stream_transport(protocol)
        assert transport is not None  # Strawberry only streams with a transport
        return await stream_response(
            result,  # type: ignore[arg-type]
            transport,
            request.state.graphql_context,
            functools.partial(self.process_result, request),
            self.encode_json_string,
            self.services.settings.ws_keep_alive_seconds,
        )

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for a GET that names a persisted document instead of sending its text."""
        if "extensions" in request.query_params:
            return False
        return bool(super().should_render_graphql_ide(request))

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the package's vendored assets (nothing from a CDN), not Strawberry's
        template; embedded mode prefills the demo token's ``Authorization`` header."""
        return page("graphiql.html", self.services.settings)

    def encode_json(self, data: object) -> str:
        """orjson (several times faster than ``json``); text, so WebSocket frames stay text.
        What orjson refuses (a lone surrogate echoed in a message) falls back to ``json``."""
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return super().encode_json(data)  # type: ignore[return-value]

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        context = Context(services=self.services, nested=NESTED)
        request_id = request.headers.get("x-request-id")
        if request_id:
            context.request_id = request_id[:64]
        if isinstance(request, Request):
            self._authenticate(context, bearer(request.headers.get("authorization")))
            context.stream_started = asyncio.Event()  # for a subscription over HTTP
            request.state.graphql_context = context
        else:
            context.websocket = request
        return context

    def _authenticate(self, context: Context, token: str | None) -> None:
        if token is None:
            return
        try:
            context.viewer_or_none = self.tokens.read(token)
        except Unauthenticated as error:
            context.auth_error = str(error)

    async def on_ws_connect(self, context: Context) -> Any:
        """The token travels in ``connection_init``; a bad or missing one closes with 4403."""
        params = context.connection_params or {}
        self._authenticate(context, bearer(str(params.get("authorization") or "")))
        viewer = context.viewer_or_none
        if viewer is None:
            raise ConnectionRejectionError({"reason": context.auth_error or "token required"})
        if viewer.expires_at is not None and context.websocket is not None:
            expiry = close_at_expiry(weakref.ref(context.websocket), viewer.expires_at)
            context.expiry_task = asyncio.ensure_future(expiry)
        return None

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = None
        if GRAPHQL_RESPONSE in request.headers.get("accept", ""):
            sub_response.media_type = GRAPHQL_RESPONSE
        return sub_response

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """GraphQL over HTTP: with ``application/graphql-response+json`` a request error
        (unparsable or invalid document) is a 400 without ``data``."""
        wants = sub_response.media_type == GRAPHQL_RESPONSE
        if isinstance(response_data, dict):
            response_data = with_request_codes(response_data)
        if wants and isinstance(response_data, dict) and is_request_error(response_data):
            response_data = {k: v for k, v in response_data.items() if k != "data"}
            sub_response.status_code = 400
        if wants and isinstance(response_data, dict) and is_unavailable(response_data):
            sub_response.status_code = 503
        if isinstance(response_data, dict) and is_refused_document(response_data):
            sub_response.status_code = 400
        response = super().create_response(response_data, sub_response)
        if wants:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        return response
