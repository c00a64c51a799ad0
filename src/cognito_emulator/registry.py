"""Operation registry: the app dispatches on the full ``X-Amz-Target`` header.

A service module registers its operations at import time::

    from cognito_emulator.registry import RequestContext, operation

    @operation("AWSCognitoIdentityService.GetId")
    def get_id(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ...  # raise cognito_emulator.errors.ServiceError for error answers
        return {"IdentityId": "..."}

and makes sure the module is imported: every module of this package whose name starts with
``ops_`` (e.g. ``cognito_emulator/ops_identity.py``) is imported at start-up automatically, so a
new service needs no edit elsewhere; any other module is listed in ``SERVICE_MODULES`` or added with
``cognito_emulator.registry.load_module("pkg.module")`` before the server starts. Handlers are
plain synchronous functions: the app runs them on a worker thread, so they may block on sqlite
or on the modexp worker pool. ``ctx.emulator`` gives the state (``ctx.emulator.store`` is the
sqlite store; ``ctx.emulator.store.get/put/delete/scan`` work on any ``kind`` of JSON item, so a
new service keeps its data in its own kinds without schema changes).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import Emulator

Params = dict[str, Any]
Handler = Callable[["RequestContext", Params], Params]


# Modules whose import registers operations (the app imports them all at start-up), besides
# the ops_* modules of this package, which are found automatically.
SERVICE_MODULES: list[str] = [
    "cognito_emulator.ops_admin",
    "cognito_emulator.ops_account",
    "cognito_emulator.ops_auth",
    "cognito_emulator.auth_custom",
    "cognito_emulator.auth_device",
    "cognito_emulator.ops_mfa",
    "cognito_emulator.ops_devices",
    "cognito_emulator.identity",
]

_OPERATIONS: dict[str, Handler] = {}


@dataclass
class RequestContext:
    """What a handler knows about the request besides its JSON parameters."""

    emulator: Emulator
    issuer_base: str  # e.g. "http://127.0.0.1:9229"; tokens get iss = issuer_base/<pool-id>
    source_ip: str = "127.0.0.1"
    headers: dict[str, str] = field(default_factory=dict)


def operation(target: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of the full target, e.g.
    ``AWSCognitoIdentityProviderService.SignUp``."""

    def register(fn: Handler) -> Handler:
        if target in _OPERATIONS and _OPERATIONS[target] is not fn:
            raise ValueError(f"operation {target} registered twice")
        _OPERATIONS[target] = fn
        return fn

    return register


def idp(name: str) -> Callable[[Handler], Handler]:
    """Shorthand for a Cognito User Pools operation."""
    return operation(f"AWSCognitoIdentityProviderService.{name}")


def lookup(target: str) -> Handler | None:
    """The handler for a target, or None."""
    return _OPERATIONS.get(target)


def targets() -> list[str]:
    """Every registered target (sorted)."""
    return sorted(_OPERATIONS)


def load_module(name: str) -> None:
    """Import a module so that its operations register (idempotent)."""
    importlib.import_module(name)


def service_modules() -> list[str]:
    """The ``cognito_emulator.ops_*`` modules (each registers its operations on import)."""
    package = Path(__file__).resolve().parent
    return sorted(
        f"{__package__}.{info.name}"
        for info in pkgutil.iter_modules([str(package)])
        if info.name.startswith("ops_")
    )


def load_all() -> None:
    """Import ``SERVICE_MODULES`` and every ``ops_*`` module of the package (idempotent)."""
    for name in dict.fromkeys([*SERVICE_MODULES, *service_modules()]):
        load_module(name)
