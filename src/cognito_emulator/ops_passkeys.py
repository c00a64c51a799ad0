"""Passkeys (WebAuthn): StartWebAuthnRegistration, CompleteWebAuthnRegistration,
ListWebAuthnCredentials, DeleteWebAuthnCredential, and the WEB_AUTHN sign-in challenge.

Attestation and assertion are verified by the ``webauthn`` library (py_webauthn): relying-party
id hash, origin, challenge, signature, user presence and (as the pool's
``WebAuthnConfiguration.UserVerification`` says) user verification, sign-count regression. The
emulator adds what belongs to Cognito: the origin must be the relying party's domain or one of
its subdomains (HTTPS, or ``http://localhost``), challenges are single-use and expire with the
sign-in session (3 minutes), a credential belongs to one user of one pool.

Sign-in: :func:`start_web_authn` asks the ``WEB_AUTHN`` challenge (``CREDENTIAL_REQUEST_OPTIONS``),
the first-factor table of ``USER_AUTH`` starts it; RespondToAuthChallenge ``WEB_AUTHN`` with
``CREDENTIAL`` (an AuthenticationResponseJSON) is answered here.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from . import randomness
from .access import caller
from .errors import ServiceError, invalid_parameter, not_authorized, resource_not_found
from .model import updating_user
from .passwordless import FactorStart, first_factor
from .registry import Params, RequestContext, idp
from .signin import Turn, challenge, finish, mfa_step, new_challenge, user_after_auth_checks
from .validation import need, opt_int, opt_str, req_str

Item = dict[str, Any]
MAX_CREDENTIALS = 20
TIMEOUT_MS = 180_000
_RP_ID = re.compile(
    r"^(?=.{1,127}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$"
)


def _error(name: str, message: str) -> ServiceError:
    return ServiceError(name, message)


def webauthn_configuration(params: Item) -> Item:
    """A checked ``WebAuthnConfiguration`` of SetUserPoolMfaConfig."""
    rp_id = opt_str(params, "RelyingPartyId")
    uv = opt_str(params, "UserVerification") or "preferred"
    if uv not in ("required", "preferred"):
        raise invalid_parameter(
            f"1 validation error detected: Value '{uv}' at "
            "'webAuthnConfiguration.userVerification' failed to satisfy constraint: "
            "Member must satisfy enum value set: [required, preferred]"
        )
    out: Item = {"UserVerification": uv}
    if rp_id is not None:
        if not _RP_ID.match(rp_id):
            raise invalid_parameter(
                f"Invalid RelyingPartyId: {rp_id} (a domain, no scheme or port)"
            )
        out["RelyingPartyId"] = rp_id
    return out


def _config(pool: Item) -> tuple[str, str]:
    """(relying party id, user verification) of the pool; passkeys must be enabled."""
    policy = (pool.get("Policies") or {}).get("SignInPolicy") or {}
    if "WEB_AUTHN" not in (policy.get("AllowedFirstAuthFactors") or []):
        raise _error("WebAuthnNotEnabledException", "Passkeys are not enabled for this user pool.")
    config = pool.get("WebAuthnConfiguration") or {}
    rp_id = config.get("RelyingPartyId")
    if not rp_id:
        raise _error(
            "WebAuthnConfigurationMissingException",
            "The user pool has no WebAuthnConfiguration.RelyingPartyId (SetUserPoolMfaConfig).",
        )
    return str(rp_id), str(config.get("UserVerification") or "preferred")


def origin_allowed(origin: str, rp_id: str) -> bool:
    """Whether a page origin may use credentials of ``rp_id``: the relying party's domain or a
    subdomain, over HTTPS (or plain HTTP on localhost, a secure context for browsers)."""
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return False
    if host != rp_id and not host.endswith("." + rp_id):
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host == "localhost")


def _client_origin(credential: Item, rp_id: str) -> str:
    """The origin the browser wrote into clientDataJSON, when the relying party allows it."""
    try:
        raw = base64url_to_bytes(str(credential["response"]["clientDataJSON"]))
        origin = json.loads(raw)["origin"]
    except (KeyError, TypeError, ValueError):
        raise invalid_parameter(
            "Credential is not a valid WebAuthn response (clientDataJSON)"
        ) from None
    if not isinstance(origin, str) or not origin_allowed(origin, rp_id):
        raise _error(
            "WebAuthnOriginNotAllowedException",
            f"The origin {origin!r} does not match the relying party {rp_id}.",
        )
    return origin


def _credential_param(value: Any) -> Item:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid_parameter("Credential is not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise invalid_parameter("Credential must be a PublicKeyCredential JSON object")
    return value


def _user_credentials(ctx: RequestContext, pool: Item, user: Item) -> list[Item]:
    store = ctx.emulator.store
    out = []
    for key, _ref in store.scan("user_passkey", f"{pool['Id']}/{user['username']}/"):
        item = store.get("passkey", key.rsplit("/", 1)[-1])
        if item is not None and item["sub"] == user["attributes"]["sub"]:
            out.append(item)
    return sorted(out, key=lambda c: c["created"])


def has_passkeys(ctx: RequestContext, pool: Item, user: Item) -> bool:
    """Whether the user registered a passkey in this pool."""
    return bool(_user_credentials(ctx, pool, user))


def _descriptors(creds: list[Item]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(c["CredentialId"])) for c in creds]


# ---------------------------------------------------------------- registration


@idp("StartWebAuthnRegistration")
def start_web_authn_registration(ctx: RequestContext, params: Params) -> Params:
    """StartWebAuthnRegistration: creation options with a fresh single-use challenge."""
    pool, user, claims = caller(ctx, params)
    rp_id, uv = _config(pool)
    creds = _user_credentials(ctx, pool, user)
    if len(creds) >= MAX_CREDENTIALS:
        raise _error("LimitExceededException", "The user has the maximum number of passkeys.")
    challenge_bytes = randomness.token_bytes(32)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=str(pool.get("Name") or rp_id),
        user_name=user["username"],
        user_id=user["attributes"]["sub"].encode(),
        user_display_name=user["attributes"].get("email") or user["username"],
        challenge=challenge_bytes,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement(uv),
        ),
        exclude_credentials=_descriptors(creds),
    )
    ctx.emulator.store.put(
        "passkey_registration",
        f"{pool['Id']}/{user['username']}",
        {
            "challenge": bytes_to_base64url(challenge_bytes),
            "client_id": claims.get("client_id"),
            "expires": ctx.emulator.now() + TIMEOUT_MS / 1000,
        },
    )
    return {"CredentialCreationOptions": json.loads(options_to_json(options))}


def _verify_registration(credential: Item, pending: Item, rp_id: str, uv: str, origin: str) -> Any:
    try:
        return verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(pending["challenge"]),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=uv == "required",
        )
    except InvalidRegistrationResponse as err:
        text = str(err)
        if "RP ID" in text:
            raise _error("WebAuthnRelyingPartyMismatchException", text) from None
        if "challenge" in text:
            raise _error("WebAuthnChallengeNotFoundException", text) from None
        raise _error("WebAuthnCredentialNotSupportedException", text) from None
    except (KeyError, TypeError, ValueError) as err:
        raise invalid_parameter(f"Credential is not a valid registration response: {err}") from None


@idp("CompleteWebAuthnRegistration")
def complete_web_authn_registration(ctx: RequestContext, params: Params) -> Params:
    """CompleteWebAuthnRegistration: verify the attestation and store the passkey."""
    emu = ctx.emulator
    pool, user, claims = caller(ctx, params)
    rp_id, uv = _config(pool)
    if params.get("Credential") is None:
        raise invalid_parameter("Missing required parameter Credential")
    credential = _credential_param(params["Credential"])
    pending = emu.store.take("passkey_registration", f"{pool['Id']}/{user['username']}")
    if pending is None or pending["expires"] <= emu.now():
        raise _error(
            "WebAuthnChallengeNotFoundException",
            "The passkey registration expired or was not started.",
        )
    if pending.get("client_id") != claims.get("client_id"):
        raise _error(
            "WebAuthnClientMismatchException", "The registration was started by another app client."
        )
    origin = _client_origin(credential, rp_id)
    verified = _verify_registration(credential, pending, rp_id, uv, origin)
    cred_id = bytes_to_base64url(verified.credential_id)
    transports = (credential.get("response") or {}).get("transports") or []
    item = {
        "CredentialId": cred_id,
        "pool_id": pool["Id"],
        "username": user["username"],
        "sub": user["attributes"]["sub"],
        "public_key": bytes_to_base64url(verified.credential_public_key),
        "sign_count": verified.sign_count,
        "RelyingPartyId": rp_id,
        "FriendlyCredentialName": "Passkey",
        "AuthenticatorAttachment": credential.get("authenticatorAttachment"),
        "AuthenticatorTransports": [str(t) for t in transports if isinstance(t, str)],
        "created": emu.now(),
    }
    with emu.store.transaction():
        if not emu.store.insert("passkey", cred_id, item):
            raise _error(
                "WebAuthnCredentialNotSupportedException", "This passkey is already registered."
            )
        emu.store.put("user_passkey", f"{pool['Id']}/{user['username']}/{cred_id}", {})
        _count_passkeys(ctx, pool, user["username"])
    return {}


def _count_passkeys(ctx: RequestContext, pool: Item, username: str) -> None:
    """Keep ``passkey_count`` on the user record (the first-factor table's ``available``
    sees the user, not the store)."""
    with updating_user(ctx.emulator, pool, username) as fresh:
        fresh["passkey_count"] = len(_user_credentials(ctx, pool, fresh))


def user_has_passkeys(pool: Item, user: Item) -> bool:
    """Whether WEB_AUTHN can be offered to this user (for USER_AUTH's AvailableChallenges)."""
    return int(user.get("passkey_count") or 0) > 0


@idp("ListWebAuthnCredentials")
def list_web_authn_credentials(ctx: RequestContext, params: Params) -> Params:
    """ListWebAuthnCredentials (MaxResults 1-20, NextToken)."""
    pool, user, _claims = caller(ctx, params)
    limit = opt_int(params, "MaxResults") or MAX_CREDENTIALS
    if not 1 <= limit <= MAX_CREDENTIALS:
        raise invalid_parameter("MaxResults must be between 1 and 20")
    creds = _user_credentials(ctx, pool, user)
    start = 0
    token = opt_str(params, "NextToken")
    if token is not None:
        ids = [c["CredentialId"] for c in creds]
        if token not in ids:
            raise invalid_parameter("Invalid NextToken")
        start = ids.index(token)
    page = creds[start : start + limit]
    out: Params = {
        "Credentials": [
            {
                "CredentialId": c["CredentialId"],
                "FriendlyCredentialName": c["FriendlyCredentialName"],
                "RelyingPartyId": c["RelyingPartyId"],
                **(
                    {"AuthenticatorAttachment": c["AuthenticatorAttachment"]}
                    if c.get("AuthenticatorAttachment")
                    else {}
                ),
                "AuthenticatorTransports": c["AuthenticatorTransports"],
                "CreatedAt": c["created"],
            }
            for c in page
        ]
    }
    if start + limit < len(creds):
        out["NextToken"] = creds[start + limit]["CredentialId"]
    return out


@idp("DeleteWebAuthnCredential")
def delete_web_authn_credential(ctx: RequestContext, params: Params) -> Params:
    """DeleteWebAuthnCredential: one of the caller's own passkeys."""
    pool, user, _claims = caller(ctx, params)
    cred_id = req_str(params, "CredentialId")
    store = ctx.emulator.store
    with store.transaction():
        item = store.get("passkey", cred_id)
        if (
            item is None
            or item["pool_id"] != pool["Id"]
            or item["sub"] != user["attributes"]["sub"]
        ):
            raise resource_not_found("Credential not found.")
        store.delete("passkey", cred_id)
        store.delete("user_passkey", f"{pool['Id']}/{item['username']}/{cred_id}")
        _count_passkeys(ctx, pool, user["username"])
    return {}


# ---------------------------------------------------------------- sign-in


def start_web_authn(
    ctx: RequestContext, pool: Item, client: Item, user: Item, state: Item
) -> Params:
    """The WEB_AUTHN challenge: request options over the user's passkeys, a fresh challenge
    bound to the (single-use, expiring) sign-in session."""
    rp_id, uv = _config(pool)
    user_after_auth_checks(ctx.emulator, user)
    creds = _user_credentials(ctx, pool, user)
    if not creds:
        raise not_authorized("The user has no passkey.")
    challenge_bytes = randomness.token_bytes(32)
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge_bytes,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(creds),
        user_verification=UserVerificationRequirement(uv),
    )
    state["webauthn_challenge"] = bytes_to_base64url(challenge_bytes)
    return new_challenge(
        ctx.emulator,
        "WEB_AUTHN",
        state,
        {"CREDENTIAL_REQUEST_OPTIONS": options_to_json(options), "USERNAME": user["username"]},
    )


@first_factor(
    "WEB_AUTHN", policy="WEB_AUTHN", available=lambda pool, user: user_has_passkeys(pool, user)
)
def start_web_authn_factor(start: FactorStart) -> Params:
    """USER_AUTH's WEB_AUTHN first factor (preferred, or chosen in SELECT_CHALLENGE)."""
    return start_web_authn(start.ctx, start.pool, start.client, start.user, start.state)


@challenge("WEB_AUTHN")
def answer_web_authn(turn: Turn) -> Params:
    """RespondToAuthChallenge WEB_AUTHN: CREDENTIAL is an assertion by one of the user's
    passkeys over this session's challenge."""
    emu = turn.ctx.emulator
    pool, user, state = turn.pool, turn.user, turn.state
    rp_id, uv = _config(pool)
    expected = state.get("webauthn_challenge")
    if not expected:
        raise not_authorized("Invalid session for the user.")
    credential = _credential_param(need(turn.responses, "CREDENTIAL"))
    stored = emu.store.get("passkey", str(credential["id"]))
    if (
        stored is None
        or stored["pool_id"] != pool["Id"]
        or stored["sub"] != user["attributes"]["sub"]
    ):
        raise not_authorized("The passkey is not registered for this user.")
    origin = _client_origin(credential, rp_id)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(expected),
            expected_rp_id=stored["RelyingPartyId"],
            expected_origin=origin,
            credential_public_key=base64url_to_bytes(stored["public_key"]),
            credential_current_sign_count=int(stored["sign_count"]),
            require_user_verification=uv == "required",
        )
    except InvalidAuthenticationResponse as err:
        raise not_authorized(f"Passkey verification failed: {err}") from None
    except (KeyError, TypeError, ValueError) as err:
        raise invalid_parameter(
            f"CREDENTIAL is not a valid authentication response: {err}"
        ) from None
    with emu.store.transaction():
        fresh = emu.store.get("passkey", stored["CredentialId"])
        if fresh is None or int(fresh["sign_count"]) != int(stored["sign_count"]):
            raise not_authorized("Passkey verification failed: the credential was used meanwhile.")
        fresh["sign_count"] = verified.new_sign_count
        emu.store.put("passkey", stored["CredentialId"], fresh)
    user_after_auth_checks(emu, user)
    if verified.user_verified:
        return finish(turn.ctx, pool, turn.client, user, state)  # a verified passkey is two factors
    return mfa_step(turn.ctx, pool, turn.client, user, state)
