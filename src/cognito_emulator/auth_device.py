"""DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER: a remembered device's own SRP proof."""

from __future__ import annotations

from . import sessions
from .errors import not_authorized, resource_not_found
from .model import owned_device, require_user
from .registry import Params
from .signin import (
    INCORRECT,
    Answer,
    Turn,
    challenge,
    claim_session,
    mfa_step,
    parse_a,
    sessionless_challenge,
    srp_challenge,
    verify_claim,
)
from .validation import need


@challenge("DEVICE_SRP_AUTH")
def respond_device_srp(turn: Turn) -> Params:
    """DEVICE_SRP_AUTH: the device's SRP_A; answers DEVICE_PASSWORD_VERIFIER."""
    user = turn.user
    device_key = need(turn.responses, "DEVICE_KEY")
    large_a = parse_a(need(turn.responses, "SRP_A"))
    device = owned_device(turn.ctx.emulator, turn.pool, user, device_key)
    if device is None or not device.get("verifier"):
        raise resource_not_found("Device does not exist.")
    turn.state["device_key"] = device_key
    return srp_challenge(
        turn.ctx,
        "DEVICE_PASSWORD_VERIFIER",
        turn.state,
        large_a,
        int(device["salt"], 16),
        int(device["verifier"], 16),
        {"USERNAME": user["username"], "DEVICE_KEY": device_key},
    )


@sessionless_challenge("DEVICE_PASSWORD_VERIFIER")
def respond_device_verifier(answer: Answer) -> Params:
    """DEVICE_PASSWORD_VERIFIER: the device's claim; a remembered device skips MFA."""
    ctx, pool, client, responses = answer.ctx, answer.pool, answer.client, answer.responses
    emu = ctx.emulator
    block_session = claim_session(answer.session_id, responses)
    state = sessions.take(emu, block_session, client["ClientId"], "DEVICE_PASSWORD_VERIFIER")
    user = require_user(emu, pool, state["username"])
    device_key = need(responses, "DEVICE_KEY")
    device = owned_device(emu, pool, user, device_key)
    if device is None or device_key != state.get("device_key"):
        raise resource_not_found("Device does not exist.")
    if not verify_claim(ctx, state, responses, device["group_key"], device_key):
        raise not_authorized(INCORRECT)
    state["device_trusted"] = bool(device.get("remembered"))
    return mfa_step(ctx, pool, client, user, state)
