"""A scripted browser for the hosted UI: reads the server-rendered forms and posts them back,
following nothing by itself (each redirect is asserted by the tests)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from cognito_emulator.testing import EmulatorServer

CALLBACK = "http://localhost:8765/callback"
LOGOUT = "http://localhost:8765/signed-out"
_INPUT = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
_ACTION = re.compile(r'<form method="post" action="([^"]*)">')
_ALERT = re.compile(r'<p role="alert" id="error">([^<]*)</p>')


@dataclass
class Form:
    action: str
    hidden: dict[str, str]


def page_form(page: httpx.Response) -> Form:
    """The one form of a hosted page (its action and hidden fields, unescaped)."""
    action = _ACTION.search(page.text)
    assert action is not None, page.text
    hidden = {html.unescape(k): html.unescape(v) for k, v in _INPUT.findall(page.text)}
    return Form(html.unescape(action.group(1)), hidden)


def page_error(page: httpx.Response) -> str | None:
    """The alert a page shows, if any."""
    found = _ALERT.search(page.text)
    return html.unescape(found.group(1)) if found else None


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Browser:
    """Cookies kept per emulator host, redirects returned (not followed)."""

    def __init__(self) -> None:
        self.http = httpx.Client(follow_redirects=False, timeout=30)

    def get(self, url: str) -> httpx.Response:
        return self.http.get(url)

    def submit(self, page: httpx.Response, **fields: str) -> httpx.Response:
        form = page_form(page)
        return self.http.post(form.action, data={**form.hidden, **fields})

    def sign_in(self, authorize_url: str, username: str, password: str) -> httpx.Response:
        page = self.get(authorize_url)
        assert page.status_code == 200, page.text
        return self.submit(page, username=username, password=password)

    def close(self) -> None:
        self.http.close()


def oauth_client(emu: EmulatorServer, pool_id: str, **params: Any) -> str:
    """An app client enabled for the code flow with the standard scopes."""
    settings: dict[str, Any] = {
        "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
        "CallbackURLs": [CALLBACK],
        "LogoutURLs": [LOGOUT],
        "SupportedIdentityProviders": ["COGNITO"],
    }
    settings.update(params)
    return emu.create_client(pool_id, **settings)
