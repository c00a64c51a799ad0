"""InitiateAuth and RespondToAuthChallenge: dispatch through the flow and challenge tables.

Primary authentication (SRP, password, custom triggers) -> NEW_PASSWORD_REQUIRED when the user
was created by an admin -> DEVICE_SRP_AUTH for a remembered device -> MFA (SMS, TOTP, email,
SELECT_MFA_TYPE, MFA_SETUP) -> tokens (+ NewDeviceMetadata when the pool tracks devices).
The shared steps and the tables (:data:`signin.AUTH_FLOWS`, :data:`signin.CHALLENGES`) live in
``signin``; this module registers the password flows, refresh and the MFA answers.
"""

from __future__ import annotations

from . import codes, existence, sessions
from .auth_custom import custom_next
from .errors import (
    ServiceError,
    invalid_parameter,
    not_authorized,
    resource_not_found,
    user_not_found,
)
from .model import (
    check_flow,
    check_password_policy,
    check_secret_hash,
    client_from_params,
    find_user,
    owned_device,
    password_matches,
    pool_name,
    require_user,
    set_password,
    updating_user,
)
from .registry import Params, RequestContext, idp
from .schema import check_attributes, check_password_text, required_names
from .signin import (
    AUTH_FLOWS,
    CHALLENGES,
    INCORRECT,
    Answer,
    FlowRequest,
    Item,
    Turn,
    after_primary,
    auth_flow,
    challenge,
    check_lock,
    checked_password,
    claim_session,
    enabled_mfas,
    finish,
    mfa_challenge,
    new_state,
    parse_a,
    password_verifier_challenge,
    sessionless_challenge,
    user_after_auth_checks,
    verify_claim,
)
from .tokens import issue_tokens
from .validation import need, opt_str, req_str, str_map

# ---------------------------------------------------------------- operations


def _initiate(ctx: RequestContext, params: Params, admin: bool) -> Params:
    pool, client = client_from_params(ctx, params)
    flow = req_str(params, "AuthFlow")
    ap = str_map(params, "AuthParameters")
    meta = str_map(params, "ClientMetadata")
    entry = AUTH_FLOWS.get(flow)
    if entry is not None and entry.admin_only and not admin:
        raise invalid_parameter(
            f"Initiate Auth method not supported: {flow} (use AdminInitiateAuth)"
        )
    if entry is None:
        raise invalid_parameter(
            f"1 validation error detected: Value '{flow}' at 'authFlow' failed to satisfy"
            " constraint: Member must satisfy enum value set: [USER_SRP_AUTH,"
            " REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, USER_PASSWORD_AUTH]"
        )
    check_flow(client, entry.client_flag)
    return entry.handler(FlowRequest(ctx, pool, client, params, ap, meta))


@idp("InitiateAuth")
def initiate_auth(ctx: RequestContext, params: Params) -> Params:
    """InitiateAuth: any flow of the table that AdminInitiateAuth alone may not start."""
    return _initiate(ctx, params, admin=False)


@idp("AdminInitiateAuth")
def admin_initiate_auth(ctx: RequestContext, params: Params) -> Params:
    """AdminInitiateAuth: ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH (password checked against
    the verifier, no client flow flag needed beyond ALLOW_ADMIN_USER_PASSWORD_AUTH), or any
    InitiateAuth flow."""
    _pool, client = client_from_params(ctx, params)
    if client["UserPoolId"] != req_str(params, "UserPoolId"):
        raise invalid_parameter("ClientId does not belong to UserPoolId")
    return _initiate(ctx, params, admin=True)


@idp("RespondToAuthChallenge")
def respond_to_auth_challenge(ctx: RequestContext, params: Params) -> Params:
    """RespondToAuthChallenge for every challenge of the table."""
    emu = ctx.emulator
    pool, client = client_from_params(ctx, params)
    name = req_str(params, "ChallengeName")
    responses = str_map(params, "ChallengeResponses")
    session_id = opt_str(params, "Session")
    if "USERNAME" in responses:
        check_secret_hash(client, responses["USERNAME"], responses.get("SECRET_HASH"))
    entry = CHALLENGES.get(name)
    if entry is None:
        raise invalid_parameter(f"Unsupported challenge: {name}")
    if entry.answer is not None:
        return entry.answer(Answer(ctx, pool, client, session_id, responses))
    assert entry.turn is not None
    if not session_id:
        raise invalid_parameter("Missing required parameter Session")
    state = sessions.take(emu, session_id, client["ClientId"], name)
    user = state.get("fake_user") or find_user(emu, pool, state["username"])
    if user is None:
        raise user_not_found()
    given = responses.get("USERNAME")
    if given is not None:
        if state.get("fake_user"):
            named: Item | None = user if given.lower() == user["username"].lower() else None
        else:
            named = find_user(emu, pool, given)
        if named is None or named["username"] != user["username"]:
            raise not_authorized("Invalid session for the user.")
    return entry.turn(Turn(ctx, pool, client, user, state, session_id, responses))


@idp("AdminRespondToAuthChallenge")
def admin_respond_to_auth_challenge(ctx: RequestContext, params: Params) -> Params:
    """AdminRespondToAuthChallenge: RespondToAuthChallenge with the pool named."""
    _pool, client = client_from_params(ctx, params)
    if client["UserPoolId"] != req_str(params, "UserPoolId"):
        raise invalid_parameter("ClientId does not belong to UserPoolId")
    return respond_to_auth_challenge(ctx, params)


# ---------------------------------------------------------------- flows


def _find_for_sign_in(req: FlowRequest) -> tuple[str, Item | None]:
    """USERNAME and its user, after the secret hash check (which depends on the username
    only, so it answers alike for unknown users); UserNotFoundException for an unknown user
    unless the client hides user existence (then None)."""
    ap = req.auth_parameters
    username = need(ap, "USERNAME")
    check_secret_hash(req.client, username, ap.get("SECRET_HASH"))
    user = find_user(req.ctx.emulator, req.pool, username)
    if user is None and not existence.prevents(req.client):
        raise user_not_found()
    return username, user


@auth_flow("USER_SRP_AUTH")
def start_user_srp(req: FlowRequest) -> Params:
    """USER_SRP_AUTH: SRP_A in, PASSWORD_VERIFIER out."""
    ctx, pool, client, ap = req.ctx, req.pool, req.client, req.auth_parameters
    emu = ctx.emulator
    need(ap, "USERNAME")
    large_a = parse_a(need(ap, "SRP_A"))
    username, user = _find_for_sign_in(req)
    if user is None:
        # Answer like for a real user (stable salt, one modexp); the verifier step then fails.
        fake = existence.fake_user(emu, pool, username)
        state = new_state(pool, client, fake, req.meta)
        state["fake"] = True
        return password_verifier_challenge(ctx, state, large_a, fake)
    check_lock(emu, user)
    if not user.get("verifier"):
        raise not_authorized(INCORRECT)
    state = new_state(pool, client, user, req.meta, ap.get("DEVICE_KEY"))
    return password_verifier_challenge(ctx, state, large_a, user)


@auth_flow("USER_PASSWORD_AUTH")
def start_password_auth(req: FlowRequest) -> Params:
    """USER_PASSWORD_AUTH: the password is checked against the verifier."""
    return password_auth(req)


@auth_flow("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", admin_only=True)
def password_auth(req: FlowRequest) -> Params:
    """USER_PASSWORD_AUTH and its admin forms."""
    ctx, pool, client, ap = req.ctx, req.pool, req.client, req.auth_parameters
    emu = ctx.emulator
    password = need(ap, "PASSWORD")
    check_password_text(password)
    username, user = _find_for_sign_in(req)
    if user is None:
        # The same password check as for a real user, so that the time taken tells nothing.
        password_matches(emu, pool, existence.fake_user(emu, pool, username), password)
        raise not_authorized(INCORRECT)
    check_lock(emu, user)
    user = checked_password(
        emu, pool, user["username"], lambda fresh: password_matches(emu, pool, fresh, password)
    )
    user_after_auth_checks(emu, user)
    state = new_state(pool, client, user, req.meta, ap.get("DEVICE_KEY"))
    return after_primary(ctx, pool, client, user, state)


@auth_flow("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
def refresh(req: FlowRequest) -> Params:
    """REFRESH_TOKEN_AUTH: new access and ID tokens for a live refresh token."""
    ctx, pool, client, ap = req.ctx, req.pool, req.client, req.auth_parameters
    emu = ctx.emulator
    token = need(ap, "REFRESH_TOKEN")
    record = emu.store.get("refresh", token)
    if record is None or record["client_id"] != client["ClientId"]:
        raise not_authorized("Invalid Refresh Token")
    if record["expires"] <= emu.now():
        raise not_authorized("Refresh Token has expired")
    origin = emu.store.get("origin", record["origin_jti"])
    if origin is None or origin.get("revoked"):
        raise not_authorized("Refresh Token has been revoked")
    user = find_user(emu, pool, record["username"])
    if user is None or user["attributes"]["sub"] != record["sub"]:
        raise not_authorized("User does not exist.")
    if ap.get("SECRET_HASH") or client.get("ClientSecret"):
        check_secret_hash(client, ap.get("USERNAME") or user["username"], ap.get("SECRET_HASH"))
    if not user.get("enabled", True):
        raise not_authorized("User is disabled.")
    result = issue_tokens(
        ctx,
        pool,
        client,
        user,
        auth_time=int(record["auth_time"]),
        origin_jti=record["origin_jti"],
        device_key=record.get("device_key"),
        refresh_token=None,
    )
    return {"AuthenticationResult": result, "ChallengeParameters": {}}


# ---------------------------------------------------------------- challenges


@sessionless_challenge("PASSWORD_VERIFIER")
def respond_password_verifier(answer: Answer) -> Params:
    """PASSWORD_VERIFIER: the SRP claim; its session is named by the secret block."""
    ctx, pool, client, responses = answer.ctx, answer.pool, answer.client, answer.responses
    emu = ctx.emulator
    block_session = claim_session(answer.session_id, responses)
    peeked = sessions.peek(emu, block_session)
    device_key = responses.get("DEVICE_KEY")
    if device_key:
        # A stand-in user has no devices: the same answer as an unknown device of a real one.
        known = None
        if not peeked.get("fake"):
            known = owned_device(emu, pool, require_user(emu, pool, peeked["username"]), device_key)
        if known is None:
            # Not using up the session: the JS SDK retries the same answer without DEVICE_KEY.
            raise resource_not_found("Device does not exist.")
    state = sessions.take(emu, block_session, client["ClientId"], "PASSWORD_VERIFIER")
    name = need(responses, "USERNAME")
    if name.lower() != str(state["username"]).lower():
        raise not_authorized(INCORRECT)
    if state.get("fake"):
        # The same signature check as for a real user, then the same answer.
        verify_claim(ctx, state, responses, pool_name(pool["Id"]), state["username"])
        raise not_authorized(INCORRECT)
    user = checked_password(
        emu,
        pool,
        state["username"],
        lambda fresh: verify_claim(ctx, state, responses, pool_name(pool["Id"]), fresh["username"]),
    )
    if state.get("custom") is not None:
        state["custom"].append(
            {"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": ""}
        )
    user_after_auth_checks(emu, user)
    if device_key:
        state["device_key"] = device_key
    if state.get("custom") is not None:
        return custom_next(ctx, pool, client, user, state)
    return after_primary(ctx, pool, client, user, state)


@challenge("SMS_MFA")
@challenge("EMAIL_OTP")
def respond_code(turn: Turn) -> Params:
    """SMS_MFA / EMAIL_OTP: the code sent to the user."""
    emu = turn.ctx.emulator
    if turn.state["challenge"] == "SMS_MFA":
        key, kind = "SMS_MFA_CODE", "sms_mfa"
    else:
        key, kind = "EMAIL_OTP_CODE", "email_mfa"
    code = need(turn.responses, key)
    try:
        codes.check_code(emu, turn.pool["Id"], turn.user["username"], kind, code)
    except ServiceError as err:
        if err.name == "CodeMismatchException":
            sessions.restore(emu, turn.session_id, turn.state)  # a typo may be retried
        raise
    return finish(turn.ctx, turn.pool, turn.client, turn.user, turn.state)


@challenge("SOFTWARE_TOKEN_MFA")
def respond_totp(turn: Turn) -> Params:
    """SOFTWARE_TOKEN_MFA: a TOTP code of the user's authenticator."""
    emu = turn.ctx.emulator
    state = turn.state
    code = need(turn.responses, "SOFTWARE_TOKEN_MFA_CODE")
    secret = turn.user.get("totp_secret")
    if not codes.use_totp(emu, turn.pool["Id"], turn.user["username"], secret, code):
        state["totp_attempts"] = int(state.get("totp_attempts", 0)) + 1
        if state["totp_attempts"] < 5:
            sessions.restore(emu, turn.session_id, state)
        raise ServiceError("CodeMismatchException", "Invalid code received for user")
    return finish(turn.ctx, turn.pool, turn.client, turn.user, state)


@challenge("SELECT_MFA_TYPE")
def respond_select(turn: Turn) -> Params:
    """SELECT_MFA_TYPE: the chosen kind's challenge."""
    answer = need(turn.responses, "ANSWER")
    if answer not in enabled_mfas(turn.user):
        raise invalid_parameter(f"Invalid MFA type: {answer}")
    return mfa_challenge(turn.ctx, turn.pool, turn.user, turn.state, answer)


@challenge("MFA_SETUP")
def respond_mfa_setup(turn: Turn) -> Params:
    """MFA_SETUP: answered once VerifySoftwareToken verified the new TOTP secret."""
    if not turn.state.get("totp_verified"):
        raise not_authorized("Software token MFA is not verified: call VerifySoftwareToken first")
    return finish(turn.ctx, turn.pool, turn.client, turn.user, turn.state)


@challenge("NEW_PASSWORD_REQUIRED")
def respond_new_password(turn: Turn) -> Params:
    """NEW_PASSWORD_REQUIRED: the new password and the required attributes."""
    emu = turn.ctx.emulator
    pool = turn.pool
    password = need(turn.responses, "NEW_PASSWORD")
    check_password_policy(pool, password)
    attrs = {
        k[len("userAttributes.") :]: v
        for k, v in turn.responses.items()
        if k.startswith("userAttributes.")
    }
    check_attributes(pool, attrs, turn.client)
    for name in required_names(pool):
        if not turn.user["attributes"].get(name) and not attrs.get(name):
            raise invalid_parameter(f"Invalid attributes given, {name} is missing")
    with updating_user(emu, pool, turn.user["username"]) as fresh:
        set_password(emu, pool, fresh, password)
        fresh["status"] = "CONFIRMED"
        fresh.pop("temp_expires", None)
        fresh["attributes"].update(attrs)
    return after_primary(turn.ctx, pool, turn.client, fresh, turn.state)
