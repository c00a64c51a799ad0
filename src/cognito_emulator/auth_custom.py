"""CUSTOM_AUTH: the Define/Create/Verify auth challenge triggers drive the sign-in."""

from __future__ import annotations

from typing import Any

from . import existence
from .errors import invalid_parameter, not_authorized, user_not_found
from .model import check_secret_hash, find_user
from .registry import Params, RequestContext
from .signin import (
    INCORRECT,
    FlowRequest,
    Item,
    Turn,
    auth_flow,
    challenge,
    check_lock,
    finish,
    new_challenge,
    new_state,
    parse_a,
    password_verifier_challenge,
    record_failure,
    user_after_auth_checks,
)
from .triggers import BUILTIN
from .validation import need


def trigger_event(
    pool: Item, client: Item, user: Item, source: str, request: Item, not_found: bool = False
) -> Item:
    """The Lambda event Cognito sends a custom-auth trigger."""
    attrs = dict(user["attributes"])
    attrs["cognito:user_status"] = user["status"]
    return {
        "version": "1",
        "region": pool["Id"].split("_", 1)[0],
        "userPoolId": pool["Id"],
        "userName": user["username"],
        "callerContext": {"awsSdkVersion": "emulator", "clientId": client["ClientId"]},
        "triggerSource": source,
        "request": {"userAttributes": attrs, "userNotFound": not_found, **request},
        "response": {},
    }


def custom_next(ctx: RequestContext, pool: Item, client: Item, user: Item, state: Item) -> Params:
    """Ask DefineAuthChallenge what comes next: tokens, failure, or another challenge."""
    emu = ctx.emulator
    triggers = emu.triggers.get(pool["Id"], BUILTIN)
    event = triggers.define(
        trigger_event(
            pool,
            client,
            user,
            "DefineAuthChallenge_Authentication",
            {"session": state["custom"], "clientMetadata": state["meta"]},
            bool(state.get("fake")),
        )
    )
    decision = event.get("response") or {}
    if decision.get("failAuthentication"):
        raise not_authorized(INCORRECT)
    if decision.get("issueTokens"):
        if state.get("fake"):
            raise not_authorized(INCORRECT)
        return finish(ctx, pool, client, user, state)
    name = decision.get("challengeName")
    if name == "PASSWORD_VERIFIER" and state.get("srp_a"):
        # (a stand-in user's verifier step fails like in USER_SRP_AUTH)
        return password_verifier_challenge(ctx, state, int(state["srp_a"], 16), user)
    if name != "CUSTOM_CHALLENGE":
        raise invalid_parameter(f"DefineAuthChallenge returned an unsupported challenge: {name}")
    request = {"challengeName": name, "session": state["custom"], "clientMetadata": state["meta"]}
    if pool.get("EmulatorCustomAuthAnswer"):
        request["emulatorFixedAnswer"] = pool["EmulatorCustomAuthAnswer"]
    created = triggers.create(
        trigger_event(
            pool, client, user, "CreateAuthChallenge_Authentication", request, bool(state["fake"])
        )
    )["response"]
    deliver = created.pop("emulatorDeliver", None)
    if deliver and not state.get("fake"):
        emu.deliver(
            pool["Id"],
            user["username"],
            "custom_challenge",
            str(deliver),
            user["attributes"].get("email") or user["username"],
        )
    state["private"] = created.get("privateChallengeParameters") or {}
    state["metadata"] = created.get("challengeMetadata") or ""
    public = {str(k): str(v) for k, v in (created.get("publicChallengeParameters") or {}).items()}
    public["USERNAME"] = user["username"]
    return new_challenge(emu, "CUSTOM_CHALLENGE", state, public)


NOT_CONFIGURED = "Custom auth lambda trigger is not configured for the user pool."


def custom_auth_enabled(emu: Any, pool: Item) -> bool:
    """CUSTOM_AUTH needs custom-auth triggers: Python callables set with
    ``Emulator.set_custom_auth_triggers``, or the built-in emulated trigger the pool opts into
    with ``EmulatorCustomAuth: "BUILTIN"`` (or a fixed ``EmulatorCustomAuthAnswer``)."""
    return (
        pool["Id"] in emu.triggers
        or pool.get("EmulatorCustomAuth") == "BUILTIN"
        or bool(pool.get("EmulatorCustomAuthAnswer"))
    )


@auth_flow("CUSTOM_AUTH")
def start_custom(req: FlowRequest) -> Params:
    """InitiateAuth CUSTOM_AUTH (optionally starting with SRP_A)."""
    ctx, pool, client, ap = req.ctx, req.pool, req.client, req.auth_parameters
    emu = ctx.emulator
    if not custom_auth_enabled(emu, pool):
        raise invalid_parameter(NOT_CONFIGURED)
    username = need(ap, "USERNAME")
    check_secret_hash(client, username, ap.get("SECRET_HASH"))
    user = find_user(emu, pool, username)
    fake = user is None
    if user is None:
        if not existence.prevents(client):
            raise user_not_found()
        # The triggers see userNotFound=true (as in Cognito); no code is ever delivered.
        user = existence.fake_user(emu, pool, username)
    else:
        check_lock(emu, user)
    state = new_state(pool, client, user, req.meta, ap.get("DEVICE_KEY"))
    state["fake"] = fake
    if fake:
        state["fake_user"] = user
    if ap.get("CHALLENGE_NAME") == "SRP_A":
        state["srp_a"] = format(parse_a(need(ap, "SRP_A")), "x")
        state["custom"] = [
            {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": ""}
        ]
    else:
        if not fake:
            user_after_auth_checks(emu, user)
        state["custom"] = []
    return custom_next(ctx, pool, client, user, state)


@challenge("CUSTOM_CHALLENGE")
def respond_custom(turn: Turn) -> Params:
    """The answer to a CUSTOM_CHALLENGE goes to VerifyAuthChallengeResponse."""
    emu = turn.ctx.emulator
    pool, client, user, state = turn.pool, turn.client, turn.user, turn.state
    answer = need(turn.responses, "ANSWER")
    triggers = emu.triggers.get(pool["Id"], BUILTIN)
    event = triggers.verify(
        trigger_event(
            pool,
            client,
            user,
            "VerifyAuthChallengeResponse_Authentication",
            {
                "privateChallengeParameters": state.get("private") or {},
                "challengeAnswer": answer,
                "clientMetadata": state["meta"],
            },
            bool(state.get("fake")),
        )
    )
    correct = bool((event.get("response") or {}).get("answerCorrect"))
    state["custom"].append(
        {
            "challengeName": "CUSTOM_CHALLENGE",
            "challengeResult": correct,
            "challengeMetadata": state.get("metadata", ""),
        }
    )
    if not correct and not state.get("fake"):
        record_failure(emu, pool, user["username"])
    elif correct and not state.get("fake"):
        emu.store.mark_outbox_used(pool["Id"], user["username"], "custom_challenge", answer)
    return custom_next(turn.ctx, pool, client, user, state)
