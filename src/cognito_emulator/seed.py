"""Seed files and the demo set-up.

A seed file (``--seed pools.json``) is JSON::

    {"pools": [{"PoolName": "demo", ...CreateUserPool params...,
                "Id": "us-east-1_demo1234" (optional fixed id),
                "clients": [{"ClientName": "web", ...CreateUserPoolClient params...,
                             "ClientId": "fixedclientid" (optional)}],
                "users": [{"Username": "alice", "Password": "Passw0rd!",
                           "Attributes": {"email": "a@example.com"}}]}]}

Pools and clients with a fixed id are created only when missing (seeding is idempotent).
An optional ``"identityPools": [...]`` list creates identity pools (see
``cognito_emulator.identity.apply_identity_seed``), e.g.
``{"IdentityPoolName": "app", "UserPools": ["demo"], "Roles": {"authenticated": "arn:..."}}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .model import get_pool, require_user, save_user, set_password
from .ops_admin import create_client
from .ops_pools import create_pool
from .pool_settings import email_mfa_configured
from .registry import RequestContext


def _ensure_pool(ctx: RequestContext, spec: dict[str, Any]) -> str:
    store = ctx.emulator.store
    params = {k: v for k, v in spec.items() if k not in ("Id", "clients", "users")}
    fixed = spec.get("Id")
    if fixed and store.get("pool", fixed) is not None:
        return str(fixed)
    pool = create_pool(ctx, params)
    if fixed:
        with store.transaction():
            store.delete("pool", pool["Id"])
            store.delete("rsa_key", pool["Id"])
            pool["Id"] = fixed
            pool["Arn"] = pool["Arn"].rsplit("/", 1)[0] + "/" + fixed
            store.put("pool", fixed, pool)
        ctx.emulator.keys.key(fixed)
    return str(pool["Id"])


def _ensure_client(ctx: RequestContext, pool_id: str, spec: dict[str, Any]) -> str:
    store = ctx.emulator.store
    fixed = spec.get("ClientId")
    if fixed and store.get("client", fixed) is not None:
        return str(fixed)
    params = {k: v for k, v in spec.items() if k != "ClientId"}
    client = create_client(ctx, {"UserPoolId": pool_id, **params})
    if fixed:
        with store.transaction():
            store.delete("client", client["ClientId"])
            client["ClientId"] = fixed
            store.put("client", fixed, client)
    return str(client["ClientId"])


def _ensure_user(ctx: RequestContext, pool_id: str, spec: dict[str, Any]) -> None:
    from .model import find_user, new_user
    from .schema import check_attributes

    emu = ctx.emulator
    pool = get_pool(emu, pool_id)
    with emu.store.transaction():
        if find_user(emu, pool, spec["Username"]) is not None:
            return
        attrs = dict(spec.get("Attributes") or {})
        check_attributes(pool, attrs)
        user = new_user(emu, pool, spec["Username"], attrs)
        set_password(emu, pool, user, spec["Password"])
        user["status"] = "CONFIRMED"
        save_user(emu, pool, user)
    require_user(emu, pool, spec["Username"])


def apply_seed(ctx: RequestContext, seed: dict[str, Any]) -> dict[str, Any]:
    """Create the seed's pools, clients and users; returns {pool name: {id, clients}}."""
    out: dict[str, Any] = {}
    for spec in seed.get("pools", []):
        pool_id = _ensure_pool(ctx, spec)
        clients = [_ensure_client(ctx, pool_id, c) for c in spec.get("clients", [])]
        for user in spec.get("users", []):
            _ensure_user(ctx, pool_id, user)
        out[spec["PoolName"]] = {"Id": pool_id, "clients": clients}
    if seed.get("identityPools"):
        from .identity import apply_identity_seed

        # Their ids are fixed in the seed or found with ListIdentityPools; the return value
        # keeps its {user pool name: ...} shape.
        apply_identity_seed(ctx.emulator, seed["identityPools"], out)
    return out


def load_seed(path: str) -> dict[str, Any]:
    """Read a seed file."""
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a seed file holds a JSON object")
    return data


DEMO_POOL_NAME = "demo"
DEMO_FIRST_FACTORS = ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]


def _demo_modern_flows(emu: Any, meta: dict[str, Any]) -> None:
    """Choice-based sign-in, email MFA and ALLOW_USER_AUTH on the demo pool, also for a data
    file from before they existed (idempotent)."""
    store = emu.store
    with store.transaction():
        pool = store.get("pool", meta["userPoolId"])
        client = store.get("client", meta["clientId"])
        if pool is None or client is None:
            return
        policies = pool.setdefault("Policies", {})
        if "SignInPolicy" not in policies or "EmailMfaConfiguration" not in pool:
            policies.setdefault(
                "SignInPolicy", {"AllowedFirstAuthFactors": list(DEMO_FIRST_FACTORS)}
            )
            pool.setdefault("EmailMfaConfiguration", {})
            store.put("pool", pool["Id"], pool)
        flows = client.setdefault("ExplicitAuthFlows", [])
        if "ALLOW_USER_AUTH" not in flows:
            flows.append("ALLOW_USER_AUTH")
            store.put("client", client["ClientId"], client)


def ensure_demo(ctx: RequestContext, endpoint: str, config_path: str) -> dict[str, Any]:
    """Create (idempotently) the demo pool and web client and write the pages' config.json."""
    emu = ctx.emulator
    store = emu.store
    meta = store.get("meta", "demo")
    if (
        meta is None
        or store.get("pool", meta["userPoolId"]) is None
        or store.get("client", meta["clientId"]) is None
    ):
        pool = create_pool(
            ctx,
            {
                "PoolName": DEMO_POOL_NAME,
                "MfaConfiguration": "OPTIONAL",
                # The portal's "sign in with a code" uses CUSTOM_AUTH with the built-in trigger.
                "EmulatorCustomAuth": "BUILTIN",
                # The portal suggests "custom:team" as an attribute to set.
                "Schema": [{"Name": "team", "AttributeDataType": "String", "Mutable": True}],
                "AutoVerifiedAttributes": ["email"],
                "DeviceConfiguration": {
                    "ChallengeRequiredOnNewDevice": True,
                    "DeviceOnlyRememberedOnUserPrompt": True,
                },
                # Choice-based sign-in: the portal offers "Email me a code" / "Text me a code".
                "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": list(DEMO_FIRST_FACTORS)}},
            },
        )
        client = create_client(
            ctx,
            {
                "UserPoolId": pool["Id"],
                "ClientName": "demo-web",
                "ExplicitAuthFlows": [
                    "ALLOW_USER_SRP_AUTH",
                    "ALLOW_USER_PASSWORD_AUTH",
                    "ALLOW_CUSTOM_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH",
                    "ALLOW_USER_AUTH",
                ],
            },
        )
        meta = {"userPoolId": pool["Id"], "clientId": client["ClientId"]}
        store.put("meta", "demo", meta)
    else:
        # A data file from before CUSTOM_AUTH needed the pool's opt-in keeps the demo working.
        with store.transaction():
            demo_pool = get_pool(emu, meta["userPoolId"])
            if demo_pool.get("EmulatorCustomAuth") != "BUILTIN":
                demo_pool["EmulatorCustomAuth"] = "BUILTIN"
                store.put("pool", demo_pool["Id"], demo_pool)
    _demo_modern_flows(emu, meta)
    from .identity import ensure_demo_identity_pool

    pool_item = store.get("pool", meta["userPoolId"]) or {}
    policies = pool_item.get("Policies") or {}
    config = {
        "region": meta["userPoolId"].split("_", 1)[0],
        "userPoolId": meta["userPoolId"],
        "clientId": meta["clientId"],
        "endpoint": endpoint,
        "emulator": True,
        # DescribeUserPool needs AWS credentials: the page learns the policy from here.
        "passwordPolicy": policies.get("PasswordPolicy") or {},
        # Likewise the first factors of choice-based sign-in and whether email MFA is on.
        "firstFactors": (policies.get("SignInPolicy") or {}).get("AllowedFirstAuthFactors")
        or ["PASSWORD"],
        "emailMfa": email_mfa_configured(pool_item),
        # The identity pool (issue 7) trusting the demo pool: AWS credentials for the pages.
        "identityPoolId": ensure_demo_identity_pool(emu, meta["userPoolId"], meta["clientId"]),
    }
    path = Path(config_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return config
