"""JS-style callbacks over the async methods.

Every public method of :class:`~amazon_cognito_identity.user.CognitoUser` returns an
awaitable. Without a callback it is a plain coroutine: ``await`` it for the result. With a
callback (the JS calling style) the work starts at once as a task and its outcome goes to
the callback, so a *sync* handler may call ``user.send_mfa_code(code, self)`` just like JS
``this``; the returned task can still be awaited.

Two callback shapes, as in the JS SDK:

* **handler objects** (an object with methods, or a mapping of names to callables):
  ``on_success``, ``on_failure``, ``mfa_required``, ``totp_required``, ``select_mfa_type``,
  ``mfa_setup``, ``new_password_required``, ``custom_challenge``, ``associate_secret_code``,
  ``input_verification_code``. The JS camelCase names (``onSuccess``...) work too.
* **node-style functions** ``callback(err, result)`` for the simple calls.

Each callable may be sync or async.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar

from .aio import maybe_await
from .challenges import Challenge, unit_for
from .errors import CognitoError, InvalidParameterError

__all__ = [
    "CALLBACK_NAMES",
    "deliver_auth",
    "deliver_failure",
    "get_handler",
    "invoke",
    "run_with_callback",
]

T = TypeVar("T")

#: snake_case handler name -> the JS SDK's name.
CALLBACK_NAMES: dict[str, str] = {
    "on_success": "onSuccess",
    "on_failure": "onFailure",
    "mfa_required": "mfaRequired",
    "totp_required": "totpRequired",
    "select_mfa_type": "selectMFAType",
    "mfa_setup": "mfaSetup",
    "new_password_required": "newPasswordRequired",
    "custom_challenge": "customChallenge",
    "associate_secret_code": "associateSecretCode",
    "input_verification_code": "inputVerificationCode",
}

# Tasks started for callback-style calls; kept here so they are not garbage collected.
_TASKS: set[asyncio.Task[Any]] = set()


def get_handler(callback: Any, name: str) -> Callable[..., Any] | None:
    """Find handler ``name`` (snake_case or its JS name) on an object or mapping."""
    if callback is None:
        return None
    names = (name, CALLBACK_NAMES.get(name, name))
    for candidate in names:
        if isinstance(callback, Mapping):
            fn = callback.get(candidate)
        else:
            fn = getattr(callback, candidate, None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


def _accepts(fn: Callable[..., Any], count: int) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    try:
        sig.bind(*range(count))
    except TypeError:
        return False
    return True


async def invoke(fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn`` (sync or async) and return its result.

    Trailing arguments ``fn`` cannot take are dropped, as JavaScript ignores extra
    arguments (``on_success(session)`` may be called as ``on_success(session, True)``).
    """
    while len(args) > 1 and not _accepts(fn, len(args)):
        args = args[:-1]
    return await maybe_await(fn(*args))


def is_node_style(callback: Any) -> bool:
    """True for a plain ``callback(err, result)`` function (not a handler object)."""
    return callable(callback) and get_handler(callback, "on_success") is None


async def deliver_failure(callback: Any, err: BaseException) -> None:
    """Send ``err`` to ``on_failure`` (or a node-style callback); re-raise when neither."""
    if is_node_style(callback):
        await invoke(callback, err, None)
        return
    fn = get_handler(callback, "on_failure")
    if fn is None:
        raise err
    await invoke(fn, err)


async def deliver_success(callback: Any, *args: Any) -> None:
    """Send a result to ``on_success`` (or a node-style callback as ``(None, result)``)."""
    if is_node_style(callback):
        await invoke(callback, None, *args)
        return
    fn = get_handler(callback, "on_success")
    if fn is not None:
        await invoke(fn, *args)


async def deliver_auth(callback: Any, result: Any) -> None:
    """Route a sign-in outcome: a session to ``on_success``, a challenge to the handler
    its unit names (:attr:`.challenges.ChallengeUnit.callback`)."""
    if not isinstance(result, Challenge):
        confirmation = getattr(result, "user_confirmation_necessary", False)
        session = getattr(result, "session", result)
        if confirmation:
            await deliver_success(callback, session, True)
        else:
            await deliver_success(callback, session)
        return
    unit = unit_for(result.name)
    handler_name = unit.callback if unit is not None else None
    fn = get_handler(callback, handler_name) if handler_name else None
    if fn is None or unit is None:
        await deliver_failure(
            callback,
            InvalidParameterError(
                f"the callback has no {handler_name or 'handler'} for challenge {result.name}"
            ),
        )
        return
    await invoke(fn, *unit.callback_args(result))


Deliver = Callable[[Any, Any], Awaitable[None]]


def run_with_callback(
    coro: Coroutine[Any, Any, T], callback: Any, deliver: Deliver | None = None
) -> Awaitable[T]:
    """Return ``coro`` itself when there is no callback; else start it as a task that
    hands its outcome to ``callback`` (errors to ``on_failure``) and return the task.

    ``deliver(callback, result)`` routes a success; the default calls ``on_success(result)``
    (or ``callback(None, result)`` for a node-style function).
    """
    if callback is None:
        return coro
    route: Deliver = deliver if deliver is not None else deliver_success

    async def runner() -> T:
        try:
            result = await coro
        except CognitoError as err:
            await deliver_failure(callback, err)
            return None  # type: ignore[return-value]
        await route(callback, result)
        return result

    task = asyncio.ensure_future(runner())
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return task
