"""Sign-up, the user's own profile, passwords and sign-out."""

from __future__ import annotations

import hmac

from . import codes, existence
from .access import caller
from .errors import (
    ServiceError,
    code_mismatch,
    invalid_parameter,
    not_authorized,
    user_not_found,
)
from .model import (
    attribute_list,
    check_password_policy,
    check_secret_hash,
    client_from_params,
    delete_user_data,
    delivery,
    delivery_details,
    find_user,
    mfa_settings,
    new_user,
    password_matches,
    require_user,
    revoke_origin,
    revoke_user_origins,
    save_user,
    set_password,
    updating_user,
)
from .passwordless import auto_sign_in_session
from .registry import Params, RequestContext, idp
from .schema import check_attributes, check_required, readable
from .validation import attribute_list as attr_param
from .validation import opt_bool, opt_list, opt_str, req_str


def _auto_verify_target(pool: Params, user: Params) -> tuple[str, str, str] | None:
    auto = pool.get("AutoVerifiedAttributes") or []
    attrs = user["attributes"]
    for attr in ("email", "phone_number"):
        if attr in auto and attrs.get(attr):
            return ("EMAIL" if attr == "email" else "SMS", attr, attrs[attr])
    return None


def _client_request(
    ctx: RequestContext, params: Params, *names: str
) -> tuple[Params, Params, list[str]]:
    """The pool and app client of the request, and Username then the required string
    parameters ``names`` (read in that order), after the SecretHash check on the username."""
    pool, client = client_from_params(ctx, params)
    values = [req_str(params, name) for name in ("Username", *names)]
    check_secret_hash(client, values[0], opt_str(params, "SecretHash"))
    return pool, client, values


def _account_user(ctx: RequestContext, pool: Params, client: Params, name: str) -> Params | None:
    """The user, or None when unknown and the client hides user existence (else
    UserNotFoundException)."""
    user = find_user(ctx.emulator, pool, name)
    if user is None and not existence.prevents(client):
        raise user_not_found()
    return user


def _client_of(ctx: RequestContext, claims: Params) -> Params | None:
    return ctx.emulator.store.get("client", str(claims.get("client_id", "")))


@idp("SignUp")
def sign_up(ctx: RequestContext, params: Params) -> Params:
    """SignUp: the password becomes a salt + verifier; a code goes to the outbox; the answer's
    Session signs the user in once confirmed (USER_AUTH, auto sign-in)."""
    emu = ctx.emulator
    pool, client, (username, password) = _client_request(ctx, params, "Password")
    attrs = attr_param(params, "UserAttributes")
    attr_param(params, "ValidationData")
    check_attributes(pool, attrs, client)
    if (pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"):
        raise not_authorized("SignUp is not permitted for this user pool")
    username_attrs = pool.get("UsernameAttributes") or []
    if username_attrs:
        if "@" in username and "email" in username_attrs:
            attrs["email"] = username
        elif username.startswith("+") and "phone_number" in username_attrs:
            attrs["phone_number"] = username
        else:
            raise invalid_parameter("Username should be either an email or a phone number.")
    check_required(pool, attrs)
    check_password_policy(pool, password)
    with emu.store.transaction():
        if find_user(emu, pool, username) is not None:
            raise ServiceError("UsernameExistsException", "User already exists")
        # With email/phone as username the stored username is a generated id (like Cognito).
        user = new_user(emu, pool, username, attrs)
        for name in ("email", "phone_number"):  # unverified until a code confirms it
            if user["attributes"].get(name):
                user["attributes"][f"{name}_verified"] = "false"
        if username_attrs:
            user["username"] = user["attributes"]["sub"]
        set_password(emu, pool, user, password)
        save_user(emu, pool, user)
    out: Params = {"UserConfirmed": False, "UserSub": user["attributes"]["sub"]}
    # Passed to ConfirmSignUp, or straight to InitiateAuth USER_AUTH once the user is confirmed.
    out["Session"] = auto_sign_in_session(ctx, pool, client, user)
    target = _auto_verify_target(pool, user)
    if target:
        codes.issue_code(emu, pool["Id"], user["username"], "signup", target[2])
        out["CodeDeliveryDetails"] = delivery_details(*target)
    return out


@idp("ConfirmSignUp")
def confirm_sign_up(ctx: RequestContext, params: Params) -> Params:
    """ConfirmSignUp with the outbox code; the answer's Session signs the user in once
    (InitiateAuth USER_AUTH, auto sign-in)."""
    emu = ctx.emulator
    pool, client, (name, code) = _client_request(ctx, params, "ConfirmationCode")
    force = opt_bool(params, "ForceAliasCreation")
    opt_str(params, "Session")  # SignUp's Session may come back here; this answer gives a new one
    user = _account_user(ctx, pool, client, name)
    if user is None:
        raise code_mismatch()
    if user["status"] != "UNCONFIRMED":
        raise not_authorized(f"User cannot be confirmed. Current status is {user['status']}")
    codes.check_code(emu, pool["Id"], user["username"], "signup", code)
    with emu.store.transaction():
        user = require_user(emu, pool, user["username"])
        user["status"] = "CONFIRMED"
        target = _auto_verify_target(pool, user)
        if target:
            user["attributes"][f"{target[1]}_verified"] = "true"
        save_user(emu, pool, user, force_alias=force)
    return {"Session": auto_sign_in_session(ctx, pool, client, user)}


@idp("ResendConfirmationCode")
def resend_confirmation_code(ctx: RequestContext, params: Params) -> Params:
    """ResendConfirmationCode."""
    emu = ctx.emulator
    pool, client, (name,) = _client_request(ctx, params)
    user = _account_user(ctx, pool, client, name)
    codes.throttle(emu, pool["Id"], user["username"] if user else f"?{name.lower()}", "signup")
    if user is None:
        return {"CodeDeliveryDetails": existence.simulated_delivery(emu, pool, name)}
    if user["status"] != "UNCONFIRMED":
        raise invalid_parameter("User is already confirmed.")
    target = _auto_verify_target(pool, user) or delivery(user)
    if target is None:
        raise invalid_parameter("No email or phone_number to send the code to.")
    codes.issue_code(emu, pool["Id"], user["username"], "signup", target[2])
    return {"CodeDeliveryDetails": delivery_details(*target)}


@idp("ForgotPassword")
def forgot_password(ctx: RequestContext, params: Params) -> Params:
    """ForgotPassword: a code to the user's email (or phone)."""
    emu = ctx.emulator
    pool, client, (name,) = _client_request(ctx, params)
    user = _account_user(ctx, pool, client, name)
    key = user["username"] if user else f"?{name.lower()}"
    codes.throttle(emu, pool["Id"], key, "forgot_password")
    if user is None:
        return {"CodeDeliveryDetails": existence.simulated_delivery(emu, pool, name)}
    target = delivery(user)
    if target is None:
        raise invalid_parameter(
            "Cannot reset password for the user as there is no registered/verified email or "
            "phone_number"
        )
    codes.issue_code(emu, pool["Id"], user["username"], "forgot_password", target[2])
    return {"CodeDeliveryDetails": delivery_details(*target)}


@idp("ConfirmForgotPassword")
def confirm_forgot_password(ctx: RequestContext, params: Params) -> Params:
    """ConfirmForgotPassword: code check, policy check, new verifier."""
    emu = ctx.emulator
    pool, client, (name, code, password) = _client_request(
        ctx, params, "ConfirmationCode", "Password"
    )
    user = _account_user(ctx, pool, client, name)
    if user is None:
        raise code_mismatch()
    check_password_policy(pool, password)
    codes.check_code(emu, pool["Id"], user["username"], "forgot_password", code)
    with updating_user(emu, pool, name) as user:
        set_password(emu, pool, user, password)
        if user["status"] in ("RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"):
            user["status"] = "CONFIRMED"
        user["failed"] = 0
        user["locked_until"] = 0.0
    return {}


@idp("GetUser")
def get_user(ctx: RequestContext, params: Params) -> Params:
    """GetUser."""
    _pool, user, claims = caller(ctx, params)
    shown = {**user, "attributes": readable(_client_of(ctx, claims), user["attributes"])}
    out: Params = {"Username": user["username"], "UserAttributes": attribute_list(shown)}
    out.update(mfa_settings(user))
    return out


@idp("UpdateUserAttributes")
def update_user_attributes(ctx: RequestContext, params: Params) -> Params:
    """UpdateUserAttributes: a changed email/phone becomes unverified and gets a code."""
    emu = ctx.emulator
    pool, user, claims = caller(ctx, params)
    attrs = attr_param(params, "UserAttributes")
    check_attributes(pool, attrs, _client_of(ctx, claims) or {})
    details = []
    with emu.store.transaction():
        for name, value in attrs.items():
            changed = user["attributes"].get(name) != value
            user["attributes"][name] = value
            if name in ("email", "phone_number") and changed:
                user["attributes"][f"{name}_verified"] = "false"
                if name in (pool.get("AutoVerifiedAttributes") or []):
                    medium = "EMAIL" if name == "email" else "SMS"
                    codes.issue_code(emu, pool["Id"], user["username"], f"verify_{name}", value)
                    details.append(delivery_details(medium, name, value))
        save_user(emu, pool, user)
    return {"CodeDeliveryDetailsList": details} if details else {}


@idp("DeleteUserAttributes")
def delete_user_attributes(ctx: RequestContext, params: Params) -> Params:
    """DeleteUserAttributes."""
    emu = ctx.emulator
    pool, user, _claims = caller(ctx, params)
    names = opt_list(params, "UserAttributeNames")
    if not names:
        raise invalid_parameter(
            "1 validation error detected: Value null at 'userAttributeNames' failed to satisfy "
            "constraint: Member must not be null"
        )
    for name in names:
        if not isinstance(name, str):
            raise invalid_parameter("UserAttributeNames must be strings")
        if name == "sub":
            raise invalid_parameter("Cannot modify an immutable attribute: sub")
    with emu.store.transaction():
        for name in names:
            user["attributes"].pop(name, None)
            if name in ("email", "phone_number"):
                user["attributes"].pop(f"{name}_verified", None)
        save_user(emu, pool, user)
    return {}


@idp("GetUserAttributeVerificationCode")
def get_user_attribute_verification_code(ctx: RequestContext, params: Params) -> Params:
    """GetUserAttributeVerificationCode (email or phone_number)."""
    emu = ctx.emulator
    pool, user, _claims = caller(ctx, params)
    name = req_str(params, "AttributeName")
    value = user["attributes"].get(name)
    if name not in ("email", "phone_number") or not value:
        raise invalid_parameter(f"Invalid attribute name: {name}")
    codes.issue_code(emu, pool["Id"], user["username"], f"verify_{name}", value)
    medium = "EMAIL" if name == "email" else "SMS"
    return {"CodeDeliveryDetails": delivery_details(medium, name, value)}


@idp("VerifyUserAttribute")
def verify_user_attribute(ctx: RequestContext, params: Params) -> Params:
    """VerifyUserAttribute with the code from the outbox."""
    emu = ctx.emulator
    pool, user, _claims = caller(ctx, params)
    name = req_str(params, "AttributeName")
    code = req_str(params, "Code")
    codes.check_code(emu, pool["Id"], user["username"], f"verify_{name}", code)
    with updating_user(emu, pool, user["username"]) as user:
        user["attributes"][f"{name}_verified"] = "true"
    return {}


@idp("ChangePassword")
def change_password(ctx: RequestContext, params: Params) -> Params:
    """ChangePassword: the previous password is checked against the verifier."""
    emu = ctx.emulator
    pool, user, _claims = caller(ctx, params)
    previous = req_str(params, "PreviousPassword")
    proposed = req_str(params, "ProposedPassword")
    if not password_matches(emu, pool, user, previous):
        raise not_authorized("Incorrect username or password.")
    check_password_policy(pool, proposed)
    with updating_user(emu, pool, user["username"]) as user:
        set_password(emu, pool, user, proposed)
    return {}


@idp("DeleteUser")
def delete_user(ctx: RequestContext, params: Params) -> Params:
    """DeleteUser (the caller deletes itself)."""
    pool, user, _claims = caller(ctx, params)
    delete_user_data(ctx, pool, user)
    return {}


@idp("GlobalSignOut")
def global_sign_out(ctx: RequestContext, params: Params) -> Params:
    """GlobalSignOut: every access and refresh token of the user stops working."""
    pool, user, _claims = caller(ctx, params)
    revoke_user_origins(ctx, pool, user)
    return {}


@idp("RevokeToken")
def revoke_token(ctx: RequestContext, params: Params) -> Params:
    """RevokeToken: a refresh token and the access tokens issued from it."""
    emu = ctx.emulator
    token = req_str(params, "Token")
    _pool, client = client_from_params(ctx, params)
    secret = opt_str(params, "ClientSecret")
    expected = str(client.get("ClientSecret") or "")
    # Constant time: a timing side channel must not reveal the secret byte by byte.
    if expected and not hmac.compare_digest((secret or "").encode(), expected.encode()):
        raise not_authorized("Client secret is invalid")
    if not client.get("EnableTokenRevocation", True):
        raise ServiceError("UnsupportedOperationException", "Token revocation is not enabled")
    if token.count(".") == 2:
        raise ServiceError("UnsupportedTokenTypeException", "Unsupported token type")
    refresh = emu.store.get("refresh", token)
    if refresh is None:
        return {}
    if refresh["client_id"] != client["ClientId"]:
        raise not_authorized("Invalid token")
    with emu.store.transaction():
        revoke_origin(ctx, refresh["origin_jti"])
    return {}
