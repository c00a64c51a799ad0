"""Shared parts of choice-based sign-in (``USER_AUTH``): the first-factor table, one-time codes
(sending limit), email MFA set-up, and the auto sign-in session ``ConfirmSignUp`` returns.

First factors are a table, :data:`FIRST_FACTORS`, keyed by challenge name, in the order
``AvailableChallenges`` lists them. A module adds one (passkeys add ``WEB_AUTHN``) with
:func:`first_factor`::

    @first_factor("WEB_AUTHN", policy="WEB_AUTHN", available=lambda pool, user: has_key(user))
    def start_web_authn(start: FactorStart) -> Params: ...

``start.values`` holds what came with the choice (the ``AuthParameters`` of InitiateAuth with a
``PREFERRED_CHALLENGE``, or the ``ChallengeResponses`` of ``SELECT_CHALLENGE``), e.g. ``PASSWORD``,
``SRP_A`` or ``CREDENTIAL``. A factor is offered when the pool's
``Policies.SignInPolicy.AllowedFirstAuthFactors`` names its ``policy`` and ``available(pool,
user)`` holds. The flow itself (``USER_AUTH``, ``SELECT_CHALLENGE``, the OTP answers) is
registered by ``ops_userauth``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import codes, sessions
from .errors import ServiceError, invalid_parameter
from .model import mask
from .pool_settings import allowed_first_factors
from .registry import Params, RequestContext
from .signin import Turn, new_challenge, new_state
from .validation import need

Item = dict[str, Any]
# Sending codes: at most OTP_SENDS codes of one kind to one user within OTP_WINDOW seconds.
OTP_SENDS = 5
OTP_WINDOW = 900.0
# One-time sign-in codes live as long as the sign-in session that asks for them.
codes.TTL.setdefault("email_otp", 180)
codes.TTL.setdefault("sms_otp", 180)
AUTO_SIGN_IN = "AUTO_SIGN_IN"  # the "challenge" a ConfirmSignUp session waits for


@dataclass(frozen=True)
class FactorStart:
    """A chosen first factor about to start: the sign-in so far and the values sent with the
    choice (``PASSWORD``, ``SRP_A``, ``CREDENTIAL``...)."""

    ctx: RequestContext
    pool: Item
    client: Item
    user: Item
    state: Item
    values: dict[str, str]


StartHandler = Callable[[FactorStart], Params]


@dataclass(frozen=True)
class FirstFactor:
    """A registered first factor: its challenge name, the ``AllowedFirstAuthFactors`` value that
    enables it, when a user can use it, and how it starts."""

    challenge: str
    policy: str
    available: Callable[[Item, Item], bool]
    start: StartHandler


FIRST_FACTORS: dict[str, FirstFactor] = {}


def first_factor(
    name: str, *, policy: str, available: Callable[[Item, Item], bool]
) -> Callable[[StartHandler], StartHandler]:
    """Register how the first factor ``name`` (a challenge name) starts."""

    def register(fn: StartHandler) -> StartHandler:
        old = FIRST_FACTORS.get(name)
        if old is not None and old.start is not fn:
            raise ValueError(f"first factor {name} registered twice")
        FIRST_FACTORS[name] = FirstFactor(name, policy, available, fn)
        return fn

    return register


def available_challenges(pool: Item, user: Item) -> list[str]:
    """The first factors this user may choose in this pool, in table order."""
    allowed = allowed_first_factors(pool)
    return [
        name
        for name, factor in FIRST_FACTORS.items()
        if factor.policy in allowed and factor.available(pool, user)
    ]


# ---------------------------------------------------------------- one-time codes


def _count_send(emu: Any, pool: Item, user: Item, kind: str) -> None:
    """LimitExceededException when this user got too many codes of ``kind`` lately."""
    key = f"{pool['Id']}/{user['username']}/{kind}"
    now = emu.now()
    with emu.store.transaction():
        item = emu.store.get("otp_sends", key) or {"times": []}
        times = [t for t in item["times"] if t > now - OTP_WINDOW]
        if len(times) >= OTP_SENDS:
            raise ServiceError(
                "LimitExceededException", "Attempt limit exceeded, please try after some time."
            )
        emu.store.put("otp_sends", key, {"times": [*times, now]})


def send_code(ctx: RequestContext, pool: Item, user: Item, kind: str, destination: str) -> None:
    """Deliver a fresh code of ``kind`` (replacing an older one), within the sending limit."""
    _count_send(ctx.emulator, pool, user, kind)
    codes.issue_code(ctx.emulator, pool["Id"], user["username"], kind, destination)


def check_turn_code(turn: Turn, kind: str, code: str) -> None:
    """Accept the code once; a wrong code leaves the session for another try (the code itself
    allows a few attempts, then LimitExceededException)."""
    emu = turn.ctx.emulator
    try:
        codes.check_code(emu, turn.pool["Id"], turn.user["username"], kind, code)
    except ServiceError as err:
        if err.name == "CodeMismatchException":
            sessions.restore(emu, turn.session_id, turn.state)
        raise


def code_challenge(
    ctx: RequestContext, name: str, state: Item, medium: str, destination: str, username: str
) -> Params:
    """A challenge answered with a code just sent to ``destination``."""
    return new_challenge(
        ctx.emulator,
        name,
        state,
        {
            "CODE_DELIVERY_DELIVERY_MEDIUM": medium,
            "CODE_DELIVERY_DESTINATION": mask(destination),
            "USERNAME": username,
        },
    )


# ---------------------------------------------------------------- email MFA set-up


def email_mfa_setup_start(turn: Turn) -> Params:
    """MFA_SETUP answered with EMAIL: send a code there; the EMAIL_OTP answer enables email MFA
    on that address (then verified)."""
    email = need(turn.responses, "EMAIL")
    local, _, domain = email.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in email):
        raise invalid_parameter("Invalid email address format.")
    send_code(turn.ctx, turn.pool, turn.user, "email_mfa", email)
    turn.state["email_setup"] = email
    return code_challenge(turn.ctx, "EMAIL_OTP", turn.state, "EMAIL", email, turn.user["username"])


# ---------------------------------------------------------------- auto sign-in


def auto_sign_in_session(ctx: RequestContext, pool: Item, client: Item, user: Item) -> str:
    """The Session ConfirmSignUp returns: InitiateAuth USER_AUTH accepts it once, for this user
    and app client, within the sign-in session lifetime."""
    state = new_state(pool, client, user, {})
    state["challenge"] = AUTO_SIGN_IN
    return sessions.new_session(ctx.emulator, state)
