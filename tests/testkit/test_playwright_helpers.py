"""Playwright helpers in real Chromium: a signed-in context works for pages using this SDK
(the portal) and pages using amazon-cognito-identity-js, in localStorage and in cookies, and
route_to_emulator runs a page configured for real AWS against the emulator."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cognito_emulator.playwright import route_to_emulator, signed_in_context
from cognito_emulator.testkit import PoolUser, UserPool

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
BOOT_MS = 60_000


@pytest.fixture(scope="session")
def js_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real local site (a page routed by Playwright would have no address, and Chromium
    then refuses its calls to 127.0.0.1) with amazon-cognito-identity-js (npm, bundled here)
    and a page that shows who is signed in. Returns its URL."""
    out = tmp_path_factory.mktemp("jssite")
    (out / "entry.mjs").write_text('export * from "amazon-cognito-identity-js";\n')
    subprocess.run(
        [
            str(ROOT / "node_modules/.bin/esbuild"),
            str(out / "entry.mjs"),
            "--bundle",
            "--format=iife",
            "--global-name=AmazonCognitoIdentity",
            "--define:global=globalThis",
            f"--outfile={out / 'sdk.js'}",
            "--log-level=warning",
        ],
        check=True,
        env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")},
    )
    (out / "app.html").write_text(JS_PAGE)
    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


JS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>app</title>
<link rel="icon" href="data:,"><script src="/sdk.js"></script></head>
<body><h1>My app</h1><p id="who">…</p><script>
const C = AmazonCognitoIdentity;
const cfg = JSON.parse(new URLSearchParams(location.search).get('config'));
const options = {UserPoolId: cfg.userPoolId, ClientId: cfg.clientId};
if (cfg.endpoint) options.endpoint = cfg.endpoint;
if (cfg.cookies) options.Storage = new C.CookieStorage({domain: location.hostname, secure: false});
const pool = new C.CognitoUserPool(options);
const user = pool.getCurrentUser();
const show = text => { document.querySelector('#who').textContent = text; };
if (!user) show('Signed out');
else user.getSession((err, session) => {
  if (err) return show('Error ' + err.code);
  user.getUserAttributes((err2, attrs) => {
    if (err2) return show('Error ' + err2.code);
    const email = attrs.find(a => a.getName() === 'email').getValue();
    show(`Signed in as ${user.getUsername()} (${email})`);
  });
});
</script></body></html>"""


def app_url(site: str, config: dict[str, Any]) -> str:
    return f"{site}/app.html?" + urllib.parse.urlencode({"config": json.dumps(config)})


def test_signed_in_page_of_this_sdk_portal(
    cognito_signed_in_context: Any, user_pool: UserPool, cognito_user: PoolUser, base_url: str
) -> None:
    context = cognito_signed_in_context
    config = json.dumps(user_pool.config())
    context.route(
        "**/config.json",
        lambda route: route.fulfill(body=config, content_type="application/json"),
    )
    page = context.new_page()
    page.goto(base_url.rstrip("/") + "/")
    page.locator("#account").wait_for(state="visible", timeout=BOOT_MS)
    page.locator("#account-session-username").filter(has_text=cognito_user.username).wait_for()
    # No sign-in form was used: the session came from localStorage.
    assert page.locator("#portal-login").is_hidden()


@pytest.mark.parametrize("storage", ["local", "cookie"])
def test_signed_in_context_for_a_page_using_the_js_sdk(
    new_context: Any,
    user_pool: UserPool,
    cognito_user: PoolUser,
    js_site: str,
    storage: str,
) -> None:
    context = signed_in_context(new_context, cognito_user, origin=js_site, storage=storage)
    config = {**user_pool.config(), "cookies": storage == "cookie"}
    page = context.new_page()
    page.goto(app_url(js_site, config))
    expected = f"Signed in as {cognito_user.username} ({cognito_user.email})"
    page.wait_for_function(f"document.querySelector('#who').textContent === {expected!r}")
    if storage == "cookie":
        names = {c["name"] for c in context.cookies()}
        assert f"CognitoIdentityServiceProvider.{user_pool.client_id}.LastAuthUser" in names
        assert page.evaluate("localStorage.length") == 0


def test_a_fresh_context_is_signed_out(page: Any, user_pool: UserPool, js_site: str) -> None:
    page.goto(app_url(js_site, user_pool.config()))
    page.wait_for_function("document.querySelector('#who').textContent === 'Signed out'")


@pytest.mark.allow_console_errors("status of 400")  # the wrong password's answer
def test_route_to_emulator_serves_a_page_configured_for_aws(
    new_context: Any, user_pool: UserPool, cognito_user: PoolUser, js_site: str
) -> None:
    """The page has no endpoint: the JS SDK calls https://cognito-idp.us-east-1.amazonaws.com/
    and gets the emulator's real answers (the page guard would fail any request that left)."""
    context = new_context()
    route_to_emulator(context, user_pool.endpoint)
    config = {"userPoolId": user_pool.user_pool_id, "clientId": user_pool.client_id}
    page = context.new_page()
    page.goto(app_url(js_site, config))
    page.wait_for_function("document.querySelector('#who').textContent === 'Signed out'")
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    session_js = """([username, password]) => new Promise((resolve, reject) => {
      const C = AmazonCognitoIdentity;
      const user = new C.CognitoUser({Username: username, Pool: pool});
      user.authenticateUser(new C.AuthenticationDetails({Username: username, Password: password}),
        {onSuccess: s => resolve(s.getIdToken().payload.email), onFailure: e => reject(e.code)});
    })"""
    email = page.evaluate(session_js, [cognito_user.username, cognito_user.password])
    assert email == cognito_user.email
    assert "https://cognito-idp.us-east-1.amazonaws.com/" in seen
    wrong = page.evaluate(
        f"p => ({session_js})(p).catch(code => code)", [cognito_user.username, "Wr0ng-pass!"]
    )
    assert wrong == "NotAuthorizedException"
