"""Many tabs, one session, in real Chromium: five tabs of one origin whose access tokens expire
at the same moment make exactly one refresh request (refresh-token rotation on and off) and
none is signed out; a sign-out in one tab reaches the others through `storage` events.

Each tab runs the SDK under Pyodide on its main thread (/hello.html boots it) with the
default storage (localStorage) and transport (fetch). The tabs' clock is moved past the
access tokens' expiry through the pool's ``clock``; the emulator's clock moves with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

PASSWORD = "Tabs-Passw0rd!"
TABS = 5
SKIP = 301  # seconds: past the 5-minute access tokens

SETUP = """
import time
from amazon_cognito_identity import CognitoUserPool, CognitoUser, AuthenticationDetails
from amazon_cognito_identity import tabs as _tabs
OFFSET = [0.0]
CONFIG = json.loads(CONFIG_JSON)
pool = CognitoUserPool(
    user_pool_id=CONFIG["userPoolId"],
    client_id=CONFIG["clientId"],
    endpoint=CONFIG["endpoint"],
    clock=lambda: time.time() + OFFSET[0],
    refresh_token_rotation=CONFIG["rotation"],
)
EVENTS = []
for _name in ("signed_in", "signed_out", "token_refreshed", "token_refresh_failed",
              "session_expired"):
    pool.events.subscribe(_name, lambda e: EVENTS.append([e.name, e.data.get("source")]))
_tabs.web_locks_available()
"""


@pytest.fixture(params=[False, True], ids=["rotation-off", "rotation-on"])
def tab_pool(request: pytest.FixtureRequest, emulator: Any) -> Iterator[dict[str, Any]]:
    rotation = bool(request.param)
    pool_id = emulator.create_pool("tabs")
    extra = (
        {"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}}
        if rotation
        else {}
    )
    client_id = emulator.create_client(
        pool_id,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AccessTokenValidity=5,
        IdTokenValidity=5,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes"},
        **extra,
    )
    emulator.create_user(pool_id, "tabby", PASSWORD)
    yield {
        "userPoolId": pool_id,
        "clientId": client_id,
        "endpoint": emulator.endpoint,
        "rotation": rotation,
    }


def _boot(page: Any, url: str, config: dict[str, Any]) -> None:
    page.goto(url + "/hello.html")
    page.wait_for_selector("body[data-state=ready]", timeout=120_000)
    page.evaluate(
        "([code, config]) => { const py = window.sdkRuntime.pyodide;"
        " py.globals.set('CONFIG_JSON', config);"
        " return py.runPythonAsync('import json\\n' + code); }",
        [SETUP, json.dumps(config)],
    )


# A Python call that never settles fails the test instead of hanging it.
GUARD = (
    "(p) => Promise.race([p, new Promise((_, reject) =>"
    " setTimeout(() => reject(new Error('no answer from Python')), 90000))])"
)


def _py(page: Any, code: str) -> Any:
    """Run ``code`` in the tab's Python; its last expression, as JSON, is the result."""
    out = page.evaluate(
        f"(code) => ({GUARD})(window.sdkRuntime.pyodide.runPythonAsync(code))", code
    )
    return json.loads(out) if isinstance(out, str) else out


def test_five_tabs_refresh_once_and_sign_out_together(
    context: Any, static_server: Any, emulator: Any, tab_pool: dict[str, Any]
) -> None:
    url = str(static_server.url).rstrip("/")
    refreshes: list[str] = []

    def on_request(request: Any) -> None:
        target = request.headers.get("x-amz-target", "")
        body = request.post_data or ""
        if target.endswith("GetTokensFromRefreshToken") or (
            target.endswith("InitiateAuth") and "REFRESH_TOKEN_AUTH" in body
        ):
            refreshes.append(target.rsplit(".", 1)[-1])

    context.on("request", on_request)
    pages = [context.new_page() for _ in range(TABS)]
    for page in pages:
        _boot(page, url, tab_pool)
    assert _py(pages[0], "json.dumps(_tabs.web_locks_available())") is True

    # One tab signs in; every tab finds the user in the shared localStorage.
    _py(
        pages[0],
        "_u = CognitoUser('tabby', pool)\n"
        f"await _u.authenticate_user(AuthenticationDetails('tabby', {PASSWORD!r}))\n"
        "json.dumps(True)",
    )
    for page in pages:
        valid = _py(
            page,
            "user = pool.get_current_user()\n"
            "s = await user.get_session()\n"
            "json.dumps(s.is_valid(pool.clock()))",
        )
        assert valid is True

    # The access tokens of every tab expire at once; all five ask for a session together.
    emulator.emulator.advance_clock(SKIP)
    try:
        for page in pages:
            page.evaluate(
                f"() => {{ const py = window.sdkRuntime.pyodide;"
                f" py.runPython('OFFSET[0] = {SKIP}');"
                " window.__session = py.runPythonAsync("
                "'s = await user.get_session()\\n"
                "json.dumps([s.is_valid(pool.clock()), s.get_access_token().get_jwt_token()])');"
                " return true; }"
            )
        results = [json.loads(page.evaluate(f"({GUARD})(window.__session)")) for page in pages]
    finally:
        emulator.emulator.advance_clock(-SKIP)

    expected = "GetTokensFromRefreshToken" if tab_pool["rotation"] else "InitiateAuth"
    assert refreshes == [expected]
    assert all(valid for valid, _token in results)
    assert len({token for _valid, token in results}) == 1  # every tab adopted the same tokens
    for page in pages:
        events = _py(page, "json.dumps(EVENTS)")
        assert ["signed_out", "other_tab"] not in events
        assert not any(name in ("session_expired", "token_refresh_failed") for name, _ in events)
    refreshed_here = [
        page for page in pages if ["token_refreshed", "this_tab"] in _py(page, "json.dumps(EVENTS)")
    ]
    assert len(refreshed_here) == 1
    # The other tabs heard of the refresh through localStorage.
    for page in pages:
        if page is not refreshed_here[0]:
            page.wait_for_function(
                "() => window.sdkRuntime.pyodide.runPython("
                '\'any(e == ["token_refreshed", "other_tab"] for e in EVENTS)\')'
            )

    # Signing out in one tab signs the others out.
    _py(pages[2], "pool.get_current_user().sign_out(revoke=False)\njson.dumps(True)")
    for i, page in enumerate(pages):
        if i == 2:
            continue
        page.wait_for_function(
            '() => window.sdkRuntime.pyodide.runPython(\'["signed_out", "other_tab"] in EVENTS\')',
            timeout=5_000,
        )
        gone = _py(
            page,
            "from amazon_cognito_identity import NotAuthenticatedError\n"
            "try:\n"
            "    await user.get_session()\n"
            "    _r = False\n"
            "except NotAuthenticatedError:\n"
            "    _r = True\n"
            "json.dumps([_r, pool.get_current_user() is None])",
        )
        assert gone == [True, True]
    for page in pages:
        page.close()
