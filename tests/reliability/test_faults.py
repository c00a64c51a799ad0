"""Fault injection around every CognitoUser / CognitoUserPool flow against the emulator.

For each flow a clean run first counts its requests; then each fault is injected (once, or
from one request on) and the outcome must be a success, or a typed CognitoError with a short,
clear message; the storage must hold only whole single-user sessions afterwards.
The default run injects every fault once per flow at a rotating request index; the long run
(``build.py test --long``) injects every fault at every request index of every flow.
"""

from __future__ import annotations

import json
import secrets
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pyotp
import pytest
from faulty import (
    ALL_FAULTS,
    DROP_AFTER,
    HUGE,
    NOT_JSON,
    TIMEOUT_AFTER,
    TRUNCATED,
    WRONG_TYPE,
    Fault,
    FaultyTransport,
)
from reliability_helpers import PASSWORD, Env, check_storage, new_env, sign_in

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoUser,
    CognitoUserAttribute,
    CognitoUserPool,
    CognitoUserSession,
    MemoryStorage,
    UrllibTransport,
)
from amazon_cognito_identity.challenges import Challenge
from amazon_cognito_identity.errors import (
    CognitoError,
    InternalErrorException,
    InvalidResponseError,
    NetworkError,
    RequestTimeoutError,
    TooManyRequestsException,
)

State = dict[str, Any]
Setup = Callable[[Env, CognitoUserPool], Awaitable[State]]
Act = Callable[[Env, CognitoUserPool, State], Awaitable[Any]]

# The typed error each fault must surface as when it does not go away.
EXPECTED: dict[str, type[CognitoError]] = {
    "drop_before_send": NetworkError,
    "drop_after_send": NetworkError,
    "timeout": RequestTimeoutError,
    "timeout_after_send": RequestTimeoutError,
    "http_500": InternalErrorException,
    "http_503_html": InvalidResponseError,
    "throttling": TooManyRequestsException,
    "truncated_body": InvalidResponseError,
    "non_json_200": InvalidResponseError,
    "html_error_page": InvalidResponseError,
    "huge_body": InvalidResponseError,
    "empty_500": InvalidResponseError,
}


@dataclass
class Flow:
    """A flow: ``setup`` on a clean pool, ``act`` (under test) on the faulty one.

    ``best_effort``: operations whose failure the SDK is documented to swallow (the flow
    still succeeds): ConfirmDevice during sign-in.
    """

    name: str
    act: Act
    setup: Setup | None = None
    pool: dict[str, Any] = field(default_factory=dict)
    best_effort: frozenset[str] = frozenset()


def _attrs(**values: str) -> list[CognitoUserAttribute]:
    return [CognitoUserAttribute(k, v) for k, v in values.items()]


async def _signed_in(env: Env, pool: CognitoUserPool) -> State:
    name = env.user()
    await sign_in(pool, name)
    return {"username": name}


async def _user(pool: CognitoUserPool, state: State) -> CognitoUser:
    """The faulty-pool user, session read back from the shared storage (no request)."""
    user = CognitoUser(state["username"], pool)
    await user.get_session()
    return user


def _authed(method: str, *args: Any) -> Act:
    async def act(env: Env, pool: CognitoUserPool, state: State) -> Any:
        user = await _user(pool, state)
        return await getattr(user, method)(*args)

    return act


# ---- account flows ---------------------------------------------------------------------


async def setup_new_name(env: Env, pool: CognitoUserPool) -> State:
    return {"username": f"new{secrets.token_hex(4)}"}


async def act_sign_up(env: Env, pool: CognitoUserPool, state: State) -> Any:
    name = state["username"]
    return await pool.sign_up(name, PASSWORD, _attrs(email=f"{name}@example.com"))


async def setup_signed_up(env: Env, pool: CognitoUserPool) -> State:
    name = f"pending{secrets.token_hex(4)}"
    await pool.sign_up(name, PASSWORD, _attrs(email=f"{name}@example.com"))
    return {"username": name, "code": env.code(name, kind="signup")}


async def act_confirm(env: Env, pool: CognitoUserPool, state: State) -> Any:
    return await CognitoUser(state["username"], pool).confirm_registration(state["code"])


async def act_resend(env: Env, pool: CognitoUserPool, state: State) -> Any:
    return await CognitoUser(state["username"], pool).resend_confirmation_code()


async def setup_plain_user(env: Env, pool: CognitoUserPool) -> State:
    return {"username": env.user()}


async def act_forgot(env: Env, pool: CognitoUserPool, state: State) -> Any:
    return await CognitoUser(state["username"], pool).forgot_password()


async def setup_forgot(env: Env, pool: CognitoUserPool) -> State:
    name = env.user()
    await CognitoUser(name, pool).forgot_password()
    return {"username": name, "code": env.code(name, kind="forgot_password")}


async def act_confirm_password(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = CognitoUser(state["username"], pool)
    return await user.confirm_password(state["code"], "N3w-Passw0rd!")


# ---- sign-in flows ---------------------------------------------------------------------


async def act_srp(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = CognitoUser(state["username"], pool)
    return await user.authenticate_user(AuthenticationDetails(state["username"], PASSWORD))


async def act_password_auth(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = CognitoUser(state["username"], pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    return await user.authenticate_user(AuthenticationDetails(state["username"], PASSWORD))


async def act_custom(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = CognitoUser(state["username"], pool)
    user.set_authentication_flow_type("CUSTOM_AUTH")
    result = await user.authenticate_user(AuthenticationDetails(state["username"], PASSWORD))
    assert isinstance(result, Challenge) and result.name == "CUSTOM_CHALLENGE", result
    return await user.send_custom_challenge_answer("open-sesame")


async def setup_sms_user(env: Env, pool: CognitoUserPool) -> State:
    name = env.user(phone_number="+15555550100")
    user = await sign_in(pool, name)
    await user.set_user_mfa_preference({"Enabled": True, "PreferredMfa": True}, None)
    await user.sign_out()
    return {"username": name}


async def act_sms_mfa(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = CognitoUser(state["username"], pool)
    result = await user.authenticate_user(AuthenticationDetails(state["username"], PASSWORD))
    assert isinstance(result, Challenge) and result.name == "SMS_MFA", result
    return await user.send_mfa_code(env.code(user.username, kind="sms_mfa"))


async def setup_force_change(env: Env, pool: CognitoUserPool) -> State:
    name = env.user()
    env.emu.call(
        "AdminSetUserPassword",
        {"UserPoolId": env.pool_id, "Username": name, "Password": PASSWORD, "Permanent": False},
    )
    return {"username": name}


async def act_new_password(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = CognitoUser(state["username"], pool)
    result = await user.authenticate_user(AuthenticationDetails(state["username"], PASSWORD))
    assert isinstance(result, Challenge) and result.name == "NEW_PASSWORD_REQUIRED", result
    return await user.complete_new_password_challenge("N3w-Passw0rd!", {})


async def act_refresh(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = await _user(pool, state)
    session = user.get_sign_in_user_session()
    assert session is not None
    return await user.refresh_session(session.get_refresh_token())


async def act_device_sign_in(env: Env, pool: CognitoUserPool, state: State) -> Any:
    # A second sign-in from the remembered device: DEVICE_SRP_AUTH + DEVICE_PASSWORD_VERIFIER.
    return await act_srp(env, pool, state)


# ---- signed-in flows -------------------------------------------------------------------


async def setup_verify_attr(env: Env, pool: CognitoUserPool) -> State:
    state = await _signed_in(env, pool)
    user = CognitoUser(state["username"], pool)
    await user.get_session()
    await user.get_attribute_verification_code("email")
    state["code"] = env.code(state["username"], kind="verify_email")
    return state


async def act_verify_attr(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = await _user(pool, state)
    return await user.verify_attribute("email", state["code"])


async def setup_totp(env: Env, pool: CognitoUserPool) -> State:
    state = await _signed_in(env, pool)
    user = CognitoUser(state["username"], pool)
    await user.get_session()
    state["secret"] = await user.associate_software_token()
    return state


async def act_verify_totp(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = await _user(pool, state)
    return await user.verify_software_token(pyotp.TOTP(state["secret"]).now(), "phone")


async def setup_phone_user(env: Env, pool: CognitoUserPool) -> State:
    name = env.user(phone_number="+15555550101")
    await sign_in(pool, name)
    return {"username": name}


async def act_mfa_pref(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = await _user(pool, state)
    return await user.set_user_mfa_preference({"PreferredMfa": True, "Enabled": True}, None)


async def act_forget_other(env: Env, pool: CognitoUserPool, state: State) -> Any:
    user = await _user(pool, state)
    return await user.forget_specific_device(user._own_device_key())


DEVICES = {"DeviceConfiguration": {"DeviceOnlyRememberedOnUserPrompt": False}}
SMS_POOL = {"MfaConfiguration": "OPTIONAL"}
CUSTOM_POOL = {"EmulatorCustomAuthAnswer": "open-sesame"}

FLOWS = [
    Flow("sign_up", act_sign_up, setup_new_name),
    Flow("confirm_registration", act_confirm, setup_signed_up),
    Flow("resend_confirmation_code", act_resend, setup_signed_up),
    Flow("forgot_password", act_forgot, setup_plain_user),
    Flow("confirm_password", act_confirm_password, setup_forgot),
    Flow("srp_sign_in", act_srp, setup_plain_user),
    Flow("password_sign_in", act_password_auth, setup_plain_user),
    Flow("custom_auth", act_custom, setup_plain_user, CUSTOM_POOL),
    Flow("sms_mfa_sign_in", act_sms_mfa, setup_sms_user, SMS_POOL),
    Flow("new_password_required", act_new_password, setup_force_change),
    Flow(
        "sign_in_new_device",
        act_srp,
        setup_plain_user,
        DEVICES,
        best_effort=frozenset({"ConfirmDevice"}),
    ),
    Flow("device_sign_in", act_device_sign_in, _signed_in, DEVICES),
    Flow("refresh_session", act_refresh, _signed_in),
    Flow("get_user_attributes", _authed("get_user_attributes"), _signed_in),
    # The refresh after GetUser, and the GetUser after an update, are best effort (as JS).
    Flow(
        "get_user_data",
        _authed("get_user_data", None, True),
        _signed_in,
        best_effort=frozenset({"InitiateAuth"}),
    ),
    Flow(
        "update_attributes",
        _authed("update_attributes", _attrs(name="Ann")),
        _signed_in,
        best_effort=frozenset({"GetUser", "InitiateAuth"}),
    ),
    Flow(
        "delete_attributes",
        _authed("delete_attributes", ["name"]),
        _signed_in,
        best_effort=frozenset({"GetUser", "InitiateAuth"}),
    ),
    Flow(
        "get_attribute_verification_code",
        _authed("get_attribute_verification_code", "email"),
        _signed_in,
    ),
    Flow("verify_attribute", act_verify_attr, setup_verify_attr),
    Flow("change_password", _authed("change_password", PASSWORD, "N3w-Passw0rd!"), _signed_in),
    Flow("associate_software_token", _authed("associate_software_token"), _signed_in),
    Flow("verify_software_token", act_verify_totp, setup_totp),
    Flow("set_user_mfa_preference", act_mfa_pref, setup_phone_user, SMS_POOL),
    Flow("get_mfa_options", _authed("get_mfa_options"), _signed_in),
    Flow("global_sign_out", _authed("global_sign_out"), _signed_in),
    Flow("sign_out", _authed("sign_out"), _signed_in),
    Flow("delete_user", _authed("delete_user"), _signed_in),
    Flow("list_devices", _authed("list_devices", 10), _signed_in, DEVICES),
    Flow("get_device", _authed("get_device"), _signed_in, DEVICES),
    Flow(
        "set_device_status_remembered", _authed("set_device_status_remembered"), _signed_in, DEVICES
    ),
    Flow(
        "set_device_status_not_remembered",
        _authed("set_device_status_not_remembered"),
        _signed_in,
        DEVICES,
    ),
    Flow("forget_device", _authed("forget_device"), _signed_in, DEVICES),
    Flow("forget_specific_device", act_forget_other, _signed_in, DEVICES),
]


_envs: dict[tuple[int, str], Env] = {}


def shared_env(emu: Any, pool: dict[str, Any]) -> Env:
    """One pool per emulator and configuration (a pool's RSA key takes ~0.3 s to make);
    every run uses fresh users, so runs stay independent."""
    key = (id(emu), json.dumps(pool, sort_keys=True))
    if key not in _envs:
        _envs[key] = new_env(emu, **pool)
    return _envs[key]


@dataclass
class Outcome:
    result: Any
    error: CognitoError | None
    transport: FaultyTransport
    storage: MemoryStorage


async def run_flow(
    emu: Any, flow: Flow, fault: Fault | None = None, at: int = 0, always: bool = False
) -> Outcome:
    env = shared_env(emu, flow.pool)
    storage = MemoryStorage()
    clean = env.sdk_pool(storage=storage)
    state = await flow.setup(env, clean) if flow.setup else {}
    transport = FaultyTransport(UrllibTransport(timeout=30), fault, frozenset({at}), always)
    faulty = env.sdk_pool(transport=transport, storage=storage)
    result: Any = None
    error: CognitoError | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ConfirmDevice-failed warning
        try:
            result = await flow.act(env, faulty, state)
        except CognitoError as err:
            error = err
    check_storage(storage, env.client_id)
    return Outcome(result, error, transport, storage)


def check_message(err: CognitoError) -> None:
    """A clear message: present, short, no markup, no traceback."""
    text = str(err)
    assert err.message, repr(err)
    assert len(text) < 400, f"message too long ({len(text)} chars)"
    assert "<" not in text and "Traceback" not in text, text


_request_counts: dict[str, int] = {}


async def request_count(emu: Any, flow: Flow) -> int:
    if flow.name not in _request_counts:
        clean = await run_flow(emu, flow)
        assert clean.error is None, f"{flow.name} fails without faults: {clean.error!r}"
        _request_counts[flow.name] = len(clean.transport.operations)
    return _request_counts[flow.name]


async def check_fault(emu: Any, flow: Flow, fault: Fault, index: int) -> None:
    # 1. The fault persists from request `index` on: a typed error unless swallowed.
    out = await run_flow(emu, flow, fault, index, always=True)
    op = out.transport.operations[index]
    if fault is WRONG_TYPE:
        # The body is the real one: the content type label must not matter.
        assert out.error is None, f"{flow.name}: {out.error!r}"
    elif out.error is None:
        assert op in flow.best_effort, f"{flow.name}: {fault.name} at {op} was swallowed"
    else:
        check_message(out.error)
        if fault.reaches_server and out.error.__class__ is not EXPECTED[fault.name]:
            # The server acted before the answer was lost; a retry may then be refused
            # (e.g. a used code): still a typed service error, never a crash.
            assert out.error.name, repr(out.error)
        else:
            assert isinstance(out.error, EXPECTED[fault.name]), (flow.name, op, out.error)
    # 2. The fault happens once: a retryable one is retried to success.
    out = await run_flow(emu, flow, fault, index, always=False)
    if out.error is not None:
        check_message(out.error)
    safe = repeatable(out.transport, index)
    if fault.retryable and (fault.name in NEVER_ACTED or (safe and not fault.reaches_server)):
        assert out.error is None, f"{flow.name}: {fault.name} at {op} not retried: {out.error!r}"
        assert out.transport.operations.count(op) >= 2 or op in flow.best_effort
    if not safe and fault.name not in NEVER_ACTED and index + 1 < len(out.transport.bodies):
        # A single-use request the server may have acted on is never sent again.
        again = out.transport.bodies[index + 1] == out.transport.bodies[index]
        assert not again, f"{flow.name}: {op} repeated after {fault.name}"
    if fault.reaches_server and not safe and out.error is not None and op not in flow.best_effort:
        # ... so the user sees what happened (the lost answer), not a misleading second
        # answer such as ExpiredCodeException for a reset that succeeded.
        assert isinstance(out.error, EXPECTED[fault.name]), (flow.name, op, out.error)
    if fault in (TRUNCATED, NOT_JSON, HUGE) and out.error is None:
        assert op in flow.best_effort, f"{flow.name}: broken {op} answer accepted"
    if fault in (DROP_AFTER, TIMEOUT_AFTER) and out.error is not None:
        assert out.error.name, repr(out.error)


# Faults the SDK can tell the server never acted on (refused connection, connect timeout,
# throttling): any request is retried after them. After the others (5xx, lost answers) only
# requests that are safe to send twice are: reads, REFRESH_TOKEN_AUTH and RevokeToken.
NEVER_ACTED = frozenset({"drop_before_send", "timeout", "throttling"})
REPEATABLE = frozenset({"GetUser", "GetDevice", "ListDevices", "RevokeToken"})


def repeatable(transport: FaultyTransport, index: int) -> bool:
    op = transport.operations[index]
    if op == "InitiateAuth":
        return json.loads(transport.bodies[index]).get("AuthFlow") == "REFRESH_TOKEN_AUTH"
    return op in REPEATABLE


def _sampled(i: int) -> tuple[Fault, Fault]:
    # Two faults per flow, rotating, so the default run covers every fault several times.
    n = len(ALL_FAULTS)
    return ALL_FAULTS[(2 * i) % n], ALL_FAULTS[(2 * i + 1) % n]


@pytest.mark.parametrize(
    ("flow", "faults"),
    [(flow, _sampled(i)) for i, flow in enumerate(FLOWS)],
    ids=[f.name for f in FLOWS],
)
async def test_faults_on_every_flow(emulator: Any, flow: Flow, faults: tuple[Fault, ...]) -> None:
    count = await request_count(emulator, flow)
    for k, fault in enumerate(faults):
        # The fault lands on the last request for one fault, the first for the other.
        await check_fault(emulator, flow, fault, count - 1 if k else 0)


@pytest.mark.long
@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
async def test_every_fault_at_every_request(emulator: Any, flow: Flow) -> None:
    count = await request_count(emulator, flow)
    for index in range(count):
        for fault in ALL_FAULTS:
            await check_fault(emulator, flow, fault, index)


async def test_failed_sign_in_leaves_previous_user_intact(emulator: Any) -> None:
    """A sign-in of Bob that breaks half-way never disturbs Alice's stored session."""
    env = new_env(emulator)
    storage = MemoryStorage()
    alice, bob = env.user("alice"), env.user("bob")
    await sign_in(env.sdk_pool(storage=storage), alice)
    before = dict(check_storage(storage, env.client_id)[alice])
    for fault in ALL_FAULTS:
        for index in (1,):  # the answer to PASSWORD_VERIFIER (the one with the tokens)
            transport = FaultyTransport(UrllibTransport(), fault, frozenset({index}), True)
            pool = env.sdk_pool(transport=transport, storage=storage)
            user = CognitoUser(bob, pool)
            try:
                result = await user.authenticate_user(AuthenticationDetails(bob, PASSWORD))
            except CognitoError:
                result = None
            users = check_storage(storage, env.client_id)
            assert users[alice] == before
            if result is None:
                assert not users.get(bob, {}).get("accessToken")
            else:
                assert isinstance(result, CognitoUserSession)
                await user.sign_out(revoke=False)
