"""Playwright helpers: signed-in browser contexts and pages pointed at the emulator.

Sessions are written where amazon-cognito-identity-js and this SDK both read them: the keys
``CognitoIdentityServiceProvider.<clientId>.LastAuthUser`` and
``CognitoIdentityServiceProvider.<clientId>.<username>.idToken`` / ``.accessToken`` /
``.refreshToken`` / ``.clockDrift``, in ``localStorage`` (default) or in cookies::

    context = signed_in_context(new_context, alice, origin="http://127.0.0.1:8000")
    page = context.new_page()
    page.goto("http://127.0.0.1:8000/account.html")   # the page finds alice's session

:func:`route_to_emulator` sends a page's calls to the real Cognito endpoint
(``https://cognito-idp.<region>.amazonaws.com/``) to the emulator instead, unchanged: pages
configured for a real pool id run against the emulator without a code change.
Nothing here imports Playwright: the functions take its objects (sync API).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from .testkit import PoolUser, Tokens

KEY_PREFIX = "CognitoIdentityServiceProvider"
COGNITO_URL = re.compile(r"^https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/?$")
_COOKIE_SAFE = "-_.!~*'()" + "#$&+/:<=>?@[]^`{|}"


def session_items(client_id: str, tokens: Tokens, clock_drift: int = 0) -> dict[str, str]:
    """The storage entries of a signed-in session (JS SDK names and formats). The user part
    of the keys is the access token's ``username`` claim, as both SDKs store it."""
    username = str(tokens.access_claims["username"])
    user = f"{KEY_PREFIX}.{client_id}.{username}"
    return {
        f"{KEY_PREFIX}.{client_id}.LastAuthUser": username,
        f"{user}.idToken": tokens.id_token,
        f"{user}.accessToken": tokens.access_token,
        f"{user}.refreshToken": tokens.refresh_token,
        f"{user}.clockDrift": str(clock_drift),
    }


def storage_state(
    origin: str,
    client_id: str,
    tokens: Tokens,
    *,
    storage: str = "local",
    cookie_path: str = "/",
) -> dict[str, Any]:
    """A Playwright ``storage_state`` holding the session for pages of ``origin``
    (``storage="local"`` for localStorage, ``"cookie"`` for cookies of origin's host, as
    ``CookieStorage(domain=host)`` writes them)."""
    items = session_items(client_id, tokens)
    parts = urlsplit(origin)
    if not parts.scheme or not parts.hostname:
        raise ValueError(f"origin must look like http://127.0.0.1:8000, not {origin!r}")
    origin = f"{parts.scheme}://{parts.netloc}"
    if storage == "local":
        entries = [{"name": k, "value": v} for k, v in items.items()]
        return {"cookies": [], "origins": [{"origin": origin, "localStorage": entries}]}
    if storage != "cookie":
        raise ValueError(f"storage must be 'local' or 'cookie', not {storage!r}")
    cookies = [
        {
            "name": quote(k, safe="-_.!~*'#$&+^`|"),
            "value": quote(v, safe=_COOKIE_SAFE),
            "domain": parts.hostname,
            "path": cookie_path,
            "expires": -1,
            "httpOnly": False,
            "secure": parts.scheme == "https",
            "sameSite": "Lax",
        }
        for k, v in items.items()
    ]
    return {"cookies": cookies, "origins": []}


def signed_in_context(
    new_context: Callable[..., Any],
    user: PoolUser,
    *,
    origin: str,
    storage: str = "local",
    route: bool = True,
    **context_args: Any,
) -> Any:
    """A new browser context in which ``user`` is signed in for pages of ``origin``.

    ``new_context`` is pytest-playwright's fixture of that name or ``browser.new_context``;
    the user signs in against the emulator now (fresh tokens); ``route=True`` also applies
    :func:`route_to_emulator`. Other keyword arguments go to ``new_context``.
    """
    tokens = user.sign_in()
    state = storage_state(origin, user.user_pool.client_id, tokens, storage=storage)
    context = new_context(storage_state=state, **context_args)
    if route:
        route_to_emulator(context, user.user_pool.endpoint)
    return context


def route_to_emulator(target: Any, endpoint: str) -> None:
    """Answer a page's (or a context's) requests to ``https://cognito-idp.<region>
    .amazonaws.com/`` from the emulator at ``endpoint``: same method, headers and body,
    the emulator's real answer (CORS preflights included). Stubs nothing."""

    def handle(route: Any) -> None:
        request = route.request
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        response = route.fetch(url=endpoint, headers=headers)
        route.fulfill(response=response)

    target.route(COGNITO_URL, handle)


__all__ = [
    "COGNITO_URL",
    "route_to_emulator",
    "session_items",
    "signed_in_context",
    "storage_state",
]
