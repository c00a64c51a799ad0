"""A static file server for web/ with per-test overrides, bound to 127.0.0.1.

Overrides let a test serve a different body (or status) at a path, e.g. a damaged snapshot, a
config.json naming the test's emulator, or a test page built at test time.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MIME = {
    ".wasm": "application/wasm",  # loadPyodide never resolves without it
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".bin": "application/octet-stream",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".map": "application/json",
}


class WebServer:
    """Serves ``root`` on a free port; ``overrides[path] = (status, content_type, body)``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.overrides: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(server.root), **kwargs)

            def guess_type(self, path: str | Path) -> str:
                return MIME.get(Path(str(path)).suffix, "application/octet-stream")

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def end_headers(self) -> None:
                self.send_header("Cache-Control", "no-cache")
                super().end_headers()

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.requests.append(path)
                if path in server.overrides:
                    status, ctype, body = server.overrides[path]
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if path == "/config.json" and not (server.root / "config.json").exists():
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                super().do_GET()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve(self, path: str, body: bytes | str, content_type: str = "application/json") -> None:
        """Answer GET ``path`` with ``body`` instead of the file."""
        data = body.encode() if isinstance(body, str) else body
        self.overrides[path] = (200, content_type, data)

    def __enter__(self) -> WebServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
