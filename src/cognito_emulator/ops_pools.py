"""User-pool operations: CreateUserPool, UpdateUserPool, DescribeUserPool, ListUserPools,
DeleteUserPool, SetUserPoolMfaConfig and GetUserPoolMfaConfig.

UpdateUserPool follows the API reference's warning literally: a setting the request leaves
out goes back to its default, except the settings Cognito locks at creation (the id, aliases
and username attributes, case sensitivity, the schema) and the ones other operations own
(the domain, email MFA and passkey settings of SetUserPoolMfaConfig).
"""

from __future__ import annotations

from .errors import invalid_parameter
from .model import DEFAULT_POLICY, get_pool, public_pool
from .pool_settings import apply_email_mfa_config, apply_pool_settings
from .randomness import random_string
from .registry import Params, RequestContext, idp
from .schema import normalize_schema
from .settings import check_pool_settings
from .validation import opt_dict, opt_list, opt_str, req_str

# Settings stored as given, reset when an update leaves them out.
_AS_GIVEN = (
    "UserPoolTags",
    "AccountRecoverySetting",
    "SmsConfiguration",
    "EmailConfiguration",
    "VerificationMessageTemplate",
    "UserPoolAddOns",
    "UserAttributeUpdateSettings",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "SmsVerificationMessage",
    "SmsAuthenticationMessage",
)
# Fixed at creation or owned by other operations: UpdateUserPool keeps them.
_KEPT = (
    "Id",
    "Name",
    "Arn",
    "CreationDate",
    "Domain",
    "AliasAttributes",
    "UsernameAttributes",
    "UsernameConfiguration",
    "Schema",
    "EmailMfaConfiguration",
    "WebAuthnConfiguration",
)


def _settings(params: Params) -> Params:
    """The changeable settings of a CreateUserPool/UpdateUserPool request, defaults filled in."""
    policies = opt_dict(params, "Policies")
    policy = dict(DEFAULT_POLICY)
    policy.update(opt_dict(policies, "PasswordPolicy"))
    mfa = opt_str(params, "MfaConfiguration") or "OFF"
    if mfa not in ("OFF", "ON", "OPTIONAL"):
        raise invalid_parameter(f"Invalid MfaConfiguration: {mfa}")
    protection = opt_str(params, "DeletionProtection") or "INACTIVE"
    if protection not in ("ACTIVE", "INACTIVE"):
        raise invalid_parameter(f"Invalid DeletionProtection: {protection}")
    out: Params = {
        "Policies": {**policies, "PasswordPolicy": policy},
        "LambdaConfig": opt_dict(params, "LambdaConfig"),
        "AutoVerifiedAttributes": opt_list(params, "AutoVerifiedAttributes"),
        "MfaConfiguration": mfa,
        "DeletionProtection": protection,
        "AdminCreateUserConfig": opt_dict(params, "AdminCreateUserConfig")
        or {"AllowAdminCreateUserOnly": False},
    }
    device = opt_dict(params, "DeviceConfiguration")
    if device:
        out["DeviceConfiguration"] = {
            "ChallengeRequiredOnNewDevice": bool(device.get("ChallengeRequiredOnNewDevice", False)),
            "DeviceOnlyRememberedOnUserPrompt": bool(
                device.get("DeviceOnlyRememberedOnUserPrompt", False)
            ),
        }
    for key in _AS_GIVEN:
        if params.get(key) is not None:
            out[key] = params[key]
    return out


def create_pool(ctx: RequestContext, params: Params) -> Params:
    """CreateUserPool as a function (also used by the demo set-up and the test helpers)."""
    emu = ctx.emulator
    name = req_str(params, "PoolName")
    region = emu.config.region
    pool_id = f"{region}_{random_string(9)}"
    now = emu.now()
    pool: Params = {
        "Id": pool_id,
        "Name": name,
        "Arn": f"arn:aws:cognito-idp:{region}:000000000000:userpool/{pool_id}",
        **_settings(params),
        "AliasAttributes": opt_list(params, "AliasAttributes"),
        "UsernameAttributes": opt_list(params, "UsernameAttributes"),
        "UsernameConfiguration": opt_dict(params, "UsernameConfiguration")
        or {"CaseSensitive": False},
        "CreationDate": now,
        "LastModifiedDate": now,
        "EstimatedNumberOfUsers": 0,
    }
    if params.get("Schema") is not None:
        pool["Schema"] = normalize_schema(params["Schema"])
    # Emulator extensions: a fixed answer for the built-in custom-auth trigger, and "BUILTIN"
    # to let CUSTOM_AUTH use the built-in code trigger.
    for key in ("EmulatorCustomAuthAnswer", "EmulatorCustomAuth"):
        value = opt_str(params, key)
        if value:
            pool[key] = value
    # Checked now: a bad setting stored would break every later request with a 500.
    check_pool_settings(pool)
    apply_pool_settings(pool, params)
    emu.store.put("pool", pool_id, pool)
    emu.keys.key(pool_id)  # create the signing key now, so the JWKS is stable from the start
    return pool


@idp("CreateUserPool")
def create_user_pool(ctx: RequestContext, params: Params) -> Params:
    """CreateUserPool."""
    return {"UserPool": public_pool(create_pool(ctx, params))}


@idp("UpdateUserPool")
def update_user_pool(ctx: RequestContext, params: Params) -> Params:
    """UpdateUserPool: what the request leaves out goes back to its default (see the module)."""
    emu = ctx.emulator
    store = emu.store
    with store.transaction():
        old = get_pool(emu, req_str(params, "UserPoolId"))
        pool: Params = {k: old[k] for k in _KEPT if k in old}
        pool.update({k: v for k, v in old.items() if k.startswith(("_", "Emulator"))})
        pool.update(_settings(params))
        name = opt_str(params, "PoolName")
        if name:
            pool["Name"] = name
        pool["LastModifiedDate"] = emu.now()
        check_pool_settings(pool)
        apply_pool_settings(pool, params)
        store.put("pool", pool["Id"], pool)
    return {}


@idp("DescribeUserPool")
def describe_user_pool(ctx: RequestContext, params: Params) -> Params:
    """DescribeUserPool."""
    pool = get_pool(ctx.emulator, req_str(params, "UserPoolId"))
    pool["EstimatedNumberOfUsers"] = len(ctx.emulator.store.scan("user", pool["Id"] + "/"))
    return {"UserPool": public_pool(pool)}


@idp("ListUserPools")
def list_user_pools(ctx: RequestContext, params: Params) -> Params:
    """ListUserPools (no pagination: an emulator holds few pools)."""
    pools = ctx.emulator.store.scan("pool")
    return {
        "UserPools": [
            {
                "Id": p["Id"],
                "Name": p["Name"],
                "LambdaConfig": p.get("LambdaConfig", {}),
                "CreationDate": p["CreationDate"],
                "LastModifiedDate": p["LastModifiedDate"],
            }
            for _k, p in pools
        ]
    }


@idp("DeleteUserPool")
def delete_user_pool(ctx: RequestContext, params: Params) -> Params:
    """DeleteUserPool (and its users, clients stay unusable); refused while DeletionProtection
    is ACTIVE, as Cognito does."""
    pool = get_pool(ctx.emulator, req_str(params, "UserPoolId"))
    if pool.get("DeletionProtection") == "ACTIVE":
        raise invalid_parameter(
            "The user pool cannot be deleted because deletion protection is activated. "
            "Deletion protection must be inactivated first."
        )
    store = ctx.emulator.store
    with store.transaction():
        store.delete("pool", pool["Id"])
        store.delete_prefix("user", pool["Id"] + "/")
        store.delete_prefix("alias", pool["Id"] + "/")
    return {}


def _mfa_config(pool: Params) -> Params:
    out: Params = {
        "MfaConfiguration": pool["MfaConfiguration"],
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
    }
    if pool.get("WebAuthnConfiguration"):
        out["WebAuthnConfiguration"] = pool["WebAuthnConfiguration"]
    if pool.get("EmailMfaConfiguration") is not None:
        out["EmailMfaConfiguration"] = pool["EmailMfaConfiguration"]
    return out


@idp("SetUserPoolMfaConfig")
def set_user_pool_mfa_config(ctx: RequestContext, params: Params) -> Params:
    """SetUserPoolMfaConfig (MfaConfiguration only; SMS and TOTP are always available)."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    mfa = opt_str(params, "MfaConfiguration")
    if mfa:
        if mfa not in ("OFF", "ON", "OPTIONAL"):
            raise invalid_parameter(f"Invalid MfaConfiguration: {mfa}")
        pool["MfaConfiguration"] = mfa
    if params.get("WebAuthnConfiguration") is not None:
        from .ops_passkeys import webauthn_configuration

        pool["WebAuthnConfiguration"] = webauthn_configuration(
            opt_dict(params, "WebAuthnConfiguration")
        )
    apply_email_mfa_config(pool, params)
    emu.store.put("pool", pool["Id"], pool)
    return _mfa_config(pool)


@idp("GetUserPoolMfaConfig")
def get_user_pool_mfa_config(ctx: RequestContext, params: Params) -> Params:
    """GetUserPoolMfaConfig: what SetUserPoolMfaConfig (or CreateUserPool) last set."""
    return _mfa_config(get_pool(ctx.emulator, req_str(params, "UserPoolId")))
