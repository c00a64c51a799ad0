"""Parameter checks with precise messages: missing -> InvalidParameterException, wrong JSON
type -> SerializationException (both 400)."""

from __future__ import annotations

from typing import Any, TypeVar

from .errors import invalid_parameter, serialization

_T = TypeVar("_T")
_TYPE_NAMES = {str: "string", bool: "boolean", int: "integer", dict: "structure", list: "list"}


def _check_type(name: str, value: Any, kind: type) -> None:
    ok = isinstance(value, kind)
    if kind is int and isinstance(value, bool):
        ok = False
    if not ok:
        got = type(value).__name__ if value is not None else "null"
        raise serialization(
            f"Expected {_TYPE_NAMES.get(kind, kind.__name__)} for '{name}', got {got}"
        )


def req_str(params: dict[str, Any], name: str) -> str:
    """A required non-empty string parameter."""
    value = params.get(name)
    if value is None:
        raise invalid_parameter(
            f"1 validation error detected: Value null at '{name}' failed to satisfy "
            "constraint: Member must not be null"
        )
    _check_type(name, value, str)
    if value == "":
        raise invalid_parameter(
            f"1 validation error detected: Value '' at '{name}' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1"
        )
    assert isinstance(value, str)
    return value


def _optional(params: dict[str, Any], name: str, kind: type[_T]) -> _T | None:
    """A parameter of JSON type ``kind``, or None when absent (null counts as absent)."""
    value = params.get(name)
    if value is None:
        return None
    _check_type(name, value, kind)
    assert isinstance(value, kind)
    return value


def opt_str(params: dict[str, Any], name: str) -> str | None:
    """An optional string parameter."""
    return _optional(params, name, str)


def opt_bool(params: dict[str, Any], name: str, default: bool = False) -> bool:
    """An optional boolean parameter."""
    value = _optional(params, name, bool)
    return default if value is None else value


def opt_int(params: dict[str, Any], name: str) -> int | None:
    """An optional integer parameter."""
    return _optional(params, name, int)


def opt_dict(params: dict[str, Any], name: str) -> dict[str, Any]:
    """An optional map parameter ({} when absent)."""
    value = _optional(params, name, dict)
    return {} if value is None else value


def str_map(params: dict[str, Any], name: str) -> dict[str, str]:
    """An optional map of strings (AuthParameters, ChallengeResponses, ClientMetadata)."""
    value = opt_dict(params, name)
    for key, item in value.items():
        if item is not None:
            _check_type(f"{name}.{key}", item, str)
    return {k: v for k, v in value.items() if v is not None}


def opt_list(params: dict[str, Any], name: str) -> list[Any]:
    """An optional list parameter ([] when absent)."""
    value = _optional(params, name, list)
    return [] if value is None else value


def attribute_list(params: dict[str, Any], name: str) -> dict[str, str]:
    """A list of ``{"Name": ..., "Value": ...}`` as an ordered dict."""
    out: dict[str, str] = {}
    for i, item in enumerate(opt_list(params, name)):
        _check_type(f"{name}[{i}]", item, dict)
        attr_name = req_str(item, "Name")
        value = item.get("Value", "")
        _check_type(f"{name}[{i}].Value", value, str)
        out[attr_name] = value
    return out


def need(mapping: dict[str, str], key: str) -> str:
    """A required entry of AuthParameters / ChallengeResponses."""
    value = mapping.get(key)
    if not value:
        raise invalid_parameter(f"Missing required parameter {key}")
    return value
