"""``CognitoUserAttribute`` and ``AuthenticationDetails`` (both accept the JS-style dicts)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import InvalidParameterError

__all__ = ["AuthenticationDetails", "CognitoUserAttribute"]


class CognitoUserAttribute:
    """A user attribute ``{Name, Value}``.

    ``CognitoUserAttribute("email", "a@b.c")``, ``CognitoUserAttribute(name=..., value=...)``
    or the JS form ``CognitoUserAttribute({"Name": "email", "Value": "a@b.c"})``.
    """

    def __init__(
        self, name: str | Mapping[str, Any] | None = None, value: str | None = None
    ) -> None:
        if isinstance(name, Mapping):
            value = name.get("Value", value)
            name = name.get("Name")
        self.name: str = str(name or "")
        self.value: str = str(value or "")

    def get_name(self) -> str:
        """The attribute name."""
        return self.name

    def set_name(self, name: str) -> CognitoUserAttribute:
        """Set the name; returns self."""
        self.name = name
        return self

    def get_value(self) -> str:
        """The attribute value."""
        return self.value

    def set_value(self, value: str) -> CognitoUserAttribute:
        """Set the value; returns self."""
        self.value = value
        return self

    def to_json(self) -> dict[str, str]:
        """The wire form ``{"Name": ..., "Value": ...}``."""
        return {"Name": self.name, "Value": self.value}

    def __str__(self) -> str:
        return json.dumps(self.to_json())

    def __repr__(self) -> str:
        return f"CognitoUserAttribute({self.name!r}, {self.value!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CognitoUserAttribute):
            return (self.name, self.value) == (other.name, other.value)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.name, self.value))


def attribute_list(attributes: Any) -> list[dict[str, str]] | None:
    """Normalise attributes (objects, ``{Name, Value}`` dicts or a ``{name: value}`` map)."""
    if attributes is None:
        return None
    if isinstance(attributes, Mapping):
        if set(attributes) <= {"Name", "Value"} and "Name" in attributes:
            return [CognitoUserAttribute(attributes).to_json()]
        return [{"Name": str(k), "Value": str(v)} for k, v in attributes.items()]
    out: list[dict[str, str]] = []
    for item in attributes:
        if isinstance(item, CognitoUserAttribute):
            out.append(item.to_json())
        elif isinstance(item, Mapping):
            out.append(CognitoUserAttribute(item).to_json())
        else:
            raise InvalidParameterError(f"not a user attribute: {item!r}")
    return out


class AuthenticationDetails:
    """Username, password and sign-in metadata.

    ``AuthenticationDetails(username, password, validation_data=None, client_metadata=None,
    auth_parameters=None)`` or the JS form ``AuthenticationDetails({"Username": ...,
    "Password": ..., "ValidationData": ..., "ClientMetadata": ..., "AuthParameters": ...})``.
    ``validation_data`` may be a ``{name: value}`` map or a list of attributes; when it is not
    empty it is sent as ClientMetadata during sign-in, as the JS SDK does.
    """

    def __init__(
        self,
        username: str | Mapping[str, Any] | None = None,
        password: str | None = None,
        validation_data: Any = None,
        client_metadata: Mapping[str, str] | None = None,
        auth_parameters: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(username, Mapping):
            data = username
            username = data.get("Username")
            password = data.get("Password", password)
            validation_data = data.get("ValidationData", validation_data)
            client_metadata = data.get("ClientMetadata", client_metadata)
            auth_parameters = data.get("AuthParameters", auth_parameters)
        self.username: str | None = username
        self.password: str | None = password
        self.validation_data: dict[str, str] = _as_map(validation_data)
        self.client_metadata: dict[str, str] = dict(client_metadata or {})
        self.auth_parameters: dict[str, str] = dict(auth_parameters or {})

    def get_username(self) -> str | None:
        """The username given."""
        return self.username

    def get_password(self) -> str | None:
        """The password given."""
        return self.password

    def get_validation_data(self) -> dict[str, str]:
        """Validation data as a ``{name: value}`` map (empty when none)."""
        return self.validation_data

    def get_auth_parameters(self) -> dict[str, str]:
        """Extra AuthParameters (used by CUSTOM_AUTH's ``initiate_auth``)."""
        return self.auth_parameters

    def get_client_metadata(self) -> dict[str, str]:
        """ClientMetadata for the sign-in Lambda triggers."""
        return self.client_metadata

    def sign_in_metadata(self) -> dict[str, str]:
        """What the JS SDK sends as ClientMetadata: validation data if any, else metadata."""
        return dict(self.validation_data) if self.validation_data else dict(self.client_metadata)


def _as_map(value: Any) -> dict[str, str]:
    if not value:
        return {}
    if isinstance(value, Mapping) and not ("Name" in value and set(value) <= {"Name", "Value"}):
        return {str(k): str(v) for k, v in value.items()}
    items = attribute_list(value) or []
    return {a["Name"]: a["Value"] for a in items}
