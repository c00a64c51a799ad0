"""The ASGI application: JSON 1.1 dispatch through the registry, JWKS, outbox, CORS.

A plain ASGI callable (no framework router) keeps the per-request overhead small; uvicorn
serves it. Handlers run on a thread pool so that sqlite and the modexp workers never block the
event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from . import guard, registry
from .errors import ServiceError, internal, serialization
from .registry import RequestContext
from .state import Emulator

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_LOCAL_ORIGIN = re.compile(r"^http://(127\.0\.0\.1|localhost)(:\d{1,5})?$")
_JWKS = re.compile(r"^/([\w-]+_[0-9a-zA-Z]+)/\.well-known/(jwks\.json|openid-configuration)$")
_AMZ_JSON = "application/x-amz-json-1.1"
_EXPOSE = "x-amzn-requestid,x-amzn-errortype,x-amzn-errormessage,date"
_ALLOW_HEADERS = (
    "content-type,x-amz-target,x-amz-user-agent,cache-control,authorization,x-amz-date,"
    "x-amz-security-token,x-amz-content-sha256,amz-sdk-invocation-id,amz-sdk-request"
)


class EmulatorApp:
    """ASGI app over an :class:`Emulator`."""

    def __init__(self, emulator: Emulator, threads: int = 16, multi_process: bool = False) -> None:
        registry.load_all()
        self.emulator = emulator
        self.multi_process = multi_process
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="cognito-emulator")

    def origin_allowed(self, origin: str) -> bool:
        """Whether a browser page of this origin may call the emulator."""
        allowed = self.emulator.config.allowed_origins
        if allowed is None:
            return bool(_LOCAL_ORIGIN.match(origin))
        return origin in allowed or "*" in allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        bound = (scope.get("server") or (None, 0))[0]
        if not guard.host_allowed(headers.get("host"), bound, self.emulator.config.allowed_hosts):
            await self._reply(send, 421, "MisdirectedRequest", "Host not allowed", [])
            return
        origin = headers.get("origin")
        cors: list[tuple[bytes, bytes]] = []
        if origin and self.origin_allowed(origin):
            cors = [
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-expose-headers", _EXPOSE.encode()),
                (b"vary", b"Origin"),
            ]
        method = scope["method"]
        path = scope["path"]
        if method == "OPTIONS":
            await self._preflight(send, origin, headers, cors)
            return
        if scope["path"].startswith("/_emulator/") and origin and not cors:
            # A page of another site (a form post, a fetch) may not drive the emulator.
            await self._reply(
                send, 403, "CORSOriginDenied", f"Origin {origin!r} is not allowed", []
            )
            return
        body = await self._read_body(receive, headers)
        if body is None:
            limit = self.emulator.config.max_body_bytes
            err = guard.too_large(limit)
            await self._reply(send, err.status, err.name, err.message, cors)
            return
        try:
            status, payload, extra = await self._route(scope, method, path, headers, body)
        except Exception:  # last resort: still a JSON body, never an HTML page
            traceback.print_exc()
            err = internal()
            status, payload, extra = err.status, {"__type": err.name, "message": err.message}, []
        data = json.dumps(payload, separators=(",", ":")).encode()
        content_type = _AMZ_JSON if path == "/" else "application/json"
        out = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(data)).encode()),
            (b"x-amzn-requestid", str(uuid.uuid4()).encode()),
            *extra,
            *cors,
        ]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": data})

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes | None:
        """The request body, or None (unread beyond the limit) when it is too large."""
        limit = self.emulator.config.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _reply(
        self, send: Send, status: int, name: str, message: str, cors: list[tuple[bytes, bytes]]
    ) -> None:
        data = json.dumps({"__type": name, "message": message}).encode()
        out = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
            (b"x-amzn-errortype", f"{name}:".encode()),
            *cors,
        ]
        if status == 413:
            out.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": data})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _preflight(
        self,
        send: Send,
        origin: str | None,
        headers: dict[str, str],
        cors: list[tuple[bytes, bytes]],
    ) -> None:
        if not cors:
            data = json.dumps(
                {"__type": "CORSOriginDenied", "message": f"Origin {origin!r} is not allowed"}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(data)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": data})
            return
        requested = headers.get("access-control-request-headers", _ALLOW_HEADERS)
        out = [
            *cors,
            (b"access-control-allow-methods", b"POST, GET, OPTIONS"),
            (b"access-control-allow-headers", requested.encode("latin-1")),
            (b"access-control-max-age", b"600"),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": out})
        await send({"type": "http.response.body", "body": b""})

    def _issuer_base(self, scope: Scope, headers: dict[str, str]) -> str:
        """The configured issuer, else the address the server listens on: fixed per server,
        never taken from the Host header a caller chooses."""
        if self.emulator.config.issuer_base:
            return self.emulator.config.issuer_base.rstrip("/")
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
        return f"{scope.get('scheme', 'http')}://{host}:{server[1]}"

    async def _route(
        self, scope: Scope, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, list[tuple[bytes, bytes]]]:
        if path == "/":
            if method != "POST":
                return (
                    405,
                    {
                        "__type": "MethodNotAllowed",
                        "message": f"{method} is not allowed on /; use POST",
                    },
                    [],
                )
            return await self._dispatch(scope, headers, body)
        match = _JWKS.match(path)
        if match and method == "GET":
            return await self._run(self._well_known, scope, headers, match.group(1), match.group(2))
        if path == "/_emulator/outbox" and method == "GET":
            query = parse_qs(scope.get("query_string", b"").decode())
            username = query.get("username", [None])[0]
            pool_id = query.get("pool_id", [None])[0]
            email = query.get("email", [None])[0]
            items = await self._run_plain(self.emulator.store.outbox, username, pool_id, email)
            return 200, items, []
        if path == "/_emulator/reset" and method == "POST":
            await self._run_plain(self.emulator.store.reset)
            return 200, {}, []
        if path == "/_emulator/health" and method == "GET":
            # Process CPU time lets a load test measure server cost per request even on a
            # machine busy with other work (wall-clock rates then mislead).
            return (
                200,
                {
                    "ok": True,
                    "operations": len(registry.targets()),
                    "pid": os.getpid(),
                    "multi_process": self.multi_process,
                    "cpu_seconds": time.process_time(),
                },
                [],
            )
        if match or path in ("/_emulator/outbox", "/_emulator/reset", "/_emulator/health"):
            return 405, {"__type": "MethodNotAllowed", "message": f"{method} not allowed"}, []
        return 404, {"__type": "NotFound", "message": f"No route for {method} {path}"}, []

    async def _run_plain(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, fn, *args)

    async def _run(
        self, fn: Callable[..., Any], scope: Scope, headers: dict[str, str], *args: Any
    ) -> tuple[int, Any, list[tuple[bytes, bytes]]]:
        ctx = RequestContext(
            emulator=self.emulator,
            issuer_base=self._issuer_base(scope, headers),
            source_ip=(scope.get("client") or ("127.0.0.1", 0))[0],
            headers=headers,
        )
        try:
            result = await self._run_plain(fn, ctx, *args)
        except ServiceError as err:
            return (
                err.status,
                {"__type": err.name, "message": err.message},
                [(b"x-amzn-errortype", f"{err.name}:".encode())],
            )
        return 200, result, []

    def _well_known(self, ctx: RequestContext, pool_id: str, doc: str) -> Any:
        if self.emulator.store.get("pool", pool_id) is None:
            raise ServiceError(
                "ResourceNotFoundException", f"User pool {pool_id} does not exist.", 404
            )
        if doc == "jwks.json":
            return self.emulator.keys.jwks(pool_id)
        iss = f"{ctx.issuer_base}/{pool_id}"
        return {
            "issuer": iss,
            "jwks_uri": f"{iss}/.well-known/jwks.json",
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "token_use",
                "auth_time",
                "exp",
                "iat",
                "cognito:username",
                "email",
                "email_verified",
                "phone_number",
            ],
            "authorization_endpoint": f"{ctx.issuer_base}/oauth2/authorize",
            "token_endpoint": f"{ctx.issuer_base}/oauth2/token",
            "userinfo_endpoint": f"{ctx.issuer_base}/oauth2/userInfo",
        }

    async def _dispatch(
        self, scope: Scope, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, list[tuple[bytes, bytes]]]:
        target = headers.get("x-amz-target")
        if not target:
            err = ServiceError("MissingAction", "Missing X-Amz-Target header")
            return 400, {"__type": err.name, "message": err.message}, []
        handler = registry.lookup(target)
        if handler is None:
            return (
                400,
                {"__type": "UnknownOperationException", "message": f"Unknown operation {target}"},
                [],
            )
        try:
            params = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            err = serialization(f"Malformed JSON body: {exc}")
            return 400, {"__type": err.name, "message": err.message}, []
        except RecursionError:
            err = serialization(f"JSON nested deeper than {guard.MAX_DEPTH} levels")
            return 400, {"__type": err.name, "message": err.message}, []
        if not isinstance(params, dict):
            err = serialization(f"Expected a JSON object, got {type(params).__name__}")
            return 400, {"__type": err.name, "message": err.message}, []
        try:
            guard.check_strings(params)
        except ServiceError as err:
            return err.status, {"__type": err.name, "message": err.message}, []
        return await self._run(handler, scope, headers, params)


def create_app(emulator: Emulator | None = None) -> EmulatorApp:
    """An app over a new in-memory emulator (or the one given)."""
    return EmulatorApp(emulator or Emulator())


SPEC_ENV = "COGNITO_EMULATOR_SPEC"


def app_from_env() -> EmulatorApp:
    """App factory for multi-process serving: each uvicorn worker process builds its own
    Emulator over the shared sqlite file named in ``$COGNITO_EMULATOR_SPEC`` (JSON
    ``{"data": path, "config": {EmulatorConfig fields}}``)."""
    import os

    from .state import EmulatorConfig

    spec = json.loads(os.environ[SPEC_ENV])
    return EmulatorApp(Emulator(EmulatorConfig(**spec["config"]), spec["data"]), multi_process=True)
