"""Pool and app-client settings checked when written (Create*): a value stored unchecked would
answer 500 on every later request that reads it."""

from __future__ import annotations

import math
from typing import Any

from .errors import invalid_parameter
from .schema import STANDARD, VERIFIED, custom_names
from .validation import opt_dict, opt_int

Item = dict[str, Any]
ALIAS_VALUES = ("phone_number", "email", "preferred_username")
USERNAME_VALUES = ("phone_number", "email")
VERIFY_VALUES = ("phone_number", "email")
FLOW_VALUES = (
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
)
# (minimum, maximum) of each token validity in seconds, as CreateUserPoolClient documents.
VALIDITY_RANGE = {
    "AccessToken": (300, 86400),
    "IdToken": (300, 86400),
    "RefreshToken": (3600, 315360000),
}
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _fail(name: str, value: Any, rule: str) -> None:
    raise invalid_parameter(
        f"1 validation error detected: Value '{value}' at '{name}' failed to satisfy "
        f"constraint: {rule}"
    )


def need_bool(section: Item, key: str, where: str) -> None:
    """An optional boolean member."""
    if key in section and not isinstance(section[key], bool):
        _fail(f"{where}.{key}", section[key], "Member must be a boolean")


def need_int(section: Item, key: str, where: str, low: int, high: int) -> None:
    """An optional integer member within [low, high]."""
    if key not in section or section[key] is None:
        return
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(f"{where}.{key}", value, f"Member must be an integer between {low} and {high}")


def need_choices(values: Any, name: str, allowed: tuple[str, ...]) -> list[str]:
    """A list of distinct strings from ``allowed``."""
    if values is None:
        return []
    if not isinstance(values, list) or any(v not in allowed for v in values):
        _fail(name, values, f"Member must satisfy enum value set: [{', '.join(allowed)}]")
    if len(set(values)) != len(values):
        _fail(name, values, "Member must not contain duplicates")
    return list(values)


def check_pool_settings(pool: Item) -> None:
    """CreateUserPool: types and ranges of what later requests read."""
    policy = (pool.get("Policies") or {}).get("PasswordPolicy") or {}
    where = "policies.passwordPolicy"
    need_int(policy, "MinimumLength", where, 6, 99)
    need_int(policy, "TemporaryPasswordValidityDays", where, 0, 365)
    for flag in ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols"):
        need_bool(policy, flag, where)
    aliases = need_choices(pool.get("AliasAttributes"), "aliasAttributes", ALIAS_VALUES)
    usernames = need_choices(pool.get("UsernameAttributes"), "usernameAttributes", USERNAME_VALUES)
    if aliases and usernames:
        raise invalid_parameter("Only one of AliasAttributes and UsernameAttributes may be set")
    need_choices(pool.get("AutoVerifiedAttributes"), "autoVerifiedAttributes", VERIFY_VALUES)
    need_bool(pool.get("UsernameConfiguration") or {}, "CaseSensitive", "usernameConfiguration")
    need_bool(
        pool.get("AdminCreateUserConfig") or {}, "AllowAdminCreateUserOnly", "adminCreateUserConfig"
    )
    custom = pool.get("EmulatorCustomAuth")
    if custom is not None and custom not in ("BUILTIN", "OFF"):
        _fail("EmulatorCustomAuth", custom, "Member must be BUILTIN or OFF")


def check_client_settings(pool: Item, client: Item) -> None:
    """CreateUserPoolClient: flows, existence-error mode, attribute lists, token validities."""
    need_choices(client.get("ExplicitAuthFlows"), "explicitAuthFlows", FLOW_VALUES)
    mode = client.get("PreventUserExistenceErrors")
    if mode not in ("ENABLED", "LEGACY"):
        _fail(
            "preventUserExistenceErrors",
            mode,
            "Member must satisfy enum value set: [LEGACY, ENABLED]",
        )
    known = STANDARD | VERIFIED | custom_names(pool)
    for name in ("ReadAttributes", "WriteAttributes"):
        values = client.get(name)
        if values is None:
            continue
        if not isinstance(values, list) or any(v not in known for v in values):
            raise invalid_parameter(f"Invalid {name}: every entry must be a schema attribute")
    if set(client.get("WriteAttributes") or []) & VERIFIED:
        raise invalid_parameter("email_verified and phone_number_verified are not writable")
    units = client["TokenValidityUnits"]  # filled and checked by token_validities
    for kind, (low, high) in VALIDITY_RANGE.items():
        unit = units[kind]
        value = client.get(f"{kind}Validity")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not math.isfinite(value):
            _fail(f"{kind}Validity", value, "Member must be an integer")
        seconds = value * UNIT_SECONDS[unit]
        if not low <= seconds <= high:
            raise invalid_parameter(
                f"Invalid {kind}Validity: {value} {unit} is outside {low}..{high} seconds"
            )


# Token lifetimes when a request names none: (value, unit) as Cognito's defaults (1 hour,
# 30 days). A unit given without its value does not rescale the default.
_DEFAULT_VALIDITY = {
    "AccessToken": (60, "minutes"),
    "IdToken": (60, "minutes"),
    "RefreshToken": (30, "days"),
}


def token_validities(params: Item) -> Item:
    """CreateUserPoolClient/UpdateUserPoolClient: the ``*TokenValidity`` values and their
    ``TokenValidityUnits``, defaults filled in (every given unit checked, even where the
    default replaces it); :func:`check_client_settings` checks the ranges."""
    given = opt_dict(params, "TokenValidityUnits")
    for kind, unit in given.items():
        if kind not in _DEFAULT_VALIDITY or not isinstance(unit, str) or unit not in UNIT_SECONDS:
            _fail(f"tokenValidityUnits.{kind}", unit, "Member must be seconds|minutes|hours|days")
    out: Item = {}
    units: Item = {}
    for kind, (default, default_unit) in _DEFAULT_VALIDITY.items():
        value = opt_int(params, f"{kind}Validity")
        if value is None:
            value, units[kind] = default, default_unit
        else:
            units[kind] = given.get(kind, "days" if kind == "RefreshToken" else "hours")
        out[f"{kind}Validity"] = value
    out["TokenValidityUnits"] = units
    return out
