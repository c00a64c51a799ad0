"""Pools, app clients and users as stored items, with the checks shared by operations."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import codes, srp
from .errors import (
    ServiceError,
    invalid_parameter,
    not_authorized,
    resource_not_found,
    user_not_found,
)
from .schema import check_password_text, check_username
from .store import key_part, user_prefix
from .validation import req_str

if TYPE_CHECKING:
    from .registry import RequestContext
    from .state import Emulator

Item = dict[str, Any]
DEFAULT_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}
SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
DEFAULT_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_POOL_ID_RE = re.compile(r"^[\w-]+_[0-9a-zA-Z]+$")


def pool_name(pool_id: str) -> str:
    """The part of the pool id after '_' (the SRP 'pool name')."""
    return pool_id.split("_", 1)[1]


def get_pool(emu: Emulator, pool_id: str) -> Item:
    """The pool or ResourceNotFoundException."""
    if not _POOL_ID_RE.match(pool_id) or len(pool_id) > 55:
        raise invalid_parameter(
            f"1 validation error detected: Value '{pool_id}' at 'userPoolId' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
        )
    pool = emu.store.get("pool", pool_id)
    if pool is None:
        raise resource_not_found(f"User pool {pool_id} does not exist.")
    return pool


def get_client(emu: Emulator, client_id: str) -> tuple[Item, Item]:
    """(pool, client) for a client id, or ResourceNotFoundException."""
    client = emu.store.get("client", client_id)
    if client is None:
        raise resource_not_found("User pool client " + client_id + " does not exist.")
    return get_pool(emu, client["UserPoolId"]), client


def client_from_params(ctx: RequestContext, params: dict[str, Any]) -> tuple[Item, Item]:
    """(pool, client) for params['ClientId']."""
    return get_client(ctx.emulator, req_str(params, "ClientId"))


def token_seconds(client: Item) -> None:
    """Store the client's token lifetimes in seconds (used when issuing tokens)."""
    units = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
    units.update(client.get("TokenValidityUnits") or {})
    for name, unit in units.items():
        if not isinstance(unit, str) or unit not in _UNIT_SECONDS:
            raise invalid_parameter(f"Invalid TokenValidityUnits.{name}: {unit!r}")
    client["_access_seconds"] = (
        int(client.get("AccessTokenValidity") or 1) * _UNIT_SECONDS[units["AccessToken"]]
    )
    client["_id_seconds"] = (
        int(client.get("IdTokenValidity") or 1) * _UNIT_SECONDS[units["IdToken"]]
    )
    client["_refresh_seconds"] = (
        int(client.get("RefreshTokenValidity") or 30) * _UNIT_SECONDS[units["RefreshToken"]]
    )


def check_secret_hash(client: Item, username: str, secret_hash: str | None) -> None:
    """When the client has a secret, SECRET_HASH = b64(HMAC(secret, username + clientId))."""
    secret = client.get("ClientSecret")
    if not secret:
        return
    if not secret_hash:
        raise not_authorized(
            f"Client {client['ClientId']} is configured with secret but SECRET_HASH was not "
            "received"
        )
    digest = hmac.new(
        secret.encode(), (username + client["ClientId"]).encode(), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(base64.b64encode(digest), secret_hash.encode()):
        raise not_authorized(f"Unable to verify secret hash for client {client['ClientId']}")


def check_flow(client: Item, flow: str) -> None:
    """The client must allow the auth flow."""
    allowed = client.get("ExplicitAuthFlows") or DEFAULT_FLOWS
    legacy = {"ADMIN_USER_PASSWORD_AUTH": "ADMIN_NO_SRP_AUTH"}.get(flow, flow)
    if f"ALLOW_{flow}" not in allowed and flow not in allowed and legacy not in allowed:
        raise invalid_parameter(f"{flow} flow not enabled for this client")


def check_password_policy(pool: Item, password: str) -> None:
    """InvalidPasswordException when the password breaks the pool's policy (and
    InvalidParameterException over 256 characters or with control characters)."""
    check_password_text(password)
    policy = dict(DEFAULT_POLICY)
    policy.update((pool.get("Policies") or {}).get("PasswordPolicy") or {})
    problem = None
    if len(password) < int(policy["MinimumLength"]):
        problem = "Password not long enough"
    elif policy["RequireLowercase"] and not any(c.islower() for c in password):
        problem = "Password must have lowercase characters"
    elif policy["RequireUppercase"] and not any(c.isupper() for c in password):
        problem = "Password must have uppercase characters"
    elif policy["RequireNumbers"] and not any(c in string.digits for c in password):
        problem = "Password must have numeric characters"
    elif policy["RequireSymbols"] and not any(c in SYMBOLS for c in password):
        problem = "Password must have symbol characters"
    if problem:
        raise ServiceError(
            "InvalidPasswordException", f"Password did not conform with policy: {problem}"
        )


def user_key(pool: Item, username: str) -> str:
    """Store key of a user: usernames are case-insensitive unless the pool says otherwise."""
    sensitive = (pool.get("UsernameConfiguration") or {}).get("CaseSensitive", False)
    return f"{pool['Id']}/{username if sensitive else username.lower()}"


def _aliases(pool: Item) -> list[str]:
    return sorted(
        set(pool.get("UsernameAttributes") or []) | set(pool.get("AliasAttributes") or [])
    )


def alias_prefix(pool: Item, attr: str, value: str) -> str:
    """Key prefix of the index entries for one attribute value (exact: values are escaped)."""
    return f"{pool['Id']}/{attr}/{key_part(value.lower())}/"


def _index_keys(pool: Item, user: Item) -> list[str]:
    """Keys of the lookup index (sub and alias attributes) for a user."""
    attrs = user["attributes"]
    keys = []
    for attr in ["sub", *_aliases(pool)]:
        value = attrs.get(attr)
        if value:
            keys.append(alias_prefix(pool, attr, value) + key_part(user["username"]))
    return sorted(keys)


def _alias_usable(pool: Item, user: Item, attr: str) -> bool:
    # An alias signs in only once verified; username attributes and preferred_username always.
    return (
        attr in ("sub", "preferred_username")
        or attr in (pool.get("UsernameAttributes") or [])
        or user["attributes"].get(f"{attr}_verified") == "true"
    )


def find_user(emu: Emulator, pool: Item, name: str) -> Item | None:
    """A user by username, sub, or an alias/username attribute (email, phone_number), through
    an index so that lookups stay O(1) however many users a pool has."""
    user = emu.store.get("user", user_key(pool, name))
    if user is not None:
        return user
    for attr in ["sub", *_aliases(pool)]:
        for _key, ref in emu.store.scan("alias", alias_prefix(pool, attr, name)):
            found = emu.store.get("user", user_key(pool, ref["username"]))
            if found is not None and _alias_usable(pool, found, attr):
                return found
    return None


def require_user(emu: Emulator, pool: Item, name: str) -> Item:
    """A user or UserNotFoundException."""
    user = find_user(emu, pool, name)
    if user is None:
        raise user_not_found()
    return user


def _alias_holder(emu: Emulator, pool: Item, user: Item, attr: str) -> Item | None:
    """Another user for whom ``user``'s value of ``attr`` already signs in."""
    value = user["attributes"].get(attr)
    if not value:
        return None
    for _key, ref in emu.store.scan("alias", alias_prefix(pool, attr, value)):
        if ref["username"] == user["username"]:
            continue
        other = emu.store.get("user", user_key(pool, ref["username"]))
        if other is not None and _alias_usable(pool, other, attr):
            return other
    return None


def claim_aliases(emu: Emulator, pool: Item, user: Item, force: bool = False) -> None:
    """An alias (email, phone_number, preferred_username) signs in one user only: when ``user``
    makes one usable that another user holds, AliasExistsException, or with ``force``
    (ForceAliasCreation) the other user's attribute becomes unverified and stops signing in.
    Only aliases that became usable since the last save are checked (``_claimed``), so saving
    a user for another reason (a failed sign-in) never fails on an alias."""
    usable = {
        attr: alias_prefix(pool, attr, user["attributes"][attr])
        for attr in _aliases(pool)
        if user["attributes"].get(attr) and _alias_usable(pool, user, attr)
    }
    claimed = user.get("_claimed")
    user["_claimed"] = sorted(usable.values())
    if claimed is None:  # saved before aliases were checked: keep what it has
        return
    for attr, key in usable.items():
        if key in claimed:
            continue
        other = _alias_holder(emu, pool, user, attr)
        if other is None:
            continue
        if (
            not force
            or attr in (pool.get("UsernameAttributes") or [])
            or attr == "preferred_username"
        ):
            noun = "phone number" if attr == "phone_number" else attr
            raise ServiceError(
                "AliasExistsException", f"An account with the given {noun} already exists."
            )
        other["attributes"][f"{attr}_verified"] = "false"
        save_user(emu, pool, other)


def save_user(emu: Emulator, pool: Item, user: Item, force_alias: bool = False) -> None:
    """Write a user back, stamping its modification time and updating the lookup index; an alias
    another user holds is refused (see :func:`claim_aliases`)."""
    user["modified"] = emu.now()
    old = set(user.get("_index") or [])
    new = _index_keys(pool, user)
    user["_index"] = new
    with emu.store.transaction():
        claim_aliases(emu, pool, user, force_alias)
        for key in old.difference(new):
            emu.store.delete("alias", key)
        for key in set(new).difference(old):
            emu.store.put("alias", key, {"username": user["username"]})
        emu.store.put("user", user_key(pool, user["username"]), user)


def forget_user_index(emu: Emulator, user: Item) -> None:
    """Drop a deleted user's lookup index entries."""
    for key in user.get("_index") or []:
        emu.store.delete("alias", key)


def set_password(emu: Emulator, pool: Item, user: Item, password: str) -> None:
    """Store a fresh salt and verifier for the password (never the password itself)."""
    salt = srp.new_salt()
    x = srp.compute_x(salt, pool_name(pool["Id"]), user["username"], password)
    user["salt"] = format(salt, "x")
    user["verifier"] = format(emu.compute(srp.compute_verifier, x), "x")


def password_matches(emu: Emulator, pool: Item, user: Item, password: str) -> bool:
    """Check a plain password against the stored verifier (USER_PASSWORD_AUTH, ChangePassword)."""
    if not user.get("verifier"):
        return False
    x = srp.compute_x(int(user["salt"], 16), pool_name(pool["Id"]), user["username"], password)
    expected = format(emu.compute(srp.compute_verifier, x), "x")
    return hmac.compare_digest(expected, user["verifier"])


def new_user(emu: Emulator, pool: Item, username: str, attributes: dict[str, str]) -> Item:
    """A fresh user item (not yet saved); InvalidParameterException for a username Cognito
    refuses."""
    check_username(username)
    now = emu.now()
    attrs = {"sub": str(uuid.uuid4())}
    attrs.update({k: v for k, v in attributes.items() if k != "sub"})
    return {
        "username": username,
        "attributes": attrs,
        "status": "UNCONFIRMED",
        "enabled": True,
        "created": now,
        "modified": now,
        "salt": "",
        "verifier": "",
        "failed": 0,
        "locked_until": 0.0,
        "_claimed": [],
        "mfa": {"sms": False, "totp": False, "email": False, "preferred": None},
        "totp_secret": None,
        "device_group_key": "-"
        + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(9)),
    }


def attribute_list(user: Item) -> list[dict[str, str]]:
    """Attributes as Cognito's [{Name, Value}] list."""
    return [{"Name": k, "Value": v} for k, v in user["attributes"].items()]


def mask(destination: str) -> str:
    """Cognito's masked delivery destination: e***@e*** or +*******1234."""
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return "+" + "*" * max(0, len(destination) - 5) + destination[-4:]


def delivery(user: Item, prefer: str = "email") -> tuple[str, str, str] | None:
    """(medium, attribute, destination) where codes go, or None when no address."""
    attrs = user["attributes"]
    order = ["email", "phone_number"] if prefer == "email" else ["phone_number", "email"]
    for attr in order:
        if attrs.get(attr):
            return ("EMAIL" if attr == "email" else "SMS", attr, attrs[attr])
    return None


def delivery_details(medium: str, attr: str, destination: str) -> dict[str, str]:
    """CodeDeliveryDetails."""
    return {"Destination": mask(destination), "DeliveryMedium": medium, "AttributeName": attr}


def mfa_settings(user: Item) -> dict[str, Any]:
    """MFA fields of GetUser / AdminGetUser."""
    mfa = user["mfa"]
    enabled = []
    if mfa.get("sms"):
        enabled.append("SMS_MFA")
    if mfa.get("totp"):
        enabled.append("SOFTWARE_TOKEN_MFA")
    if mfa.get("email"):
        enabled.append("EMAIL_OTP")
    out: dict[str, Any] = {}
    if enabled:
        out["UserMFASettingList"] = enabled
    if mfa.get("preferred"):
        out["PreferredMfaSetting"] = mfa["preferred"]
    if mfa.get("sms") and user["attributes"].get("phone_number"):
        out["MFAOptions"] = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    return out


def user_record(user: Item) -> Item:
    """A user as AdminCreateUser / ListUsers describe it."""
    return {
        "Username": user["username"],
        "Attributes": attribute_list(user),
        "UserCreateDate": user["created"],
        "UserLastModifiedDate": user["modified"],
        "Enabled": user["enabled"],
        "UserStatus": user["status"],
    }


def public_client(client: Item) -> Item:
    """A client as DescribeUserPoolClient shows it (no internal fields)."""
    return {k: v for k, v in client.items() if not k.startswith("_")}


def public_pool(pool: Item) -> Item:
    """A pool as DescribeUserPool shows it (no emulator fields; the schema given at creation
    under Cognito's name, ``SchemaAttributes``; standard attributes not named there are not
    listed)."""
    out = {k: v for k, v in pool.items() if not k.startswith("_") and not k.startswith("Emulator")}
    if "Schema" in out:
        out["SchemaAttributes"] = out.pop("Schema")
    return out


@contextmanager
def updating_user(emu: Emulator, pool: Item, name: str) -> Iterator[Item]:
    """Read-modify-write of one user in a store transaction: yields the current record and saves
    it when the block ends normally (nothing is saved when the block raises)."""
    with emu.store.transaction():
        user = require_user(emu, pool, name)
        yield user
        save_user(emu, pool, user)


def owned_device(emu: Emulator, pool: Item, user: Item, device_key: str) -> Item | None:
    """The device record under ``device_key`` when it belongs to this user of this pool."""
    device: Item | None = emu.store.get("device", device_key)
    if device is None or device["pool_id"] != pool["Id"] or device["username"] != user["username"]:
        return None
    return device


def delete_user_data(ctx: RequestContext, pool: Item, user: Item) -> None:
    """Remove a user with its devices, codes and sign-in origins."""
    store = ctx.emulator.store
    prefix = user_prefix(pool["Id"], user["username"])
    with store.transaction():
        store.delete("user", user_key(pool, user["username"]))
        forget_user_index(ctx.emulator, user)
        for _key, device in store.scan("user_device", prefix):
            store.delete("device", device["DeviceKey"])
        store.delete_prefix("user_device", prefix)
        for key, _item in store.scan("user_origin", prefix):
            store.put("origin", key.rsplit("/", 1)[-1], {"revoked": True})
        store.delete_prefix("user_origin", prefix)
        codes.drop_codes(ctx.emulator, pool["Id"], user["username"])


def revoke_origin(ctx: RequestContext, jti: str) -> None:
    """Mark one sign-in origin (a refresh token family and its access tokens) revoked."""
    store = ctx.emulator.store
    origin = store.get("origin", jti) or {}
    origin["revoked"] = True
    store.put("origin", jti, origin)


def revoke_user_origins(ctx: RequestContext, pool: Item, user: Item) -> None:
    """Revoke every session (refresh token family) of a user."""
    store = ctx.emulator.store
    prefix = user_prefix(pool["Id"], user["username"])
    with store.transaction():
        for key, _item in store.scan("user_origin", prefix):
            revoke_origin(ctx, key.rsplit("/", 1)[-1])
