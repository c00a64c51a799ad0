"""Administrative operations (what tests and boto3 use to set pools up)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import string
from typing import Any

from . import codes, existence
from .errors import ServiceError, invalid_parameter, resource_not_found
from .model import (
    attribute_list,
    check_password_policy,
    delete_user_data,
    delivery,
    find_user,
    get_pool,
    mfa_settings,
    new_user,
    public_client,
    require_user,
    revoke_user_origins,
    save_user,
    set_password,
    token_seconds,
    updating_user,
    user_record,
)
from .oauth_settings import oauth_settings
from .pool_settings import apply_client_settings
from .randomness import random_string
from .registry import Params, RequestContext, idp
from .schema import check_attributes
from .settings import check_client_settings, token_validities
from .validation import attribute_list as attr_param
from .validation import opt_bool, opt_int, opt_list, opt_str, req_str


def create_client(ctx: RequestContext, params: Params, existing: Params | None = None) -> Params:
    """CreateUserPoolClient as a function (returns the stored client item); with ``existing``,
    the settings of UpdateUserPoolClient for that client (id, secret and creation date kept)."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    now = emu.now()
    client: Params = {
        "UserPoolId": pool["Id"],
        "ClientName": req_str(params, "ClientName"),
        "ClientId": random_string(26, string.ascii_lowercase + string.digits),
        "LastModifiedDate": now,
        "CreationDate": now,
        **token_validities(params),
        "ExplicitAuthFlows": opt_list(params, "ExplicitAuthFlows")
        or ["ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "PreventUserExistenceErrors": opt_str(params, "PreventUserExistenceErrors") or "LEGACY",
        "EnableTokenRevocation": opt_bool(params, "EnableTokenRevocation", True),
        "AllowedOAuthFlowsUserPoolClient": False,
    }
    for name in ("ReadAttributes", "WriteAttributes"):
        if params.get(name) is not None:
            client[name] = opt_list(params, name)
    if existing is not None:
        for key in ("ClientId", "CreationDate", "ClientSecret"):
            if key in existing:
                client[key] = existing[key]
    elif opt_bool(params, "GenerateSecret"):
        client["ClientSecret"] = random_string(51, string.ascii_lowercase + string.digits)
    client.update(oauth_settings(ctx, pool["Id"], params, "ClientSecret" in client))
    check_client_settings(pool, client)
    token_seconds(client)
    apply_client_settings(client, params)
    emu.store.put("client", client["ClientId"], client)
    return client


@idp("CreateUserPoolClient")
def create_user_pool_client(ctx: RequestContext, params: Params) -> Params:
    """CreateUserPoolClient."""
    return {"UserPoolClient": public_client(create_client(ctx, params))}


@idp("DescribeUserPoolClient")
def describe_user_pool_client(ctx: RequestContext, params: Params) -> Params:
    """DescribeUserPoolClient."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    client_id = req_str(params, "ClientId")
    client = emu.store.get("client", client_id)
    if client is None or client["UserPoolId"] != pool["Id"]:
        raise ServiceError(
            "ResourceNotFoundException", f"User pool client {client_id} does not exist."
        )
    return {"UserPoolClient": public_client(client)}


@idp("AdminCreateUser")
def admin_create_user(ctx: RequestContext, params: Params) -> Params:
    """AdminCreateUser: FORCE_CHANGE_PASSWORD with a temporary password (sent to the outbox)."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    username = req_str(params, "Username")
    attrs = attr_param(params, "UserAttributes")
    check_attributes(pool, attrs)
    action = opt_str(params, "MessageAction")
    force = opt_bool(params, "ForceAliasCreation")
    temp = opt_str(params, "TemporaryPassword")
    with emu.store.transaction():
        existing = find_user(emu, pool, username)
        if action == "RESEND":
            if existing is None:
                raise ServiceError("UserNotFoundException", "User does not exist.")
            user = existing
        else:
            if existing is not None:
                raise ServiceError("UsernameExistsException", "User account already exists")
            if "email" in (pool.get("UsernameAttributes") or []) and "@" in username:
                attrs.setdefault("email", username)
            user = new_user(emu, pool, username, attrs)
        if temp:
            check_password_policy(pool, temp)
        else:
            temp = (
                random_string(4, string.ascii_uppercase)
                + random_string(4, string.ascii_lowercase)
                + random_string(2, string.digits)
                + "!"
                + random_string(3)
            )
        set_password(emu, pool, user, temp)
        user["status"] = "FORCE_CHANGE_PASSWORD"
        user["temp_expires"] = emu.now() + 86400 * int(
            pool["Policies"]["PasswordPolicy"].get("TemporaryPasswordValidityDays", 7)
        )
        save_user(emu, pool, user, force_alias=force)
    if action != "SUPPRESS":
        target = delivery(user)
        emu.deliver(
            pool["Id"],
            user["username"],
            "temporary_password",
            temp,
            target[2] if target else user["username"],
        )
    return {"User": user_record(user)}


@idp("AdminGetUser")
def admin_get_user(ctx: RequestContext, params: Params) -> Params:
    """AdminGetUser."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    user = require_user(emu, pool, req_str(params, "Username"))
    out = {
        "Username": user["username"],
        "UserAttributes": attribute_list(user),
        "UserCreateDate": user["created"],
        "UserLastModifiedDate": user["modified"],
        "Enabled": user["enabled"],
        "UserStatus": user["status"],
    }
    out.update(mfa_settings(user))
    return out


@idp("AdminConfirmSignUp")
def admin_confirm_sign_up(ctx: RequestContext, params: Params) -> Params:
    """AdminConfirmSignUp."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    with updating_user(emu, pool, req_str(params, "Username")) as user:
        if user["status"] != "UNCONFIRMED":
            raise ServiceError(
                "NotAuthorizedException",
                f"User cannot be confirmed. Current status is {user['status']}",
            )
        user["status"] = "CONFIRMED"
    return {}


@idp("AdminSetUserPassword")
def admin_set_user_password(ctx: RequestContext, params: Params) -> Params:
    """AdminSetUserPassword (Permanent -> CONFIRMED, else FORCE_CHANGE_PASSWORD)."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    password = req_str(params, "Password")
    permanent = opt_bool(params, "Permanent")
    check_password_policy(pool, password)
    with updating_user(emu, pool, req_str(params, "Username")) as user:
        set_password(emu, pool, user, password)
        user["status"] = "CONFIRMED" if permanent else "FORCE_CHANGE_PASSWORD"
        user["failed"] = 0
        user["locked_until"] = 0.0
    return {}


@idp("AdminDeleteUser")
def admin_delete_user(ctx: RequestContext, params: Params) -> Params:
    """AdminDeleteUser."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    user = require_user(emu, pool, req_str(params, "Username"))
    delete_user_data(ctx, pool, user)
    return {}


# ListUsers filters on these attributes only (API reference, ListUsers "Filter").
FILTERABLE = (
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
)
_FILTER = re.compile(r'\s*([\w:]+)\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*')


def _filter(expr: str) -> tuple[str, str, str]:
    m = _FILTER.fullmatch(expr)
    if not m:
        raise invalid_parameter(f"Error while parsing filter: {expr}")
    name = m.group(1)
    if name not in FILTERABLE:
        raise invalid_parameter(f"Invalid search attribute: {name}")
    return name, m.group(2), re.sub(r"\\(.)", r"\1", m.group(3))


def _field(user: Params, name: str) -> str:
    if name == "username":
        return str(user["username"])
    if name == "cognito:user_status":
        return str(user["status"]).lower()  # case-insensitive, as documented
    if name == "status":
        return "Enabled" if user.get("enabled", True) else "Disabled"
    return str(user["attributes"].get(name, ""))


def _page_token(emu: Any, pool_id: str, expr: str, start: int) -> str:
    body = base64.urlsafe_b64encode(json.dumps([pool_id, expr, start]).encode()).decode()
    mac = hmac.new(existence.pool_secret(emu, pool_id), body.encode(), hashlib.sha256)
    return f"{body}.{mac.hexdigest()}"


def _page_start(emu: Any, pool_id: str, expr: str, token: str) -> int:
    """The start a PaginationToken this pool issued for this filter names (else refused)."""
    body, _, mac = token.partition(".")
    good = hmac.new(existence.pool_secret(emu, pool_id), body.encode(), hashlib.sha256)
    if not hmac.compare_digest(good.hexdigest().encode(), mac.encode()):
        raise invalid_parameter("Invalid pagination token")
    pool_of, expr_of, start = json.loads(base64.urlsafe_b64decode(body))
    if pool_of != pool_id or expr_of != expr:
        raise invalid_parameter("Invalid pagination token")
    return int(start)


@idp("ListUsers")
def list_users(ctx: RequestContext, params: Params) -> Params:
    """ListUsers with Filter ('attr = "v"' or 'attr ^= "v"' on the documented attributes),
    Limit and PaginationToken (signed: a forged or foreign token is refused)."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    limit = opt_int(params, "Limit") or 60
    if not 0 < limit <= 60:
        raise invalid_parameter("Limit must be between 1 and 60")
    token = opt_str(params, "PaginationToken")
    expr = opt_str(params, "Filter") or ""
    wanted = opt_list(params, "AttributesToGet")
    users = [u for _k, u in emu.store.scan("user", pool["Id"] + "/")]
    if expr:
        name, op, value = _filter(expr)
        if name == "cognito:user_status":
            value = value.lower()
        users = [
            u
            for u in users
            if (_field(u, name) == value if op == "=" else _field(u, name).startswith(value))
        ]
    start = 0 if token is None else _page_start(emu, pool["Id"], expr, token)
    page = users[start : start + limit]
    out_users: list[Any] = []
    for u in page:
        rec = user_record(u)
        if wanted:
            rec["Attributes"] = [a for a in rec["Attributes"] if a["Name"] in wanted]
        out_users.append(rec)
    out: Params = {"Users": out_users}
    if start + limit < len(users):
        out["PaginationToken"] = _page_token(emu, pool["Id"], expr, start + limit)
    return out


def _set_enabled(ctx: RequestContext, params: Params, enabled: bool) -> Params:
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    with updating_user(emu, pool, req_str(params, "Username")) as user:
        user["enabled"] = enabled
    return {}


@idp("AdminDisableUser")
def admin_disable_user(ctx: RequestContext, params: Params) -> Params:
    """AdminDisableUser: sign-in and token use answer 'User is disabled.'."""
    return _set_enabled(ctx, params, False)


@idp("AdminEnableUser")
def admin_enable_user(ctx: RequestContext, params: Params) -> Params:
    """AdminEnableUser."""
    return _set_enabled(ctx, params, True)


@idp("AdminUserGlobalSignOut")
def admin_user_global_sign_out(ctx: RequestContext, params: Params) -> Params:
    """AdminUserGlobalSignOut: revoke every session of the user."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    user = require_user(emu, pool, req_str(params, "Username"))
    revoke_user_origins(ctx, pool, user)
    return {}


@idp("AdminUpdateUserAttributes")
def admin_update_user_attributes(ctx: RequestContext, params: Params) -> Params:
    """AdminUpdateUserAttributes: an administrator may also set ``*_verified``; a changed
    email/phone becomes unverified unless the same request verifies it."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    attrs = attr_param(params, "UserAttributes")
    check_attributes(pool, attrs)
    with updating_user(emu, pool, req_str(params, "Username")) as user:
        for name, value in attrs.items():
            changed = user["attributes"].get(name) != value
            user["attributes"][name] = value
            if name in ("email", "phone_number") and changed:
                verified = attrs.get(f"{name}_verified", "false")
                user["attributes"][f"{name}_verified"] = verified
    return {}


@idp("AdminResetUserPassword")
def admin_reset_user_password(ctx: RequestContext, params: Params) -> Params:
    """AdminResetUserPassword: the password stops working (sign-in answers
    PasswordResetRequiredException) and a reset code goes out for ConfirmForgotPassword."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    with updating_user(emu, pool, req_str(params, "Username")) as user:
        target = delivery(user)
        if target is None:
            raise invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email "
                "or phone_number"
            )
        if user["status"] != "UNCONFIRMED":
            user["status"] = "RESET_REQUIRED"
    codes.issue_code(emu, pool["Id"], user["username"], "forgot_password", target[2])
    return {}


@idp("UpdateUserPoolClient")
def update_user_pool_client(ctx: RequestContext, params: Params) -> Params:
    """UpdateUserPoolClient: every setting not given returns to its default."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    client_id = req_str(params, "ClientId")
    existing = emu.store.get("client", client_id)
    if existing is None or existing["UserPoolId"] != pool["Id"]:
        raise resource_not_found(f"User pool client {client_id} does not exist.")
    fresh = dict(params)
    fresh.setdefault("ClientName", existing["ClientName"])
    client = create_client(ctx, fresh, existing=existing)
    return {"UserPoolClient": public_client(client)}
