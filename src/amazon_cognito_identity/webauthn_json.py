"""WebAuthn JSON <-> binary, in one place (pure: no I/O, no ``js``).

Cognito speaks the WebAuthn JSON forms (base64url strings: PublicKeyCredentialCreationOptions
JSON, AuthenticationResponseJSON, ...); ``navigator.credentials.create/get`` take and give
``ArrayBuffer`` s. This module knows which members are binary, both ways:

- :func:`creation_options_from_json` / :func:`request_options_from_json`: the options with
  their binary members as ``bytes`` (the browser layer turns ``bytes`` into ``ArrayBuffer``);
- :func:`registration_to_json` / :func:`assertion_to_json`: a credential read from the browser,
  its binary members given as ``bytes``, back to the JSON Cognito expects.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from .errors import InvalidParameterError, InvalidResponseError

__all__ = [
    "assertion_to_json",
    "b64url_decode",
    "b64url_encode",
    "creation_options_from_json",
    "registration_to_json",
    "request_options_from_json",
]


def b64url_encode(data: bytes) -> str:
    """base64url without padding (the WebAuthn JSON encoding)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Bytes of a base64url string (padding optional); InvalidResponseError when malformed."""
    if not isinstance(text, str) or any(c in text for c in "+/ \n"):
        raise InvalidResponseError(f"not base64url: {text!r}")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as err:
        raise InvalidResponseError(f"not base64url: {text!r}") from err


def _options(options: Mapping[str, Any] | str) -> dict[str, Any]:
    if isinstance(options, str):
        try:
            options = json.loads(options)
        except ValueError as err:
            raise InvalidResponseError(f"WebAuthn options are not JSON: {err}") from err
    if not isinstance(options, Mapping):
        raise InvalidResponseError("WebAuthn options are not a JSON object")
    # Some producers wrap them as {"publicKey": {...}}.
    inner = options.get("publicKey")
    return dict(inner if isinstance(inner, Mapping) else options)


def _descriptors(items: Any) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise InvalidResponseError("credential descriptors are not a list")
    out = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise InvalidResponseError("a credential descriptor has no id")
        out.append({**item, "id": b64url_decode(item["id"])})
    return out


def creation_options_from_json(options: Mapping[str, Any] | str) -> dict[str, Any]:
    """PublicKeyCredentialCreationOptions JSON -> the dict for ``credentials.create``
    (``challenge``, ``user.id``, ``excludeCredentials[].id`` as bytes)."""
    out = _options(options)
    user = out.get("user")
    if not isinstance(out.get("challenge"), str) or not isinstance(user, Mapping):
        raise InvalidResponseError("creation options need a challenge and a user")
    out["challenge"] = b64url_decode(out["challenge"])
    out["user"] = {**user, "id": b64url_decode(str(user.get("id", "")))}
    out["excludeCredentials"] = _descriptors(out.get("excludeCredentials"))
    return out


def request_options_from_json(options: Mapping[str, Any] | str) -> dict[str, Any]:
    """PublicKeyCredentialRequestOptions JSON -> the dict for ``credentials.get``
    (``challenge`` and ``allowCredentials[].id`` as bytes)."""
    out = _options(options)
    if not isinstance(out.get("challenge"), str):
        raise InvalidResponseError("request options need a challenge")
    out["challenge"] = b64url_decode(out["challenge"])
    out["allowCredentials"] = _descriptors(out.get("allowCredentials"))
    return out


def _need_bytes(response: Mapping[str, Any], name: str) -> bytes:
    value = response.get(name)
    if not isinstance(value, bytes | bytearray | memoryview):
        raise InvalidParameterError(f"credential response member {name} must be bytes")
    return bytes(value)


def _credential_json(
    raw_id: bytes, attachment: str | None, response: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": b64url_encode(raw_id),
        "rawId": b64url_encode(raw_id),
        "type": "public-key",
        "clientExtensionResults": {},
        "response": response,
    }
    if attachment:
        out["authenticatorAttachment"] = attachment
    return out


def registration_to_json(
    raw_id: bytes,
    client_data_json: bytes,
    attestation_object: bytes,
    *,
    transports: list[str] | None = None,
    authenticator_attachment: str | None = None,
) -> dict[str, Any]:
    """RegistrationResponseJSON of a credential ``credentials.create`` made."""
    response: dict[str, Any] = {
        "clientDataJSON": b64url_encode(client_data_json),
        "attestationObject": b64url_encode(attestation_object),
        "transports": list(transports or []),
    }
    return _credential_json(raw_id, authenticator_attachment, response)


def assertion_to_json(
    raw_id: bytes,
    response: Mapping[str, Any],
    *,
    authenticator_attachment: str | None = None,
) -> dict[str, Any]:
    """AuthenticationResponseJSON of an assertion ``credentials.get`` made; ``response`` has
    ``clientDataJSON``, ``authenticatorData``, ``signature`` and optionally ``userHandle`` as
    bytes."""
    out: dict[str, Any] = {
        name: b64url_encode(_need_bytes(response, name))
        for name in ("clientDataJSON", "authenticatorData", "signature")
    }
    handle = response.get("userHandle")
    if handle:
        out["userHandle"] = b64url_encode(_need_bytes(response, "userHandle"))
    return _credential_json(raw_id, authenticator_attachment, out)
