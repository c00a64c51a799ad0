"""A small threaded static file server for web/ (stdlib only).

Used by ``build.py serve`` and by the test fixtures in ``tests/conftest.py``. It exists because
``python -m http.server`` guesses MIME types from the host's tables: Pyodide's ``loadPyodide``
never resolves unless the ``.wasm`` file is served as ``application/wasm``, and module scripts
(``.mjs``) must be JavaScript.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Explicit types for everything a page here loads; the host's mimetypes tables vary.
MIME_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".tar": "application/x-tar",
    ".gz": "application/gzip",
    ".py": "text/x-python; charset=utf-8",
    ".toml": "application/toml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".bin": "application/octet-stream",
    ".data": "application/octet-stream",
    "": "application/octet-stream",
}


class StaticHandler(SimpleHTTPRequestHandler):
    """Serves one directory with fixed MIME types, no-cache headers and quiet logs."""

    extensions_map = MIME_TYPES
    extra_headers: Mapping[str, str] = {}
    quiet: bool = True

    def end_headers(self) -> None:
        # Pages under development change often; never let the browser reuse a stale copy.
        self.send_header("Cache-Control", "no-cache")
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


class QuietThreadingHTTPServer(ThreadingHTTPServer):
    """Drops the traceback of a client that hung up mid-response (a page navigating away)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class StaticServer:
    """A threaded static server on ``host:port`` serving ``root``.

    ``port=0`` picks a free port; read it back from ``.port``. Use as a context manager, or
    call ``start()`` (background thread) / ``serve_forever()`` (blocking) and ``stop()``.
    ``extra_headers`` are added to every response (e.g. COOP/COEP for SharedArrayBuffer).
    """

    def __init__(
        self,
        root: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        extra_headers: Mapping[str, str] | None = None,
        quiet: bool = True,
    ) -> None:
        self.root = Path(root).resolve()
        handler_class = type(
            "BoundStaticHandler",
            (StaticHandler,),
            {"extra_headers": dict(extra_headers or {}), "quiet": quiet},
        )
        handler = partial(handler_class, directory=str(self.root))
        self.httpd = QuietThreadingHTTPServer((host, port), handler)
        self.host = host
        self.port: int = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL with a trailing slash, e.g. ``http://127.0.0.1:8000/``."""
        return f"http://{self.host}:{self.port}/"

    def start(self) -> StaticServer:
        """Serve in a daemon thread and return self."""
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="static-server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop()`` or KeyboardInterrupt."""
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> StaticServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
