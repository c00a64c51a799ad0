"""The driver of the sign-in engine: the only place its requests meet the network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .challenges import Challenge
from .engine import Done, Request, SignIn, Step
from .errors import CognitoError

__all__ = ["Caller", "drive"]


class Caller(Protocol):
    """What the driver needs of a client: ``await call(operation, params)``."""

    async def call(self, operation: str, params: Any) -> dict[str, Any]:
        """Send one operation and return its answer (or raise a CognitoError)."""
        ...


async def drive(
    client: Caller,
    engine: SignIn,
    step: Step,
    forget_device: Callable[[str], None] = lambda username: None,
) -> Challenge | Done:
    """Send the engine's requests until it wants the caller (a Challenge) or is done.

    ``forget_device(username)`` is called for every device the service no longer knows.
    """
    try:
        while isinstance(step, Request):
            try:
                data = await client.call(step.operation, step.params)
            except CognitoError as err:
                step = engine.failed(err)
            else:
                step = engine.receive(data)
    finally:
        for username in engine.forgotten_devices:
            forget_device(username)
        engine.forgotten_devices.clear()
    return step
