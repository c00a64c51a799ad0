"""The emulator's state: store, signing keys, custom-auth triggers, clock and modexp workers."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar, cast

from .store import Store
from .tokens import KeyRing
from .triggers import CustomAuthTriggers

T = TypeVar("T")


@dataclass
class EmulatorConfig:
    """Settings; every field has a default that suits tests and the demo."""

    region: str = "us-east-1"
    # Tokens get iss = <issuer_base>/<pool-id>; None means the address the server listens on
    # (never the Host header, which a caller chooses).
    issuer_base: str | None = None
    # Exact origins allowed by CORS and on /_emulator/*; None means any http://127.0.0.1:* or
    # http://localhost:*.
    allowed_origins: list[str] | None = None
    # Host header names accepted besides 127.0.0.1, localhost, ::1 and the address the server
    # listens on (DNS rebinding protection); ``--host`` adds its name.
    allowed_hosts: list[str] = field(default_factory=list)
    # Largest request body read (bytes); a larger one is answered 413 before it is read.
    max_body_bytes: int = 1 << 20
    print_outbox: bool = True
    # Processes for the SRP modexp (0 = inline); lets a sign-in burst use every core.
    compute_workers: int = 0
    lockout_seconds: float = 900.0
    max_failed_sign_ins: int = 5
    session_seconds: float = 180.0
    # ForgotPassword / ResendConfirmationCode requests per user and code kind within the
    # window; beyond, LimitExceededException (Cognito throttles them; its quota is unpublished).
    code_issue_limit: int = 5
    code_issue_window: float = 3600.0
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


def _serve(conn: Connection, parent: int) -> None:
    """A modexp worker: run each ``(fn, args)`` received, answer ``(ok, value)``."""
    _worker_init(parent)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        fn, args = job
        try:
            conn.send((True, fn(*args)))
        except Exception as exc:  # the caller re-raises it
            conn.send((False, exc))


class ComputePool:
    """A fixed set of worker processes, all started up front, each with its own pipe.

    It replaces ``ProcessPoolExecutor``, which spawned workers on demand inside ``submit()``
    from the handler threads while uvicorn was opening and closing hundreds of sockets, and
    ran a manager thread and a wake-up pipe shared by every submitting thread: the 1000-sign-in
    load test failed with ``OSError: [Errno 9] Bad file descriptor`` (not reproduced since:
    0 in 3 runs of the old pool). Here no process is created while serving, no thread is
    shared, and a pipe is used by one thread at a time: the idle queue hands it out, and
    :meth:`close` takes every worker from that queue too, so it never closes a pipe a job is
    using. Only a dead worker (EOF, broken pipe) is replaced; any other ``OSError`` (such as
    a descriptor closed under the pipe) is a bug and reaches the caller."""

    def __init__(self, size: int) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._size = size
        self._closed = False
        self._lock = threading.Lock()
        # None, once closed: the jobs that come after are computed in the caller's thread.
        self._idle: queue.Queue[tuple[Connection, BaseProcess] | None] = queue.Queue()
        for _ in range(size):
            self._idle.put(self._start())

    def _start(self) -> tuple[Connection, BaseProcess]:
        ours, theirs = self._ctx.Pipe()
        proc = self._ctx.Process(target=_serve, args=(theirs, os.getpid()), daemon=True)
        proc.start()
        theirs.close()  # the child holds its own copy; ours is the only end left here
        return ours, proc

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker process (waits for an idle one)."""
        worker = self._idle.get()
        try:
            if worker is None:  # closed
                return fn(*args)
            worker[0].send((fn, args))
            ok, value = worker[0].recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            assert worker is not None
            worker[0].close()
            worker[1].join(1)
            worker = self._start()  # the worker died: replace it, answer from here
            return fn(*args)
        finally:
            self._idle.put(worker)
        if not ok:
            raise value
        return cast(T, value)

    def close(self) -> None:
        """Stop every worker, once each has finished the job it is running."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        workers = [self._idle.get() for _ in range(self._size)]
        self._idle.put(None)
        for worker in workers:
            if worker is not None:
                with contextlib.suppress(OSError):
                    worker[0].send(None)
        for worker in workers:
            if worker is None:
                continue
            conn, proc = worker
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
            conn.close()


class Emulator:
    """One emulator instance: all handlers reach state through ``ctx.emulator``."""

    def __init__(self, config: EmulatorConfig | None = None, data: str | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.store = Store(data)
        self.keys = KeyRing(self.store)
        self.triggers: dict[str, CustomAuthTriggers] = {}
        self.clock_offset = 0.0
        self._pool: ComputePool | None = None
        if self.config.compute_workers > 0:
            # spawn, not fork: the server has threads and an open sqlite connection; and the
            # workers must die on SIGTERM instead of inheriting the server's signal handlers.
            self._pool = ComputePool(self.config.compute_workers)

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
        return self._pool.run(fn, *args)

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
            self._pool.close()
            self._pool = None
        self.store.close()
