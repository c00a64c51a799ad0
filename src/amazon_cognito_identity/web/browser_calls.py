"""The page's browser calls (WebAuthn, navigation) from wherever the components run.

Inside the site kit Python runs in a Web Worker, which has no ``navigator.credentials``, no
``location.assign`` and no ``sessionStorage``: these go through the worker app's
:class:`~.bridge.MainThread` (one generic call into ``web/portal/rpc.js``). Under PyScript on the
main thread there is no worker app and the SDK's own browser parts are used. Every protocol
detail stays in Python: the WebAuthn options and credentials are converted by
:mod:`amazon_cognito_identity.webauthn_json`, here as in :class:`~..passkeys.BrowserAuthenticator`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from ..errors import ClientError, InvalidResponseError, PasskeyCancelledError
from ..hosted_ui import HostedUI, default_session_storage
from ..oauth import OAuthConfig
from ..passkeys import Authenticator, default_authenticator, passkey_error
from ..runtime import get_js
from ..storage import Storage
from ..user_pool import CognitoUserPool
from ..webauthn_json import (
    assertion_to_json,
    creation_options_from_json,
    registration_to_json,
    request_options_from_json,
)
from .bridge import MainThread

__all__ = [
    "MainThreadAuthenticator",
    "leave_for",
    "main_thread",
    "page_authenticator",
    "page_hosted_ui",
    "page_location",
    "replace_location",
]


def _app() -> Any:
    return importlib.import_module(f"{__package__}.worker").current_app()


def main_thread() -> MainThread | None:
    """The worker app's link to the page, or None on the page's own thread."""
    app = _app()
    return app.main if app is not None else None


def _bytes(data: Mapping[str, Any], name: str) -> bytes:
    value = data.get(name)
    if not isinstance(value, bytes):
        raise InvalidResponseError(f"the browser's credential has no {name}")
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class MainThreadAuthenticator:
    """A :class:`~..passkeys.Authenticator` that has the page's main thread call
    ``navigator.credentials.create/get`` (the options' binary members as bytes, the
    credential's back as bytes), for Python running in a worker."""

    def __init__(self, main: MainThread) -> None:
        self.main = main

    async def _ceremony(self, method: str, options: dict[str, Any]) -> dict[str, Any]:
        try:
            credential = await self.main.call("credentials", method=method, options=options)
        except ClientError as err:
            raise passkey_error(err.name, err.message) from err
        if credential is None:
            raise PasskeyCancelledError("no credential was chosen", name="NotAllowedError")
        if not isinstance(credential, dict) or not isinstance(credential.get("response"), dict):
            raise InvalidResponseError("the browser answered no credential")
        return credential

    async def create(self, options: dict[str, Any]) -> dict[str, Any]:
        """``navigator.credentials.create`` on the page -> RegistrationResponseJSON."""
        cred = await self._ceremony("create", creation_options_from_json(options))
        response = cred["response"]
        transports = response.get("transports")
        return registration_to_json(
            _bytes(cred, "rawId"),
            _bytes(response, "clientDataJSON"),
            _bytes(response, "attestationObject"),
            transports=[str(t) for t in transports] if isinstance(transports, list) else [],
            authenticator_attachment=_text(cred.get("authenticatorAttachment")),
        )

    async def get(self, options: dict[str, Any]) -> dict[str, Any]:
        """``navigator.credentials.get`` on the page -> AuthenticationResponseJSON."""
        cred = await self._ceremony("get", request_options_from_json(options))
        response = cred["response"]
        parts: dict[str, bytes | None] = {
            name: _bytes(response, name)
            for name in ("clientDataJSON", "authenticatorData", "signature")
        }
        handle = response.get("userHandle")
        parts["userHandle"] = handle if isinstance(handle, bytes) else None
        return assertion_to_json(
            _bytes(cred, "rawId"),
            parts,
            authenticator_attachment=_text(cred.get("authenticatorAttachment")),
        )


def page_authenticator() -> Authenticator:
    """The page's WebAuthn: through the main thread from a worker, else the SDK's default
    (``PasskeyUnavailableError`` where there is none)."""
    main = main_thread()
    return MainThreadAuthenticator(main) if main is not None else default_authenticator()


async def page_location() -> str:
    """The address of the page (not of the worker); "" where there is no page."""
    main = main_thread()
    if main is not None:
        return str(await main.call("location") or "")
    js = get_js()
    return str(js.location.href) if js is not None else ""


async def leave_for(url: str) -> None:
    """Send the browser to ``url`` (``location.assign`` on the page)."""
    main = main_thread()
    if main is not None:
        await main.call("assign", url=url)
        return
    js = get_js()
    if js is not None:
        js.location.assign(url)


async def replace_location(url: str) -> None:
    """Rewrite the address bar to ``url`` without loading it (``history.replaceState``)."""
    main = main_thread()
    if main is not None:
        await main.call("replace", url=url)
        return
    js = get_js()
    if js is not None:
        js.history.replaceState(js.history.state, "", url)


def _stay(url: str) -> None:
    """HostedUI's navigate: the caller goes there itself (:func:`leave_for`)."""


def page_hosted_ui(pool: CognitoUserPool, config: OAuthConfig) -> HostedUI:
    """A :class:`~..hosted_ui.HostedUI` whose verifier and state wait in the tab's
    sessionStorage (the worker's mirror of it) and that never navigates by itself."""
    app = _app()
    storage: Storage = app.session_storage if app is not None else default_session_storage()
    return HostedUI(pool, config, session_storage=storage, navigate=_stay)
