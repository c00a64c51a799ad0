"""The emulator's state: store, signing keys, custom-auth triggers, clock and modexp workers."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .store import Store
from .tokens import KeyRing
from .triggers import CustomAuthTriggers

T = TypeVar("T")


@dataclass
class EmulatorConfig:
    """Settings; every field has a default that suits tests and the demo."""

    region: str = "us-east-1"
    # Tokens get iss = <issuer_base>/<pool-id>; None means "the URL the request came to"
    # (scheme and Host header), which is what a verifier fetching the JWKS expects.
    issuer_base: str | None = None
    # Exact origins allowed by CORS; None means any http://127.0.0.1:* or http://localhost:*.
    allowed_origins: list[str] | None = None
    print_outbox: bool = True
    # Processes for the SRP modexp (0 = inline); lets a sign-in burst use every core.
    compute_workers: int = 0
    lockout_seconds: float = 900.0
    max_failed_sign_ins: int = 5
    session_seconds: float = 180.0
    extra: dict[str, Any] = field(default_factory=dict)


def _worker_init(parent: int) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and shuts us down

    # uvicorn ends the server by re-raising SIGTERM, so no shutdown reaches the pool: a worker
    # leaves on its own once its parent is gone.
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class Emulator:
    """One emulator instance: all handlers reach state through ``ctx.emulator``."""

    def __init__(self, config: EmulatorConfig | None = None, data: str | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.store = Store(data)
        self.keys = KeyRing(self.store)
        self.triggers: dict[str, CustomAuthTriggers] = {}
        self.clock_offset = 0.0
        self._pool: ProcessPoolExecutor | None = None
        if self.config.compute_workers > 0:
            # spawn, not fork: the server has threads and an open sqlite connection; and the
            # workers must die on SIGTERM instead of inheriting the server's signal handlers.
            self._pool = ProcessPoolExecutor(
                self.config.compute_workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(os.getpid(),),
            )

    def now(self) -> float:
        """Emulator time (wall clock plus a test-controlled offset)."""
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move emulator time forward (tests of expiry)."""
        self.clock_offset += seconds

    def compute(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a CPU-heavy pure function, in a worker process when configured. Handlers run on
        threads, so waiting here frees the GIL for other requests."""
        if self._pool is None:
            return fn(*args)
        return self._pool.submit(fn, *args).result()

    def set_custom_auth_triggers(self, pool_id: str, triggers: CustomAuthTriggers) -> None:
        """Use these Python callables as the pool's define/create/verify auth challenge triggers."""
        self.triggers[pool_id] = triggers

    def deliver(self, pool_id: str, username: str, kind: str, code: str, destination: str) -> None:
        """Put a message in the outbox and print it to the console."""
        self.store.add_outbox(pool_id, username, kind, code, destination, self.now())
        if self.config.print_outbox:
            print(
                f"[outbox] {kind} for {username} ({pool_id}) to {destination}: {code}",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        """Stop workers and close the store."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self.store.close()
