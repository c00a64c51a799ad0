"""Cognito Identity (identity pools): trade a user pool ID token for AWS credentials.

:class:`CognitoIdentityCredentials` is the Python form of aws-sdk v2's
``AWS.CognitoIdentityCredentials`` in its enhanced (basic-free) flow: ``GetId`` then
``GetCredentialsForIdentity`` against ``cognito-identity`` (JSON 1.1,
``X-Amz-Target: AWSCognitoIdentityService.*``, unsigned).

As in the JS SDK, the identity id is cached in storage under
``aws.cognito.identity-id.<IdentityPoolId>`` and the login providers it was obtained with
under ``aws.cognito.identity-providers.<IdentityPoolId>`` (comma-joined); a cached id is
reused only when it was got with one of the current providers (or when there are no logins),
and it is dropped when the service answers NotAuthorized. Pages that also run the JS SDK
therefore share the identity id.

:func:`aws_fetch` signs a request with the credentials (SigV4) and sends it through the SDK
transport.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime
from typing import Any, overload

from .aio import SingleFlight
from .client import Client
from .errors import (
    CognitoError,
    InvalidParameterError,
    InvalidResponseError,
    NotAuthorizedException,
    ResourceNotFoundException,
)
from .handlers import run_with_callback
from .ids import region_from_identity_pool_id
from .runtime import default_storage, default_transport
from .sigv4 import AwsCredentials, sign_request
from .storage import Storage
from .transport import HttpRequest, HttpResponse, Transport
from .wire import IDENTITY_SERVICE

__all__ = [
    "IDENTITY_ID_KEY_PREFIX",
    "IDENTITY_PROVIDERS_KEY_PREFIX",
    "CognitoIdentityCredentials",
    "aws_fetch",
    "identity_provider_name",
]

#: Storage key prefixes used by aws-sdk v2's CognitoIdentityCredentials.
IDENTITY_ID_KEY_PREFIX = "aws.cognito.identity-id."
IDENTITY_PROVIDERS_KEY_PREFIX = "aws.cognito.identity-providers."
#: A JS-style completion callback: ``callback(err)`` with None on success (may be async).
ErrorCallback = Callable[[CognitoError | None], Any]
#: aws-sdk v2's ``AWS.Credentials.expiryWindow``: refresh this many seconds before expiry.
DEFAULT_EXPIRY_WINDOW = 15.0


def identity_provider_name(user_pool_id: str, region: str | None = None) -> str:
    """The ``Logins`` key of a user pool: ``cognito-idp.<region>.amazonaws.com/<pool id>``.

    ``region`` defaults to the pool id's prefix (``eu-west-1_AbC`` -> ``eu-west-1``).
    """
    if "_" not in user_pool_id:
        raise InvalidParameterError(f"not a user pool id: {user_pool_id!r}")
    return f"cognito-idp.{region or user_pool_id.split('_', 1)[0]}.amazonaws.com/{user_pool_id}"


class CognitoIdentityCredentials:
    """AWS credentials for an identity pool identity, refreshed when needed.

    Args:
        identity_pool_id: e.g. ``"us-east-1:1f2e..."``; its prefix is the default region.
        logins: provider name -> token, e.g. ``{identity_provider_name(pool_id): id_token}``.
            None or empty asks for unauthenticated (guest) credentials.
        region: the cognito-identity region (default: from ``identity_pool_id``).
        endpoint: a full URL override (an emulator's ``http://127.0.0.1:9229/``).
        storage: where the identity id is cached (default: localStorage in the browser, a
            per-instance MemoryStorage elsewhere, as for the user pool).
        transport: HTTP transport (default: the runtime's).
        login_id: appended to the storage keys, as aws-sdk v2's ``LoginId`` (several users
            sharing one browser storage).
        custom_role_arn: ``CustomRoleArn`` for GetCredentialsForIdentity.
        expiry_window: seconds before expiry when the credentials count as expired.
        auto_refresh: also refresh in the background ``expiry_window`` seconds before expiry
            (needs a running event loop; errors land in :attr:`last_error`).
        clock: returns the current epoch seconds (tests).
        client: a ready :class:`Client` for ``AWSCognitoIdentityService`` (tests).
    """

    def __init__(
        self,
        identity_pool_id: str,
        logins: Mapping[str, str] | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        storage: Storage | None = None,
        transport: Transport | None = None,
        *,
        login_id: str | None = None,
        custom_role_arn: str | None = None,
        expiry_window: float = DEFAULT_EXPIRY_WINDOW,
        auto_refresh: bool = False,
        clock: Callable[[], float] = time.time,
        client: Client | None = None,
    ) -> None:
        self.identity_pool_id = identity_pool_id
        self.region = region or region_from_identity_pool_id(identity_pool_id)
        self.logins: dict[str, str] = dict(logins or {})
        self.storage: Storage = storage if storage is not None else default_storage()
        self.login_id = login_id or ""
        self.custom_role_arn = custom_role_arn
        self.expiry_window = expiry_window
        self.auto_refresh = auto_refresh
        self._clock = clock
        self._client = client or Client(
            region=self.region,
            endpoint=endpoint,
            transport=transport if transport is not None else default_transport(),
            service=IDENTITY_SERVICE,
        )
        self.credentials: AwsCredentials | None = None
        #: The identity id of the last refresh (or the cached one, before any refresh).
        self.identity_id: str | None = self._load_cached_id()
        #: The last error of a background refresh (``auto_refresh``), else None.
        self.last_error: BaseException | None = None
        # One refresh at a time: concurrent get/refresh calls share it.
        self._flight: SingleFlight[AwsCredentials] = SingleFlight()
        self._timer: asyncio.TimerHandle | None = None
        #: How many refreshes went to the service (tests and diagnostics).
        self.refresh_count = 0

    # --- JS-style accessors ------------------------------------------------------------

    @property
    def access_key_id(self) -> str | None:
        """The current access key id (``accessKeyId``), or None before a refresh."""
        return self.credentials.access_key_id if self.credentials else None

    @property
    def secret_access_key(self) -> str | None:
        """The current secret key (``secretAccessKey``)."""
        return self.credentials.secret_access_key if self.credentials else None

    @property
    def session_token(self) -> str | None:
        """The current session token (``sessionToken``)."""
        return self.credentials.session_token if self.credentials else None

    @property
    def expire_time(self) -> datetime | None:
        """When the current credentials expire (``expireTime``), UTC."""
        return self.credentials.expiration if self.credentials else None

    @property
    def expired(self) -> bool:
        """True when there are no credentials or they are within the expiry window."""
        return self.needs_refresh()

    def needs_refresh(self, now: float | None = None) -> bool:
        """Like aws-sdk v2's ``needsRefresh``: no credentials, or expiring within the window."""
        if self.credentials is None:
            return True
        if self.credentials.expiration is None:
            return False
        current = self._clock() if now is None else now
        return current + self.expiry_window >= self.credentials.expiration.timestamp()

    # --- storage -----------------------------------------------------------------------

    def _key(self, prefix: str) -> str:
        return f"{prefix}{self.identity_pool_id}{self.login_id}"

    def _load_cached_id(self) -> str | None:
        cached = self.storage.get_item(self._key(IDENTITY_ID_KEY_PREFIX))
        if not cached:
            return None
        if self.logins:
            # Reuse the id only if it was obtained with one of today's providers.
            providers = self.storage.get_item(self._key(IDENTITY_PROVIDERS_KEY_PREFIX)) or ""
            if not set(providers.split(",")) & set(self.logins):
                return None
        return cached

    def _cache_id(self, identity_id: str) -> None:
        self.identity_id = identity_id
        self.storage.set_item(self._key(IDENTITY_ID_KEY_PREFIX), identity_id)
        if self.logins:
            self.storage.set_item(self._key(IDENTITY_PROVIDERS_KEY_PREFIX), ",".join(self.logins))

    def clear_cached_id(self) -> None:
        """Forget the identity id, in memory and in storage (``clearCachedId``)."""
        self.identity_id = None
        self.storage.remove_item(self._key(IDENTITY_ID_KEY_PREFIX))
        self.storage.remove_item(self._key(IDENTITY_PROVIDERS_KEY_PREFIX))

    def clear(self) -> None:
        """Sign-out: drop the credentials, the logins and the cached identity id.

        A refresh in flight is left to finish but its result is discarded.
        """
        self._cancel_timer()
        self.credentials = None
        self.logins = {}
        self.clear_cached_id()
        self._flight.forget(None)

    def set_logins(self, logins: Mapping[str, str]) -> None:
        """Replace the logins (e.g. with a refreshed ID token); the credentials stay until
        the next refresh."""
        self.logins = dict(logins)

    # --- refresh -----------------------------------------------------------------------

    @overload
    def get(self) -> Awaitable[AwsCredentials]: ...
    @overload
    def get(self, callback: ErrorCallback) -> Awaitable[AwsCredentials | None]: ...

    def get(
        self, callback: ErrorCallback | None = None
    ) -> Awaitable[AwsCredentials] | Awaitable[AwsCredentials | None]:
        """The current credentials, refreshed first when missing or about to expire.

        With a JS-style ``callback(err)`` (sync or async) the work starts as a task and the
        outcome goes to the callback (``None`` on success) instead of being raised.
        """
        if callback is None:
            return self._get()
        return self._with_callback(self._get(), callback)

    @overload
    def refresh(self) -> Awaitable[AwsCredentials]: ...
    @overload
    def refresh(self, callback: ErrorCallback) -> Awaitable[AwsCredentials | None]: ...

    def refresh(
        self, callback: ErrorCallback | None = None
    ) -> Awaitable[AwsCredentials] | Awaitable[AwsCredentials | None]:
        """Get fresh credentials from the service (GetId when needed, then
        GetCredentialsForIdentity).

        Concurrent calls share one request: while a refresh is in flight, every caller
        awaits the same result (or error). ``callback(err)`` as in :meth:`get`, like the
        JS SDK's ``credentials.refresh(error => ...)``.
        """
        if callback is None:
            return self._refresh()
        return self._with_callback(self._refresh(), callback)

    def _with_callback(
        self, work: Coroutine[Any, Any, AwsCredentials], callback: ErrorCallback
    ) -> Awaitable[AwsCredentials | None]:
        # The SDK's one callback adapter: callback(err) on failure, callback(None) on success.
        return run_with_callback(work, callback)

    async def _get(self) -> AwsCredentials:
        if self.credentials is not None and not self.needs_refresh():
            return self.credentials
        return await self._refresh()

    async def _refresh(self) -> AwsCredentials:
        return await self._flight.run(None, self._refresh_once)

    async def _refresh_once(self) -> AwsCredentials:
        me = asyncio.current_task()
        self.refresh_count += 1
        identity_id = self.identity_id or self._load_cached_id()
        used_cached = identity_id is not None
        try:
            try:
                identity_id, data = await self._fetch(identity_id)
            except ResourceNotFoundException:
                if not used_cached:
                    raise
                # The cached identity no longer exists (deleted or another pool): start over.
                self.clear_cached_id()
                identity_id, data = await self._fetch(None)
        except NotAuthorizedException:
            self.clear_cached_id()
            raise
        creds = _parse_credentials(data)
        if not self._flight.is_current(None, me):
            # clear() ran meanwhile (sign-out): hand the result to the waiters, keep nothing.
            return creds
        self._cache_id(identity_id)
        self.credentials = creds
        self.last_error = None
        self._schedule_auto_refresh()
        return creds

    async def _fetch(self, identity_id: str | None) -> tuple[str, dict[str, Any]]:
        logins = dict(self.logins)
        if identity_id is None:
            params: dict[str, Any] = {"IdentityPoolId": self.identity_pool_id}
            if logins:
                params["Logins"] = logins
            got = await self._client.call("GetId", params)
            new_id = got.get("IdentityId")
            if not isinstance(new_id, str) or not new_id:
                raise InvalidResponseError("GetId answered without an IdentityId")
            identity_id = new_id
        params = {"IdentityId": identity_id}
        if logins:
            params["Logins"] = logins
        if self.custom_role_arn:
            params["CustomRoleArn"] = self.custom_role_arn
        data = await self._client.call("GetCredentialsForIdentity", params)
        # The answer names the identity (it may differ after a merge of identities).
        answered = data.get("IdentityId")
        return (answered if isinstance(answered, str) and answered else identity_id), data

    def _schedule_auto_refresh(self) -> None:
        self._cancel_timer()
        if not self.auto_refresh or self.credentials is None:
            return
        expiration = self.credentials.expiration
        if expiration is None:
            return
        delay = max(0.0, expiration.timestamp() - self.expiry_window - self._clock())
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(delay, self._background_refresh)

    def _background_refresh(self) -> None:
        self._timer = None
        task = asyncio.get_running_loop().create_task(self._refresh())

        def done(t: asyncio.Task[AwsCredentials]) -> None:
            if not t.cancelled() and t.exception() is not None:
                self.last_error = t.exception()

        task.add_done_callback(done)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _parse_credentials(data: Mapping[str, Any]) -> AwsCredentials:
    raw = data.get("Credentials")
    if not isinstance(raw, Mapping):
        raise InvalidResponseError("GetCredentialsForIdentity answered without Credentials")
    try:
        return AwsCredentials.from_response(raw)
    except InvalidParameterError as err:
        raise InvalidResponseError(str(err.message)) from None


async def aws_fetch(
    url: str,
    *,
    credentials: CognitoIdentityCredentials | AwsCredentials,
    service: str,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    region: str | None = None,
    transport: Transport | None = None,
    unsigned_payload: bool = False,
    timeout: float | None = None,  # noqa: ASYNC109 - handed to the transport per request
) -> HttpResponse:
    """Sign a request with SigV4 and send it; return the answer whatever its status.

    ``credentials`` may be a :class:`CognitoIdentityCredentials` (refreshed first when
    needed; its region is the default) or plain :class:`AwsCredentials`.

    Raises:
        NetworkError / RequestTimeoutError: no HTTP answer came.
        InvalidParameterError: no region, or a bad URL.
        CognitoError: refreshing the credentials failed.
    """
    if isinstance(credentials, CognitoIdentityCredentials):
        region = region or credentials.region
        creds = await credentials.get()
    else:
        creds = credentials
    if not region:
        raise InvalidParameterError("aws_fetch needs a region")
    signed = sign_request(
        method,
        url,
        headers,
        body,
        service=service,
        region=region,
        credentials=creds,
        unsigned_payload=unsigned_payload,
    )
    sender = transport if transport is not None else default_transport()
    return await sender.send(
        HttpRequest(signed.method, signed.url, signed.headers, signed.body, timeout)
    )
