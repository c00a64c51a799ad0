"""``Client.call(operation, params)``: wire + transport + retry."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import CognitoError, NetworkError, is_throttling
from .runtime import default_transport
from .transport import Transport
from .wire import IDENTITY_PROVIDER_SERVICE, USER_AGENT, build_request, endpoint_for, parse_response

__all__ = ["SAFE_TO_REPEAT", "Client", "RetryPolicy", "safe_to_repeat"]

#: Operations that may be sent twice with no other effect than once: reads, and the two
#: the JS SDK retries (REFRESH_TOKEN_AUTH, RevokeToken). Identity pools: the credential
#: reads. Any other request is retried only when it cannot have reached the server; so is
#: GetTokensFromRefreshToken, since with rotation a refresh the server acted on spent its
#: token (a client's grace period may be 0, and a resend would sign the user out).
SAFE_TO_REPEAT = frozenset(
    {
        "GetUser",
        "GetDevice",
        "ListDevices",
        "GetUserAuthFactors",
        "RevokeToken",
        "GetId",
        "GetCredentialsForIdentity",
        "GetOpenIdToken",
    }
)


def safe_to_repeat(operation: str, params: Mapping[str, Any]) -> bool:
    """True when sending ``operation`` again cannot do harm (see :data:`SAFE_TO_REPEAT`)."""
    if operation == "InitiateAuth":
        return params.get("AuthFlow") in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
    return operation in SAFE_TO_REPEAT


def never_acted(err: CognitoError) -> bool:
    """True when the server cannot have acted on the failed request: it was never sent
    whole, or the service refused it for its rate before doing anything."""
    if isinstance(err, NetworkError):
        return not err.reached_server
    return is_throttling(err)


Sleep = Callable[[float], Awaitable[None]]


@dataclass
class RetryPolicy:
    """Capped exponential backoff with jitter, as the JS SDK's ``jitteredExponentialRetry``.

    Attempt ``n`` (1-based) waits ``2**n * base + random() * jitter`` seconds; retrying stops
    once that delay passes ``max_delay`` (the JS SDK: 100 ms base, 100 ms jitter, 5 s cap,
    which allows 5 retries). Only errors whose ``retryable`` flag is set are retried
    (network failures, 5xx, throttling) - never NotAuthorized and the like - and, by
    default, only where repeating is safe (see :meth:`Client.call`).

    ``sleep`` and ``rand`` are injectable so tests neither wait nor depend on chance.
    """

    base: float = 0.1
    jitter: float = 0.1
    max_delay: float = 5.0
    sleep: Sleep = field(default=asyncio.sleep)
    rand: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int) -> float | None:
        """Seconds to wait before retry ``attempt`` (1-based), or None to give up."""
        value = (2**attempt) * self.base + self.rand() * self.jitter
        return None if value > self.max_delay else value

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_delay=-1.0)


class Client:
    """Calls one Cognito service over a transport.

    Args:
        region: AWS region (used to build the endpoint when ``endpoint`` is not given).
        endpoint: full URL override, e.g. an emulator's ``http://127.0.0.1:9229/``.
        transport: the HTTP transport; the runtime's default when None.
        user_agent: value of ``X-Amz-User-Agent``.
        retry: the policy used by :meth:`call` when ``retry=True`` is passed to it.
        service: the target prefix (``AWSCognitoIdentityProviderService`` by default).
        timeout: per-request timeout in seconds (None: the transport's default).
    """

    def __init__(
        self,
        region: str | None = None,
        endpoint: str | None = None,
        transport: Transport | None = None,
        user_agent: str = USER_AGENT,
        retry: RetryPolicy | None = None,
        *,
        service: str = IDENTITY_PROVIDER_SERVICE,
        timeout: float | None = None,
    ) -> None:
        self.region = region
        self.endpoint = endpoint_for(region, endpoint, service)
        self.transport: Transport = transport if transport is not None else default_transport()
        self.user_agent = user_agent
        self.retry_policy = retry if retry is not None else RetryPolicy()
        self.service = service
        self.timeout = timeout

    async def request(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One attempt: send ``operation`` and return its parsed answer or raise."""
        req = build_request(
            self.endpoint,
            operation,
            params,
            service=self.service,
            user_agent=self.user_agent,
            timeout=self.timeout,
        )
        return parse_response(await self.transport.send(req))

    async def call(
        self, operation: str, params: Mapping[str, Any], *, retry: bool | None = None
    ) -> dict[str, Any]:
        """Send ``operation`` with ``params``; retry retryable failures per the policy.

        ``retry=None`` (default): retry where it is safe - operations that may be repeated
        (:func:`safe_to_repeat`), and any request the server cannot have acted on (never
        sent whole, or throttled). A single-use request (a code, a challenge answer, a
        sign-up...) whose answer was lost is not sent again: the user gets the network
        error, not a misleading second answer. ``retry=True`` retries every retryable
        failure; ``retry=False`` never retries.

        Raises the typed :class:`~amazon_cognito_identity.errors.CognitoError` of the last
        attempt when it still fails.
        """
        attempt = 0
        repeatable = retry is True or (retry is None and safe_to_repeat(operation, params))
        while True:
            try:
                return await self.request(operation, params)
            except CognitoError as err:
                if retry is False or not err.retryable:
                    raise
                if not (repeatable or never_acted(err)):
                    raise
                attempt += 1
                delay = self.retry_policy.delay(attempt)
                if delay is None:
                    raise
                await self.retry_policy.sleep(delay)
