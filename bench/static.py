"""A small static server for the benchmark pages, bound to 127.0.0.1.

It serves several directories under URL prefixes (``/vendor/pyodide/`` -> the npm Pyodide,
``/bench/`` -> bench/pages, ...), sends the MIME types Pyodide needs (``application/wasm``), and
lets the browser cache everything but HTML so a warm reload really is warm.
"""

from __future__ import annotations

import mimetypes
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".py": "text/plain; charset=utf-8",
}


class _Handler(SimpleHTTPRequestHandler):
    mounts: ClassVar[list[tuple[str, Path]]] = []
    served: ClassVar[list[tuple[str, str]]] = []

    def copyfile(self, source: Any, outputfile: Any) -> None:
        # Every file body sent, as (URL path, file on disk): what a page load transferred.
        self.served.append((self.path, str(getattr(source, "name", ""))))
        super().copyfile(source, outputfile)

    def translate_path(self, path: str) -> str:
        url_path = unquote(urlsplit(path).path)
        for prefix, root in self.mounts:
            if root.is_file():
                if url_path == prefix:
                    return str(root)
                continue
            if url_path == prefix.rstrip("/") or url_path.startswith(prefix):
                rel = url_path[len(prefix) :].lstrip("/")
                target = (root / rel).resolve()
                # Stay inside the mount even with ../ in the URL.
                if target == root.resolve() or root.resolve() in target.parents:
                    return str(target)
                return str(root / "__forbidden__")
        return str(Path("/nonexistent"))

    def guess_type(self, path: str | Any) -> str:
        suffix = Path(str(path)).suffix
        guessed = _TYPES.get(suffix) or mimetypes.guess_type(str(path))[0]
        return guessed or "application/octet-stream"

    def end_headers(self) -> None:
        if self.path.split("?")[0].endswith((".html", "/")):
            self.send_header("Cache-Control", "no-cache")
        else:
            self.send_header("Cache-Control", "public, max-age=3600")
        self.send_header("Access-Control-Allow-Origin", "*")
        # Lets pages read precise timings of cross-origin-free resources.
        self.send_header("Timing-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class StaticServer:
    """Serve ``mounts`` on a free 127.0.0.1 port, in a thread.

    ``mounts`` maps a URL prefix to a directory, or an exact URL path to a single file.
    """

    def __init__(self, mounts: dict[str, Path]) -> None:
        ordered = sorted(mounts.items(), key=lambda kv: -len(kv[0]))
        self.served: list[tuple[str, str]] = []
        handler = type(
            "Handler",
            (_Handler,),
            {"mounts": [(p, Path(d)) for p, d in ordered], "served": self.served},
        )
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> StaticServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
