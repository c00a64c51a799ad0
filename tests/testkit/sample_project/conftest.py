"""The sample project's own set-up: its site on a local port (kit.html filled in with the
pool under test, as a backend would template it), and the machine's Chromium."""

import functools
import http.server
import threading
from pathlib import Path

import pytest

HERE = Path(__file__).parent
PAGE_CONFIG = {}  # what kit.html is filled in with (set by the page_config fixture)


class Site(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/kit.html":
            return super().do_GET()
        body = (HERE / "kit.html").read_text()
        for key, value in PAGE_CONFIG.items():
            body = body.replace("{{" + key + "}}", str(value))
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def base_url():
    handler = functools.partial(Site, directory=HERE / "site")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page_config():
    PAGE_CONFIG.clear()
    yield PAGE_CONFIG
    PAGE_CONFIG.clear()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download its browsers here: use Debian's Chromium.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox"],
    }
