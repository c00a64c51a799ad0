"""Signing in through the hosted UI (OAuth 2.0 authorization code + PKCE S256).

    ui = HostedUI(pool, OAuthConfig(domain=..., redirect_sign_in=..., redirect_sign_out=...))
    ui.sign_in_with_redirect()                 # the browser leaves for the hosted page
    ...                                        # back on redirect_sign_in:
    user = await ui.handle_redirect_callback() # checks state, exchanges the code
    await ui.sign_out(user)                    # revokes, clears, goes through /logout

The PKCE verifier and the state wait in session storage (``sessionStorage`` in the browser):
they survive the round trip through the hosted page but not the tab. The session is stored
under the same keys as every other sign-in, so ``pool.get_current_user()`` finds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import RedirectSignInError
from .oauth import (
    OAuthConfig,
    authorize_url,
    code_challenge,
    logout_url,
    new_pkce_verifier,
    new_state,
    parse_redirect,
    parse_token_response,
    revoke_request,
    token_request,
)
from .runtime import IS_PYODIDE, get_js
from .storage import LocalStorage, MemoryStorage, Storage
from .tokens import CognitoAccessToken, CognitoIdToken, CognitoRefreshToken, CognitoUserSession
from .user import CognitoUser

if TYPE_CHECKING:
    from .user_pool import CognitoUserPool

__all__ = ["HostedUI", "default_session_storage"]


def default_session_storage() -> Storage:
    """``sessionStorage`` in the browser (per tab), a fresh memory store elsewhere."""
    js = get_js()
    if IS_PYODIDE and js is not None and getattr(js, "sessionStorage", None) is not None:
        return LocalStorage(backend=js.sessionStorage)
    return MemoryStorage()


def _browser_navigate(url: str) -> None:
    js = get_js()
    if js is not None:
        js.location.assign(url)


class HostedUI:
    """The hosted-UI flows of one pool and app client.

    Args:
        pool: the user pool (its client id, storage, transport and clock are used).
        config: the domain and redirect URLs.
        session_storage: where the verifier and state wait (default: sessionStorage).
        navigate: called with each URL the browser must go to (default: ``location.assign``
            in the browser; nothing on CPython, where the methods return the URL).
    """

    def __init__(
        self,
        pool: CognitoUserPool,
        config: OAuthConfig,
        *,
        session_storage: Storage | None = None,
        navigate: Callable[[str], Any] | None = None,
    ) -> None:
        self.pool = pool
        self.config = config
        self.session_storage = session_storage or default_session_storage()
        self.navigate = (
            navigate if navigate is not None else (_browser_navigate if IS_PYODIDE else None)
        )
        prefix = f"CognitoIdentityServiceProvider.{pool.get_client_id()}.oauth"
        self._state_key = f"{prefix}.state"
        self._verifier_key = f"{prefix}.pkce"

    def sign_in_with_redirect(self, provider: str | None = None) -> str:
        """Start a sign-in on the hosted page: keep a fresh verifier and state, send the
        browser to ``/oauth2/authorize`` and return that URL."""
        verifier, state = new_pkce_verifier(), new_state()
        self.session_storage.set_item(self._verifier_key, verifier)
        self.session_storage.set_item(self._state_key, state)
        url = authorize_url(
            self.config,
            self.pool.get_client_id(),
            state=state,
            challenge=code_challenge(verifier),
            provider=provider,
        )
        if self.navigate is not None:
            self.navigate(url)
        return url

    def _take_pending(self) -> tuple[str | None, str | None]:
        state = self.session_storage.get_item(self._state_key)
        verifier = self.session_storage.get_item(self._verifier_key)
        self.session_storage.remove_item(self._state_key)
        self.session_storage.remove_item(self._verifier_key)
        return state, verifier

    async def handle_redirect_callback(self, url: str | None = None) -> CognitoUser:
        """Finish the sign-in on the callback page (``url`` defaults to the page's address):
        check the state, exchange the code, store the session; emits ``signed_in``."""
        if url is None:
            js = get_js()
            url = str(js.location.href) if js is not None else ""
        result = parse_redirect(url)
        expected, verifier = self._take_pending()  # used once, whatever happens next
        if result.error:
            raise RedirectSignInError(result.error_description or result.error, name=result.error)
        if not expected or not verifier:
            raise RedirectSignInError("no hosted-UI sign-in is in progress in this tab")
        if result.state != expected:
            raise RedirectSignInError("the state of the redirect is not the one this tab sent")
        if not result.code:
            raise RedirectSignInError("the redirect carries no authorization code")
        client = self.pool.client
        request = token_request(
            self.config,
            self.pool.get_client_id(),
            code=result.code,
            verifier=verifier,
            client_secret=self.pool.client_secret,
        )
        tokens = parse_token_response(await client.transport.send(request))
        return await self._store(tokens)

    async def _store(self, tokens: dict[str, str]) -> CognitoUser:
        now = self.pool.clock()
        access = CognitoAccessToken(tokens["access_token"])
        if not tokens.get("id_token"):
            raise RedirectSignInError("no ID token: the sign-in needs the openid scope")
        session = CognitoUserSession(
            id_token=CognitoIdToken(tokens["id_token"]),
            access_token=access,
            refresh_token=CognitoRefreshToken(tokens.get("refresh_token") or ""),
            now=now,
        )
        username = str(access.decode_payload().get("username") or "")
        if not username:
            raise RedirectSignInError("the access token names no user")
        user = CognitoUser(username, self.pool)
        user.store.commit_sign_in(username, session, None)
        user.sign_in_user_session = session
        self.pool.events.emit("signed_in", username, source="hosted_ui")
        return user

    async def sign_out(self, user: CognitoUser | None = None) -> str:
        """Revoke the refresh token, forget the local session and end the hosted-UI session
        through ``/logout`` (the browser goes there); returns that URL."""
        user = user or self.pool.get_current_user()
        if user is not None:
            session = user._read_cached_session()
            refresh = session.get_refresh_token().get_token() if session else ""
            if refresh:
                request = revoke_request(
                    self.config, self.pool.get_client_id(), refresh, self.pool.client_secret
                )
                await self.pool.client.transport.send(request)  # best effort, as signOut
            user._clear_cached_user()
            user.sign_in_user_session = None
            self.pool.events.emit("signed_out", user.username, source="this_tab")
        url = logout_url(self.config, self.pool.get_client_id())
        if self.navigate is not None:
            self.navigate(url)
        return url
