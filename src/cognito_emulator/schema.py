"""User attributes as a pool's schema allows them, and Cognito's input limits.

Cognito accepts only schema attributes: the standard ones plus the pool's ``custom:`` ones (at
most 50). A user (SignUp, UpdateUserAttributes, NEW_PASSWORD_REQUIRED) writes only what the app
client's ``WriteAttributes`` allow and never ``email_verified``/``phone_number_verified``
(admins do); the client's ``ReadAttributes`` limit GetUser and the ID token.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .errors import ServiceError, invalid_parameter, not_authorized

Item = dict[str, Any]
STANDARD = frozenset(
    {
        "address",
        "birthdate",
        "email",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    }
)
VERIFIED = frozenset({"email_verified", "phone_number_verified"})
MAX_USERNAME = 128
MAX_PASSWORD = 256
MAX_VALUE = 2048
MAX_CUSTOM = 50
_CUSTOM_NAME = re.compile(r"[\w.:-]{1,20}")
UNAUTHORIZED_WRITE = "A client attempted to write unauthorized attribute"


def custom_names(pool: Item) -> set[str]:
    """The pool's custom attributes, each as ``custom:<name>``."""
    out = set()
    for entry in pool.get("Schema") or []:
        name = str(entry.get("Name", ""))
        if name in STANDARD or name in VERIFIED or name == "sub":
            continue
        out.add(name if name.startswith(("custom:", "dev:")) else f"custom:{name}")
    return out


def required_names(pool: Item) -> list[str]:
    """Attributes the schema marks ``Required``."""
    return sorted(
        str(e["Name"])
        for e in pool.get("Schema") or []
        if e.get("Required") and str(e.get("Name")) in STANDARD
    )


def normalize_schema(schema: Any) -> list[Item]:
    """Check a CreateUserPool ``Schema`` and return it (custom names get their prefix)."""
    if not isinstance(schema, list):
        raise invalid_parameter("Schema must be a list of attribute definitions")
    out: list[Item] = []
    customs = 0
    for entry in schema:
        if not isinstance(entry, dict) or not isinstance(entry.get("Name"), str):
            raise invalid_parameter("Each Schema entry needs a string Name")
        name = entry["Name"]
        kind = entry.get("AttributeDataType", "String")
        if kind not in ("String", "Number", "DateTime", "Boolean"):
            raise invalid_parameter(f"Invalid AttributeDataType for {name}: {kind!r}")
        for flag in ("Mutable", "Required", "DeveloperOnlyAttribute"):
            if flag in entry and not isinstance(entry[flag], bool):
                raise invalid_parameter(f"{flag} of {name} must be a boolean")
        if name in STANDARD:
            out.append(dict(entry))
            continue
        bare = name.removeprefix("custom:")
        if not _CUSTOM_NAME.fullmatch(bare):
            raise invalid_parameter(f"Invalid custom attribute name: {name}")
        if entry.get("Required"):
            raise invalid_parameter(f"Required custom attributes are not supported: {name}")
        customs += 1
        out.append({**entry, "Name": f"custom:{bare}"})
    if customs > MAX_CUSTOM:
        raise ServiceError(
            "LimitExceededException", f"A user pool can have at most {MAX_CUSTOM} custom attributes"
        )
    return out


def check_text(name: str, value: str, limit: int, single_line: bool = True) -> None:
    """InvalidParameterException for a value over ``limit`` characters or with control
    characters (NUL and lone surrogates never pass; newlines only where allowed)."""
    if len(value) > limit:
        raise invalid_parameter(
            f"1 validation error detected: Value at '{name}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {limit}"
        )
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs" or (category == "Cc" and (single_line or ch not in "\t\n\r")):
            raise invalid_parameter(f"Invalid character in {name}")


def check_username(username: str) -> None:
    """Cognito's username rule: 1-128 letters, marks, symbols, numbers or punctuation."""
    check_text("username", username, MAX_USERNAME)
    if any(unicodedata.category(ch)[0] in "CZ" for ch in username):
        raise invalid_parameter(
            "1 validation error detected: Value at 'username' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
        )


def check_password_text(password: str) -> None:
    """Passwords: at most 256 characters, no control characters."""
    check_text("password", password, MAX_PASSWORD)


def check_attributes(pool: Item, attrs: dict[str, str], client: Item | None = None) -> None:
    """Refuse attributes outside the schema, over-long values, and (for a user writing through
    ``client``; ``None`` means an administrator) what the client may not write."""
    known = STANDARD | VERIFIED | custom_names(pool)
    writable = (client or {}).get("WriteAttributes")
    for name, value in attrs.items():
        if name == "sub":
            raise invalid_parameter("Cannot modify an immutable attribute: sub")
        if name not in known:
            raise invalid_parameter(
                f"Attributes did not conform to the schema: {name}: "
                "Attribute does not exist in the schema."
            )
        check_text(f"userAttributes.{name}", value, MAX_VALUE)
        if name in VERIFIED and value not in ("true", "false"):
            raise invalid_parameter(f"{name} must be 'true' or 'false'")
        if client is not None and (name in VERIFIED or (writable and name not in writable)):
            raise not_authorized(UNAUTHORIZED_WRITE)


def check_required(pool: Item, attrs: dict[str, str]) -> None:
    """SignUp: every attribute the schema requires is present."""
    for name in required_names(pool):
        if not attrs.get(name):
            raise invalid_parameter(
                f"Attributes did not conform to the schema: {name}: The attribute is required"
            )


def readable(client: Item | None, attributes: dict[str, str]) -> dict[str, str]:
    """The attributes an app client may read (all when it names no ReadAttributes)."""
    allowed = (client or {}).get("ReadAttributes")
    if not allowed:
        return dict(attributes)
    return {k: v for k, v in attributes.items() if k == "sub" or k in allowed}
