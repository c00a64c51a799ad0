"""The sample project's own set-up: its site on a local port, and the machine's Chromium."""

import functools
import http.server
import threading
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def base_url():
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=Path(__file__).parent / "site"
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download its browsers here: use Debian's Chromium.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox"],
    }
