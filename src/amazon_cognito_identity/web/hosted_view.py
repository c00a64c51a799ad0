"""Signing in on the pool's hosted page from the drop-in :class:`~.authenticator.Authenticator`.

With ``Authenticator(..., hosted_ui=OAuthConfig(domain, redirect_sign_in))`` the sign-in view
offers "Continue with the hosted page": :meth:`HostedUI.sign_in_with_redirect
<amazon_cognito_identity.HostedUI.sign_in_with_redirect>` (PKCE S256 and a ``state``, kept in
the tab's sessionStorage) and the browser leaves for ``/oauth2/authorize``. When the page loads
again with ``?code=&state=`` (or ``?error=``), the component finishes the sign-in
(:meth:`~amazon_cognito_identity.HostedUI.handle_redirect_callback`: the session is stored under
the usual keys), removes those parameters from the address bar and shows the signed-in view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import CognitoError, InvalidParameterError
from ..hosted_ui import HostedUI
from ..oauth import DEFAULT_SCOPES, OAuthConfig, parse_redirect
from ..user_pool import CognitoUserPool
from .browser_calls import leave_for, page_hosted_ui, page_location, replace_location
from .card import notify
from .component import Event, Node, h
from .passkey_view import SignInHost

__all__ = ["REDIRECT_PARAMS", "HostedSignIn", "hosted_ui_for", "oauth_config", "without_redirect"]

#: The query parameters the hosted page adds to the callback URL.
REDIRECT_PARAMS = frozenset({"code", "state", "error", "error_description"})


def oauth_config(data: Mapping[str, Any] | None) -> OAuthConfig | None:
    """An :class:`~amazon_cognito_identity.OAuthConfig` from a page config's ``oauth`` entry
    (``{"domain", "redirectSignIn", "redirectSignOut", "scopes"}``, Amplify's names); None
    without one."""
    if not data:
        return None
    if not data.get("domain") or not data.get("redirectSignIn"):
        raise InvalidParameterError("oauth needs a domain and a redirectSignIn URL")
    return OAuthConfig(
        domain=str(data["domain"]),
        redirect_sign_in=str(data["redirectSignIn"]),
        redirect_sign_out=str(data["redirectSignOut"]) if data.get("redirectSignOut") else None,
        scopes=tuple(str(s) for s in data.get("scopes") or DEFAULT_SCOPES),
    )


def hosted_ui_for(
    pool: CognitoUserPool, hosted_ui: OAuthConfig | HostedUI | None
) -> HostedUI | None:
    """The component's :class:`~amazon_cognito_identity.HostedUI` (given, or made for the page)."""
    if hosted_ui is None or isinstance(hosted_ui, HostedUI):
        return hosted_ui
    return page_hosted_ui(pool, hosted_ui)


def without_redirect(url: str) -> str:
    """``url`` without the hosted page's parameters (other query parameters stay)."""
    parts = urlsplit(url)
    kept = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in REDIRECT_PARAMS
    ]
    return urlunsplit(parts._replace(query=urlencode(kept)))


class HostedSignIn:
    """Authenticator mixin: the hosted-page button and the return from the hosted page."""

    def _hosted_button(self: SignInHost) -> Node | None:
        """ "Continue with the hosted page", when a hosted UI is configured."""
        if self.hosted is None:
            return None
        return h(
            "div",
            {"class": "cog-login-alt"},
            h(
                "button",
                {"type": "button", "class": "cog-login-hosted"},
                self.t("hosted.continue"),
                on={"click": "hosted_sign_in"},
            ),
        )

    async def _finish_redirect(self: SignInHost) -> bool:
        """On start-up: when the page is the hosted page's callback, finish that sign-in
        (or show why it failed); True when it was one."""
        host, hosted = self, self.hosted
        if hosted is None:
            return False
        url = await page_location()
        result = parse_redirect(url)
        if not result.state or not (result.code or result.error):
            return False
        await replace_location(without_redirect(url))  # a reload must not replay the code
        try:
            user = await hosted.handle_redirect_callback(url)
        except CognitoError as err:
            host.show("sign_in", ("error", host._describe(err)), focus=False)
            await notify(host.on_error, err)
            return True
        host.user = user
        session = user.sign_in_user_session
        assert session is not None
        await host._signed_in(session)
        return True

    async def do_hosted_sign_in(self: SignInHost, event: Event) -> None:
        """ "Continue with the hosted page": PKCE + state kept, then the browser goes."""
        host, hosted = self, self.hosted
        assert hosted is not None

        async def step() -> None:
            url = hosted.sign_in_with_redirect()
            host.message = ("info", host.t("hosted.leaving"))
            host.refresh()
            await leave_for(url)

        await host._act(step)
