"""Passkeys (WebAuthn): register, list and delete a user's passkeys, and sign in with one.

The ceremony itself runs in an :class:`Authenticator`: in the browser,
:class:`BrowserAuthenticator` calls ``navigator.credentials.create/get`` through Pyodide
(binary members converted once, in :mod:`.webauthn_json`); on CPython there is no WebAuthn, so
:func:`default_authenticator` raises :class:`PasskeyUnavailableError` unless an authenticator
is given (tests pass a software one).

    await associate_web_authn_credential(user)          # signed-in user: a new passkey
    creds = await list_web_authn_credentials(user)
    await delete_web_authn_credential(user, creds[0].credential_id)
    session = await sign_in_with_passkey(CognitoUser("alice", pool))
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .challenges import Challenge, ChallengeUnit, CodeDelivery, Field, Reply, unit
from .errors import (
    InvalidParameterError,
    InvalidResponseError,
    PasskeyCancelledError,
    PasskeyError,
    PasskeyUnavailableError,
)
from .runtime import IS_PYODIDE, get_js, get_pyodide
from .tokens import CognitoUserSession
from .webauthn_json import (
    assertion_to_json,
    creation_options_from_json,
    registration_to_json,
    request_options_from_json,
)

if TYPE_CHECKING:
    from .user import CognitoUser

__all__ = [
    "Authenticator",
    "BrowserAuthenticator",
    "WebAuthnCredential",
    "answer_passkey_challenge",
    "associate_web_authn_credential",
    "default_authenticator",
    "delete_web_authn_credential",
    "list_web_authn_credentials",
    "passkey_error",
    "sign_in_with_passkey",
]

WEB_AUTHN = "WEB_AUTHN"


class Authenticator(Protocol):
    """Runs WebAuthn ceremonies on WebAuthn JSON: ``create`` takes
    PublicKeyCredentialCreationOptions JSON and returns RegistrationResponseJSON; ``get`` takes
    PublicKeyCredentialRequestOptions JSON and returns AuthenticationResponseJSON."""

    async def create(self, options: dict[str, Any]) -> dict[str, Any]:
        """Make a new credential."""
        ...

    async def get(self, options: dict[str, Any]) -> dict[str, Any]:
        """Sign the challenge with an existing credential."""
        ...


# DOMException names of navigator.credentials -> the error a caller can act on.
_CANCELLED = ("NotAllowedError", "AbortError")
_UNAVAILABLE = ("SecurityError", "NotSupportedError")


def passkey_error(name: str, message: str) -> PasskeyError:
    """The typed error of a ceremony the browser refused with the DOMException ``name``:
    :class:`PasskeyCancelledError` (dismissed, timed out), :class:`PasskeyUnavailableError`
    (no WebAuthn here) or :class:`PasskeyError`."""
    if name in _CANCELLED:
        return PasskeyCancelledError(message, name=name)
    if name in _UNAVAILABLE:
        return PasskeyUnavailableError(message, name=name)
    return PasskeyError(message, name=name or None)


def _passkey_error(err: Exception) -> PasskeyError:
    text = str(err)
    return passkey_error(str(getattr(err, "name", "") or text.split(":", 1)[0]).strip(), text)


class BrowserAuthenticator:
    """``navigator.credentials`` through Pyodide (main thread of a secure context)."""

    def __init__(self, js: Any | None = None, to_js: Any | None = None) -> None:
        self._js: Any = js if js is not None else get_js()
        pyodide = get_pyodide()
        self._to_js: Any = (
            to_js if to_js is not None else getattr(getattr(pyodide, "ffi", None), "to_js", None)
        )
        if self._js is None or self._to_js is None:
            raise PasskeyUnavailableError("WebAuthn needs a browser (Pyodide)")
        if not getattr(self._js, "isSecureContext", False):
            raise PasskeyUnavailableError(
                "WebAuthn needs a secure context: HTTPS, or http://localhost"
            )
        credentials = getattr(getattr(self._js, "navigator", None), "credentials", None)
        if getattr(self._js, "PublicKeyCredential", None) is None or credentials is None:
            raise PasskeyUnavailableError("this browser context has no WebAuthn")
        self._credentials = credentials

    def _js_options(self, options: dict[str, Any]) -> Any:
        return self._to_js({"publicKey": options}, dict_converter=self._js.Object.fromEntries)

    async def _call(self, method: str, options: dict[str, Any]) -> Any:
        try:
            credential = await getattr(self._credentials, method)(self._js_options(options))
        except Exception as err:  # a JsException carrying the DOMException
            raise _passkey_error(err) from err
        if credential is None:
            raise PasskeyCancelledError("no credential was chosen", name="NotAllowedError")
        return credential

    async def create(self, options: dict[str, Any]) -> dict[str, Any]:
        """``navigator.credentials.create`` -> RegistrationResponseJSON."""
        cred = await self._call("create", creation_options_from_json(options))
        response = cred.response
        transports = list(response.getTransports()) if hasattr(response, "getTransports") else []
        return registration_to_json(
            cred.rawId.to_bytes(),
            response.clientDataJSON.to_bytes(),
            response.attestationObject.to_bytes(),
            transports=[str(t) for t in transports],
            authenticator_attachment=_opt_str(getattr(cred, "authenticatorAttachment", None)),
        )

    async def get(self, options: dict[str, Any]) -> dict[str, Any]:
        """``navigator.credentials.get`` -> AuthenticationResponseJSON."""
        cred = await self._call("get", request_options_from_json(options))
        response = cred.response
        handle: Any = getattr(response, "userHandle", None)
        parts = {
            "clientDataJSON": response.clientDataJSON.to_bytes(),
            "authenticatorData": response.authenticatorData.to_bytes(),
            "signature": response.signature.to_bytes(),
            "userHandle": handle.to_bytes() if hasattr(handle, "to_bytes") else None,
        }
        return assertion_to_json(
            cred.rawId.to_bytes(),
            parts,
            authenticator_attachment=_opt_str(getattr(cred, "authenticatorAttachment", None)),
        )


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def default_authenticator() -> Authenticator:
    """The browser's authenticator; :class:`PasskeyUnavailableError` where there is none."""
    if not IS_PYODIDE:
        raise PasskeyUnavailableError(
            "WebAuthn needs a browser: on CPython pass an authenticator explicitly"
        )
    return BrowserAuthenticator()


@dataclass(frozen=True)
class WebAuthnCredential:
    """One registered passkey, as ListWebAuthnCredentials describes it."""

    credential_id: str
    friendly_name: str | None
    relying_party_id: str
    authenticator_attachment: str | None
    transports: tuple[str, ...]
    created_at: float

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> WebAuthnCredential:
        """Read one ``Credentials`` entry."""
        try:
            return cls(
                credential_id=str(item["CredentialId"]),
                friendly_name=_opt_str(item.get("FriendlyCredentialName")),
                relying_party_id=str(item["RelyingPartyId"]),
                authenticator_attachment=_opt_str(item.get("AuthenticatorAttachment")),
                transports=tuple(str(t) for t in item.get("AuthenticatorTransports") or ()),
                created_at=float(item.get("CreatedAt") or 0),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise InvalidResponseError(f"bad WebAuthn credential entry: {err}") from err


async def associate_web_authn_credential(
    user: CognitoUser, authenticator: Authenticator | None = None
) -> None:
    """Register a new passkey for the signed-in ``user`` (Start/CompleteWebAuthnRegistration).

    Raises :class:`PasskeyCancelledError` when the person dismisses the prompt,
    :class:`PasskeyUnavailableError` where WebAuthn cannot run, and the service's
    ``WebAuthn*Exception`` when the pool refuses the credential."""
    auth = authenticator if authenticator is not None else default_authenticator()
    started = await user._authed("StartWebAuthnRegistration", {})
    options = started.get("CredentialCreationOptions")
    if not isinstance(options, dict):
        raise InvalidResponseError(
            "StartWebAuthnRegistration answered no CredentialCreationOptions"
        )
    credential = await auth.create(options)
    await user._authed("CompleteWebAuthnRegistration", {"Credential": credential})


async def list_web_authn_credentials(user: CognitoUser) -> list[WebAuthnCredential]:
    """Every passkey of the signed-in ``user`` (all pages)."""
    out: list[WebAuthnCredential] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"MaxResults": 20}
        if token:
            params["NextToken"] = token
        page = await user._authed("ListWebAuthnCredentials", params)
        items = page.get("Credentials") or []
        if not isinstance(items, list):
            raise InvalidResponseError("Credentials is not a list")
        out.extend(WebAuthnCredential.from_wire(item) for item in items)
        token = page.get("NextToken")
        if not token:
            return out


async def delete_web_authn_credential(user: CognitoUser, credential_id: str) -> None:
    """Delete one passkey of the signed-in ``user``."""
    if not credential_id:
        raise InvalidParameterError("credential_id is required")
    await user._authed("DeleteWebAuthnCredential", {"CredentialId": credential_id})


@unit
class WebAuthnUnit(ChallengeUnit):
    """WEB_AUTHN: an assertion of one of the user's passkeys over CREDENTIAL_REQUEST_OPTIONS.

    Nobody types it: :func:`answer_passkey_challenge` gets it from the authenticator (the
    browser's ``navigator.credentials.get``) and answers ``{"credential": <JSON>}``; a UI
    that sees a field of kind ``"passkey"`` offers a "Use your passkey" button for that.
    """

    name = WEB_AUTHN

    def describe(self, challenge: Challenge) -> tuple[tuple[Field, ...], CodeDelivery | None]:
        return (Field("credential", "passkey", "Passkey", autocomplete="webauthn"),), None

    def reply(self, challenge: Challenge, values: Mapping[str, str]) -> Reply:
        return Reply({"CREDENTIAL": values["credential"]})


async def sign_in_with_passkey(
    user: CognitoUser,
    authenticator: Authenticator | None = None,
    client_metadata: Mapping[str, str] | None = None,
) -> CognitoUserSession | Challenge:
    """Sign in with a passkey: InitiateAuth ``USER_AUTH`` preferring ``WEB_AUTHN``, the
    authenticator's assertion, then whatever the pool asks next (MFA after a passkey without
    user verification) or the session, stored like any other sign-in."""
    auth = authenticator if authenticator is not None else default_authenticator()
    engine = user._new_engine()
    step = engine.start(
        "USER_AUTH",
        auth_parameters={"PREFERRED_CHALLENGE": WEB_AUTHN},
        client_metadata=client_metadata,
    )
    result = await user._run(engine, step)
    if isinstance(result, Challenge) and result.name == WEB_AUTHN:
        return await answer_passkey_challenge(user, auth, client_metadata)
    return result


async def answer_passkey_challenge(
    user: CognitoUser,
    authenticator: Authenticator | None = None,
    client_metadata: Mapping[str, str] | None = None,
) -> CognitoUserSession | Challenge:
    """Answer the ``WEB_AUTHN`` challenge ``user`` is waiting on (after
    :func:`sign_in_with_passkey`, or WEB_AUTHN chosen in SELECT_CHALLENGE) with the
    authenticator's passkey."""
    challenge = user.challenge
    if challenge is None or challenge.name != WEB_AUTHN:
        raise InvalidParameterError("the user is not waiting for a WEB_AUTHN challenge")
    raw = challenge.parameters.get("CREDENTIAL_REQUEST_OPTIONS")
    if not isinstance(raw, str):
        raise InvalidResponseError("WEB_AUTHN challenge has no CREDENTIAL_REQUEST_OPTIONS")
    try:
        options = json.loads(raw)
    except ValueError as err:
        raise InvalidResponseError(f"CREDENTIAL_REQUEST_OPTIONS is not JSON: {err}") from err
    auth = authenticator if authenticator is not None else default_authenticator()
    credential = await auth.get(options)
    return await user.answer({"credential": json.dumps(credential)}, client_metadata)
