"""CUSTOM_AUTH: the Define/Create/Verify auth challenge triggers drive the sign-in."""

from __future__ import annotations

from .errors import invalid_parameter, not_authorized, user_not_found
from .model import find_user
from .registry import Params, RequestContext
from .signin import (
    INCORRECT,
    FlowRequest,
    Item,
    Turn,
    auth_flow,
    challenge,
    check_sign_in,
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


def trigger_event(pool: Item, client: Item, user: Item, source: str, request: Item) -> Item:
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
        "request": {"userAttributes": attrs, "userNotFound": False, **request},
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
        )
    )
    decision = event.get("response") or {}
    if decision.get("failAuthentication"):
        raise not_authorized(INCORRECT)
    if decision.get("issueTokens"):
        return finish(ctx, pool, client, user, state)
    name = decision.get("challengeName")
    if name == "PASSWORD_VERIFIER" and state.get("srp_a"):
        return password_verifier_challenge(ctx, state, int(state["srp_a"], 16), user)
    if name != "CUSTOM_CHALLENGE":
        raise invalid_parameter(f"DefineAuthChallenge returned an unsupported challenge: {name}")
    request = {"challengeName": name, "session": state["custom"], "clientMetadata": state["meta"]}
    if pool.get("EmulatorCustomAuthAnswer"):
        request["emulatorFixedAnswer"] = pool["EmulatorCustomAuthAnswer"]
    created = triggers.create(
        trigger_event(pool, client, user, "CreateAuthChallenge_Authentication", request)
    )["response"]
    deliver = created.pop("emulatorDeliver", None)
    if deliver:
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


@auth_flow("CUSTOM_AUTH")
def start_custom(req: FlowRequest) -> Params:
    """InitiateAuth CUSTOM_AUTH (optionally starting with SRP_A)."""
    ctx, pool, client, ap = req.ctx, req.pool, req.client, req.auth_parameters
    emu = ctx.emulator
    username = need(ap, "USERNAME")
    user = find_user(emu, pool, username)
    if user is None:
        raise user_not_found()
    check_sign_in(emu, client, ap, username, user)
    state = new_state(pool, client, user, req.meta, ap.get("DEVICE_KEY"))
    if ap.get("CHALLENGE_NAME") == "SRP_A":
        state["srp_a"] = format(parse_a(need(ap, "SRP_A")), "x")
        state["custom"] = [
            {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": ""}
        ]
    else:
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
    if not correct:
        record_failure(emu, pool, user["username"])
    return custom_next(turn.ctx, pool, client, user, state)
