"""Run the emulator in-process for tests.

from cognito_emulator.testing import EmulatorServer

with EmulatorServer() as emu:
    pool_id = emu.create_pool()
    client_id = emu.create_client(pool_id)
    emu.create_user(pool_id, "alice", "Passw0rd!", email="alice@example.com")
    ...  # talk to emu.endpoint ("http://127.0.0.1:PORT/")
    code = emu.last_code("alice", kind="signup")
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from . import registry
from .app import EmulatorApp
from .model import get_pool, require_user, save_user, set_password
from .ops_admin import create_client
from .ops_pools import create_pool
from .registry import RequestContext
from .seed import apply_seed
from .state import Emulator, EmulatorConfig

KEEP_ALIVE_SECONDS = 75


class EmulatorServer:
    """Context manager: uvicorn in a background thread on a free 127.0.0.1 port."""

    def __init__(
        self,
        seed: dict[str, Any] | None = None,
        data: str | None = None,
        config: EmulatorConfig | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.config = config or EmulatorConfig(print_outbox=False)
        self.emulator = Emulator(self.config, data)
        self.app = EmulatorApp(self.emulator)
        self.host = host
        self.port = 0
        self._seed = seed
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT/``."""
        return f"http://{self.host}:{self.port}/"

    def start(self) -> EmulatorServer:
        """Bind a free port and serve until :meth:`stop`."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        if self._seed:
            apply_seed(self.ctx(), self._seed)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            backlog=2048,
            # Long keep-alive: a client reusing a pooled connection must not race the server
            # closing it (a reset under load looks like a failure of the emulator).
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        self._server = uvicorn.Server(config)
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[sock]), name="cognito-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and close the store."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self.app.executor.shutdown(wait=True)
        self.emulator.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ helpers

    def ctx(self) -> RequestContext:
        """A request context for calling handlers directly (issuer = this server)."""
        return RequestContext(emulator=self.emulator, issuer_base=self.endpoint.rstrip("/"))

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Call a User Pools operation in-process (no HTTP); raises ServiceError."""
        registry.load_all()
        handler = registry.lookup(f"AWSCognitoIdentityProviderService.{operation}")
        if handler is None:
            raise KeyError(operation)
        return handler(self.ctx(), params)

    def create_pool(self, name: str = "test-pool", **params: Any) -> str:
        """CreateUserPool (any CreateUserPool parameter as keyword); returns the pool id."""
        return str(create_pool(self.ctx(), {"PoolName": name, **params})["Id"])

    def create_client(self, pool_id: str, name: str = "test-client", **params: Any) -> str:
        """CreateUserPoolClient; returns the client id."""
        item = create_client(self.ctx(), {"UserPoolId": pool_id, "ClientName": name, **params})
        return str(item["ClientId"])

    def create_pool_and_client(
        self, pool: dict[str, Any] | None = None, client: dict[str, Any] | None = None
    ) -> tuple[str, str]:
        """A pool and an app client in one call: ``(pool_id, client_id)``. The client allows
        every flow unless ``client`` says otherwise."""
        pool_id = self.create_pool(**(pool or {}))
        params: dict[str, Any] = {
            "ExplicitAuthFlows": [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_CUSTOM_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ]
        }
        params.update(client or {})
        return pool_id, self.create_client(pool_id, **params)

    def create_user(
        self,
        pool_id: str,
        username: str,
        password: str,
        *,
        confirmed: bool = True,
        **attributes: str,
    ) -> dict[str, Any]:
        """A user with a permanent password (CONFIRMED unless ``confirmed=False``)."""
        self.call(
            "AdminCreateUser",
            {
                "UserPoolId": pool_id,
                "Username": username,
                "MessageAction": "SUPPRESS",
                "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
            },
        )
        emu = self.emulator
        pool = get_pool(emu, pool_id)
        with emu.store.transaction():
            user = require_user(emu, pool, username)
            set_password(emu, pool, user, password)
            user["status"] = "CONFIRMED" if confirmed else "UNCONFIRMED"
            user.pop("temp_expires", None)
            for name in ("email", "phone_number"):
                if name in attributes:
                    user["attributes"][f"{name}_verified"] = "true"
            save_user(emu, pool, user)
        return user

    def outbox(self, username: str | None = None, pool_id: str | None = None) -> list[Any]:
        """Outbox messages."""
        return self.emulator.store.outbox(username, pool_id)

    def last_code(self, username: str, kind: str | None = None) -> str:
        """The newest code delivered to a user (optionally of one kind)."""
        items = [m for m in self.outbox(username) if kind is None or m["kind"] == kind]
        if not items:
            raise LookupError(f"no {kind or ''} message for {username}")
        return str(items[-1]["code"])
