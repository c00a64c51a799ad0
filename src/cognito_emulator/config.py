"""``--config pools.json`` (or ``.toml``): pools, clients and users declared for a dev server or a
JS project's tests, checked against ``config.schema.json`` (shipped beside this module), and
``--print-env``'s variables.

The file is translated into a seed (see :mod:`.seed`) and applied idempotently: a pool or
client without a fixed id is matched by name, so restarting on the same ``--data`` file keeps
every id.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from .registry import RequestContext
from .seed import apply_seed

ALL_FLOWS = [
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


class ConfigError(ValueError):
    """The config file breaks the schema; the message names the place (``pools[0].mfa``)."""


def schema() -> dict[str, Any]:
    """The JSON Schema of config files."""
    text = resources.files(__package__).joinpath("config.schema.json").read_text()
    return dict(json.loads(text))


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a ``.json`` or ``.toml`` config file and check it against the schema."""
    path = Path(path)
    text = path.read_text()
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {exc}") from exc
    check(data)
    return dict(data)


def check(data: Any) -> None:
    """Raise :class:`ConfigError` unless ``data`` matches the schema."""
    root = schema()
    _check(data, root, root, "config")
    names = [pool["name"] for pool in data["pools"]]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"config.pools: two pools are named {name!r}")
    for i, pool in enumerate(data["pools"]):
        clients = [c["name"] for c in pool.get("clients", [])]
        for name in clients:
            if clients.count(name) > 1:
                raise ConfigError(f"config.pools[{i}].clients: two clients are named {name!r}")


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
}


def _check(value: Any, rule: dict[str, Any], root: dict[str, Any], where: str) -> None:
    """The subset of JSON Schema that config.schema.json uses."""
    if "$ref" in rule:
        rule = root["$defs"][rule["$ref"].rsplit("/", 1)[-1]]
    kind = rule.get("type")
    if kind is not None:
        ok = isinstance(value, _TYPES[kind]) and not (kind == "integer" and isinstance(value, bool))
        if not ok:
            raise ConfigError(f"{where}: expected {kind}, got {json.dumps(value)}")
    if "enum" in rule and value not in rule["enum"]:
        raise ConfigError(f"{where}: {json.dumps(value)} is not one of {rule['enum']}")
    if isinstance(value, str):
        _check_string(value, rule, where)
    low, high = rule.get("minimum"), rule.get("maximum")
    number = isinstance(value, int) and not isinstance(value, bool)
    if number and ((low is not None and value < low) or (high is not None and value > high)):
        raise ConfigError(f"{where}: {value} is outside {low}..{high}")
    if isinstance(value, list):
        if len(value) < rule.get("minItems", 0):
            raise ConfigError(f"{where}: needs at least {rule['minItems']} item(s)")
        for i, item in enumerate(value):
            _check(item, rule.get("items", {}), root, f"{where}[{i}]")
    if isinstance(value, dict):
        _check_object(value, rule, root, where)


def _check_string(value: str, rule: dict[str, Any], where: str) -> None:
    if not rule.get("minLength", 0) <= len(value) <= rule.get("maxLength", len(value)):
        raise ConfigError(f"{where}: length {len(value)} is not allowed")
    if "pattern" in rule and not re.search(rule["pattern"], value):
        raise ConfigError(f"{where}: {value!r} does not match {rule['pattern']}")


def _check_object(
    value: dict[str, Any], rule: dict[str, Any], root: dict[str, Any], where: str
) -> None:
    props = rule.get("properties", {})
    for name in rule.get("required", []):
        if name not in value:
            raise ConfigError(f"{where}: {name!r} is required")
    extra = rule.get("additionalProperties", True)
    for name, item in value.items():
        if name in props:
            _check(item, props[name], root, f"{where}.{name}")
        elif extra is False:
            raise ConfigError(f"{where}: unknown key {name!r} (allowed: {', '.join(props)})")
        elif isinstance(extra, dict):
            _check(item, extra, root, f"{where}.{name}")


def to_seed(config: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    """The seed of a checked config; pools and clients already in the store keep their ids."""
    store = ctx.emulator.store
    pools_by_name = {p["Name"]: p["Id"] for _k, p in store.scan("pool")}
    pools = []
    for spec in config["pools"]:
        pool_id = spec.get("id") or pools_by_name.get(spec["name"])
        clients_by_name = {
            c["ClientName"]: c["ClientId"]
            for _k, c in store.scan("client")
            if c["UserPoolId"] == pool_id
        }
        pool = pool_params(spec)
        if pool_id:
            pool["Id"] = pool_id
        pool["clients"] = [
            client_params(c, clients_by_name.get(c["name"]))
            for c in spec.get("clients") or [{"name": "web"}]
        ]
        pool["users"] = [_user_params(u) for u in spec.get("users", [])]
        pools.append(pool)
    return {"pools": pools}


def pool_params(spec: dict[str, Any]) -> dict[str, Any]:
    """CreateUserPool parameters of a config file's pool (also the kit's pool options)."""
    pool: dict[str, Any] = {
        "PoolName": spec["name"],
        "MfaConfiguration": spec.get("mfa", "OFF"),
        "AutoVerifiedAttributes": spec.get("autoVerify", ["email"]),
    }
    if spec.get("usernameAttributes"):
        pool["UsernameAttributes"] = spec["usernameAttributes"]
    if spec.get("aliases"):
        pool["AliasAttributes"] = spec["aliases"]
    if spec.get("passwordPolicy"):
        pool["Policies"] = {"PasswordPolicy": spec["passwordPolicy"]}
    if spec.get("deviceTracking", "off") != "off":
        pool["DeviceConfiguration"] = {
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": spec["deviceTracking"] == "user_opt_in",
        }
    pool.update(spec.get("createUserPool", {}))
    return pool


def client_params(spec: dict[str, Any], existing: str | None = None) -> dict[str, Any]:
    """CreateUserPoolClient parameters of a config file's client (``existing``: its id)."""
    client: dict[str, Any] = {
        "ClientName": spec["name"],
        "GenerateSecret": spec.get("generateSecret", False),
        "ExplicitAuthFlows": list(spec.get("authFlows", ALL_FLOWS)),
    }
    units = {}
    for key, field, unit in (
        ("AccessToken", "accessTokenMinutes", "minutes"),
        ("IdToken", "idTokenMinutes", "minutes"),
        ("RefreshToken", "refreshTokenDays", "days"),
    ):
        if field in spec:
            client[f"{key}Validity"] = spec[field]
            units[key] = unit
    if units:
        client["TokenValidityUnits"] = units
    client.update(spec.get("createUserPoolClient", {}))
    fixed = spec.get("id") or existing
    if fixed:
        client["ClientId"] = fixed
    return client


def _user_params(spec: dict[str, Any]) -> dict[str, Any]:
    attributes = dict(spec.get("attributes", {}))
    if "email" in spec:
        attributes.update(email=spec["email"], email_verified="true")
    if "phoneNumber" in spec:
        attributes.update(phone_number=spec["phoneNumber"], phone_number_verified="true")
    return {"Username": spec["username"], "Password": spec["password"], "Attributes": attributes}


def apply_config(ctx: RequestContext, config: dict[str, Any]) -> list[dict[str, Any]]:
    """Create what the config declares (idempotently); returns one entry per pool:
    ``{"name", "userPoolId", "clients": [{"name", "clientId", "clientSecret"}]}``."""
    seed = to_seed(config, ctx)
    created = apply_seed(ctx, seed)
    out = []
    for spec, pool in zip(config["pools"], seed["pools"], strict=True):
        info = created[pool["PoolName"]]
        clients = []
        for client_spec, client_id in zip(
            spec.get("clients") or [{"name": "web"}], info["clients"], strict=True
        ):
            item = ctx.emulator.store.get("client", client_id) or {}
            clients.append(
                {
                    "name": client_spec["name"],
                    "clientId": client_id,
                    "clientSecret": item.get("ClientSecret"),
                }
            )
        out.append({"name": spec["name"], "userPoolId": info["Id"], "clients": clients})
    return out


def env_lines(
    pools: list[dict[str, Any]], endpoint: str, region: str, prefix: str = ""
) -> list[str]:
    """``KEY=value`` lines for ``.env`` files: ``COGNITO_ENDPOINT``, ``COGNITO_REGION``, the
    first pool's ``COGNITO_USER_POOL_ID`` and first client's ``COGNITO_CLIENT_ID`` (and
    ``COGNITO_CLIENT_SECRET`` when it has one), then every pool and client by name:
    ``COGNITO_<POOL>_USER_POOL_ID``, ``COGNITO_<POOL>_<CLIENT>_CLIENT_ID``."""

    def name(text: str) -> str:
        return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")

    values = {"ENDPOINT": endpoint, "REGION": region}
    first = pools[0]
    values["USER_POOL_ID"] = first["userPoolId"]
    values["CLIENT_ID"] = first["clients"][0]["clientId"]
    if first["clients"][0]["clientSecret"]:
        values["CLIENT_SECRET"] = first["clients"][0]["clientSecret"]
    for pool in pools:
        values[f"{name(pool['name'])}_USER_POOL_ID"] = pool["userPoolId"]
        for client in pool["clients"]:
            key = f"{name(pool['name'])}_{name(client['name'])}"
            values[f"{key}_CLIENT_ID"] = client["clientId"]
            if client["clientSecret"]:
                values[f"{key}_CLIENT_SECRET"] = client["clientSecret"]
    return [f"{prefix}COGNITO_{key}={value}" for key, value in values.items()]
