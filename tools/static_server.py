"""A small threaded static file server for web/ (stdlib only).

Used by ``build.py serve`` and by the test fixtures in ``tests/conftest.py``. It exists because
``python -m http.server`` guesses MIME types from the host's tables: Pyodide's ``loadPyodide``
never resolves unless the ``.wasm`` file is served as ``application/wasm``, and module scripts
(``.mjs``) must be JavaScript.

Compression: when ``X.br`` or ``X.gz`` sits next to ``X`` (written by ``tools/precompress.py``
during ``build.py bundle``), is at least as new as ``X``, and the request accepts that coding
(and asks for no byte range), the server sends those bytes with ``Content-Encoding: br``
(preferred: smaller) or ``gzip`` and the Content-Type of ``X``. Browsers decode it
transparently, so ``fetch()`` still yields ``X``'s bytes (the portal worker's SHA-256 checks
see the original). Otherwise ``X`` is sent as is.
"""

from __future__ import annotations

import datetime
import email.utils
import os
import sys
import threading
from collections.abc import Mapping
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

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
    ".br": "application/octet-stream",
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


# Content codings with precompressed siblings, best first: brotli is 20 to 30 % smaller.
CODINGS: tuple[tuple[str, str], ...] = (("br", ".br"), ("gzip", ".gz"))


def accepts(accept_encoding: str | None, coding: str) -> bool:
    """True when an ``Accept-Encoding`` value allows ``coding`` (RFC 9110 12.5.3 q-values).

    The coding (``x-gzip`` counts as ``gzip``) listed with q > 0 allows it; otherwise ``*``
    with q > 0 does, unless the coding is listed with q=0.
    """
    if not accept_encoding:
        return False
    aliases = {"x-gzip": "gzip"}
    explicit: float | None = None
    wildcard: float | None = None
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        listed = name.strip().lower()
        if aliases.get(listed, listed) == coding:
            explicit = quality if explicit is None else max(explicit, quality)
        elif listed == "*":
            wildcard = quality
    if explicit is not None:
        return explicit > 0
    return wildcard is not None and wildcard > 0


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when an ``Accept-Encoding`` value allows gzip (see ``accepts``)."""
    return accepts(accept_encoding, "gzip")


def fresh_sibling(path: str | Path, suffix: str = ".gz") -> Path | None:
    """``path + suffix`` when it exists and is not older than ``path``, else None."""
    sibling = Path(str(path) + suffix)
    try:
        original = os.stat(path)
        compressed = os.stat(sibling)
    except OSError:
        return None
    if compressed.st_mtime_ns < original.st_mtime_ns:
        return None  # stale: the original was rebuilt after it
    return sibling


def fresh_gzip_sibling(path: str | Path) -> Path | None:
    """``path + ".gz"`` when it exists and is not older than ``path``, else None."""
    return fresh_sibling(path, ".gz")


def choose_sibling(path: str | Path, accept_encoding: str | None) -> tuple[str, Path] | None:
    """The best (coding, fresh sibling file) the client accepts for ``path``, or None."""
    for coding, suffix in CODINGS:
        if accepts(accept_encoding, coding):
            sibling = fresh_sibling(path, suffix)
            if sibling is not None:
                return coding, sibling
    return None


class StaticHandler(SimpleHTTPRequestHandler):
    """Serves one directory with fixed MIME types, no-cache headers, quiet logs and
    precompressed ``.br`` / ``.gz`` siblings when the client accepts them."""

    extensions_map = MIME_TYPES
    extra_headers: Mapping[str, str] = {}
    quiet: bool = True
    compress: bool = True

    def end_headers(self) -> None:
        # Pages under development change often; never let the browser reuse a stale copy.
        self.send_header("Cache-Control", "no-cache")
        if self.compress:
            # Caches must key on Accept-Encoding: the same URL may come back gzipped or not.
            self.send_header("Vary", "Accept-Encoding")
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def send_head(self) -> BytesIO | BinaryIO | None:
        """GET/HEAD headers; a compressed sibling's bytes when one applies (see module doc)."""
        if not self.compress or "Range" in self.headers:
            # No Range support here: a range must address the original bytes, so send those.
            return super().send_head()
        path = self.translate_path(self.path)
        if path.endswith("/") or not os.path.isfile(path):
            return super().send_head()
        chosen = choose_sibling(path, self.headers.get("Accept-Encoding"))
        if chosen is None:
            return super().send_head()
        coding, sibling = chosen
        try:
            body = open(sibling, "rb")  # noqa: SIM115 - the caller copies and closes it
        except OSError:
            return super().send_head()
        try:
            mtime = os.stat(path).st_mtime
            if self._not_modified_since(mtime):
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.end_headers()
                body.close()
                return None
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", coding)
            self.send_header("Content-Length", str(os.fstat(body.fileno()).st_size))
            # The original's time: the same validator whichever encoding was sent.
            self.send_header("Last-Modified", self.date_time_string(mtime))
            self.end_headers()
            return body
        except BaseException:
            body.close()
            raise

    def _not_modified_since(self, mtime: float) -> bool:
        """If-Modified-Since handling as in SimpleHTTPRequestHandler.send_head."""
        if "If-Modified-Since" not in self.headers or "If-None-Match" in self.headers:
            return False
        try:
            ims = email.utils.parsedate_to_datetime(self.headers["If-Modified-Since"])
        except (TypeError, IndexError, OverflowError, ValueError):
            return False
        if ims.tzinfo is None:
            ims = ims.replace(tzinfo=datetime.UTC)
        last = datetime.datetime.fromtimestamp(mtime, datetime.UTC)
        return last.replace(microsecond=0) <= ims

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
    ``compress=False`` ignores ``.gz`` siblings (to measure an uncompressed load).
    """

    def __init__(
        self,
        root: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        extra_headers: Mapping[str, str] | None = None,
        quiet: bool = True,
        compress: bool = True,
    ) -> None:
        self.root = Path(root).resolve()
        handler_class = type(
            "BoundStaticHandler",
            (StaticHandler,),
            {"extra_headers": dict(extra_headers or {}), "quiet": quiet, "compress": compress},
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
