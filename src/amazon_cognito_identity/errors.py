"""Every error the SDK raises, in one tree.

``CognitoError`` is the base. A service error (a JSON body with ``__type``) becomes the
subclass named after it, e.g. ``NotAuthorizedException``; a name the SDK does not know
becomes a plain ``CognitoError`` that still carries it. SDK-side failures (network,
malformed tokens, SRP aborts, storage) have their own subclasses.

As in the JS SDK, ``err.code`` and ``err.name`` are the service error name and
``err.message`` is its text; ``err.status_code`` is the HTTP status (0 when there was none).

The tree::

    CognitoError
    +-- ServiceError                      any error answered by the service
    |   +-- NotAuthorizedException, UserNotFoundException, ... (one per service name)
    +-- ClientError                       raised by the SDK itself
        +-- NetworkError                  the request never got an HTTP answer
        |   +-- RequestTimeoutError
        +-- InvalidResponseError          an answer that is not the protocol's JSON
        +-- InvalidTokenError             a malformed, forged or expired JWT
        +-- SRPError                      an SRP safety check failed
        +-- StorageError                  the storage backend failed
        +-- InsecureRandomnessError       no cryptographically secure random source
        +-- InvalidParameterError         bad arguments given to an SDK method
        +-- NotAuthenticatedError         no (valid or refreshable) session: sign in first
        +-- PasskeyError                  a passkey (WebAuthn) ceremony failed in the browser
        |   +-- PasskeyUnavailableError   no WebAuthn here (CPython, insecure context, no API)
        |   +-- PasskeyCancelledError     the person cancelled, or the ceremony timed out
        +-- RedirectSignInError           a hosted-UI redirect came back wrong (state, error)
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "ERROR_CLASSES",
    "AliasExistsException",
    "ClientError",
    "CodeDeliveryFailureException",
    "CodeMismatchException",
    "CognitoError",
    "ConcurrentModificationException",
    "DeviceKeyExistsException",
    "EnableSoftwareTokenMFAException",
    "ExpiredCodeException",
    "ForbiddenException",
    "InsecureRandomnessError",
    "InternalErrorException",
    "InvalidEmailRoleAccessPolicyException",
    "InvalidLambdaResponseException",
    "InvalidParameterError",
    "InvalidParameterException",
    "InvalidPasswordException",
    "InvalidResponseError",
    "InvalidSmsRoleAccessPolicyException",
    "InvalidSmsRoleTrustRelationshipException",
    "InvalidTokenError",
    "InvalidUserPoolConfigurationException",
    "LimitExceededException",
    "MFAMethodNotFoundException",
    "NetworkError",
    "NotAuthenticatedError",
    "NotAuthorizedException",
    "PasskeyCancelledError",
    "PasskeyError",
    "PasskeyUnavailableError",
    "PasswordHistoryPolicyViolationException",
    "PasswordResetRequiredException",
    "RedirectSignInError",
    "RequestTimeoutError",
    "ResourceNotFoundException",
    "SRPError",
    "ScriptExhaustedError",
    "ServiceError",
    "SoftwareTokenMFANotFoundException",
    "StorageError",
    "TooManyFailedAttemptsException",
    "TooManyRequestsException",
    "UnauthorizedException",
    "UnexpectedLambdaException",
    "UnsupportedOperationException",
    "UnsupportedTokenTypeException",
    "UserLambdaValidationException",
    "UserNotConfirmedException",
    "UserNotFoundException",
    "UsernameExistsException",
    "error_from_response",
]


class CognitoError(Exception):
    """Base of every SDK error.

    Attributes:
        code: the error name, e.g. ``"NotAuthorizedException"`` (same as ``name``).
        name: the error name (kept for JS parity: ``err.name``).
        message: the human-readable text.
        status_code: the HTTP status of the answer, or 0 when no answer came.
    """

    #: Default code of the class; service subclasses use their own name.
    default_code: ClassVar[str] = "CognitoError"
    #: True when retrying the same request may succeed (network, 5xx, throttling).
    retryable: bool = False

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status_code: int = 0,
        name: str | None = None,
    ) -> None:
        self.code: str = code or name or self.default_code
        self.name: str = name or self.code
        self.message: str = message or self.code
        self.status_code: int = status_code
        self.retryable = self._is_retryable()
        super().__init__(self.message)

    def _is_retryable(self) -> bool:
        # The class default; subclasses whose answer depends on the status override this.
        return type(self).retryable

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"status_code={self.status_code})"
        )


class ServiceError(CognitoError):
    """An error answered by the Cognito service (or the emulator)."""

    default_code = "ServiceError"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Each service subclass's code is its class name, as in the wire's __type.
        if "default_code" not in cls.__dict__:
            cls.default_code = cls.__name__


class ClientError(CognitoError):
    """An error raised by the SDK itself, not by the service."""

    default_code = "ClientError"


# --- SDK-side errors -------------------------------------------------------------------


class NetworkError(ClientError):
    """The request got no HTTP answer: connection refused, reset, DNS, CORS, aborted.

    ``reached_server`` is False when the transport knows the request was never (wholly)
    sent, so the server cannot have acted on it: the only case where a request that is not
    safe to repeat is retried. True means "may have reached it" (the default).
    """

    default_code = "NetworkError"
    retryable = True

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status_code: int = 0,
        name: str | None = None,
        reached_server: bool = True,
    ) -> None:
        super().__init__(message, code=code, status_code=status_code, name=name)
        self.reached_server = reached_server


class RequestTimeoutError(NetworkError):
    """The request did not complete within the transport's timeout."""

    default_code = "RequestTimeoutError"


class InvalidResponseError(ClientError):
    """The service answered with something that is not the protocol's JSON.

    ``status_code`` holds the HTTP status; ``retryable`` follows it (5xx may be retried).
    """

    default_code = "InvalidResponseError"

    def _is_retryable(self) -> bool:
        return self.status_code >= 500


class InvalidTokenError(ClientError):
    """A JWT is malformed, has a bad signature, or fails a claim check."""

    default_code = "InvalidTokenError"


class SRPError(ClientError):
    """An SRP safety check failed (B mod N == 0, u == 0, A mod N == 0, bad salt...)."""

    default_code = "SRPError"


class StorageError(ClientError):
    """The storage backend failed to read or write."""

    default_code = "StorageError"


class InsecureRandomnessError(ClientError):
    """No cryptographically secure random source is available; the SDK refuses to go on."""

    default_code = "InsecureRandomnessError"


class InvalidParameterError(ClientError, ValueError):
    """An SDK method was called with bad arguments (caught before any request)."""

    default_code = "InvalidParameterError"


class NotAuthenticatedError(ClientError):
    """The call needs a signed-in user and there is no valid or refreshable session."""

    default_code = "NotAuthenticatedError"


class PasskeyError(ClientError):
    """A passkey (WebAuthn) ceremony failed on this side; ``name`` is the browser's
    DOMException name when there was one (``"InvalidStateError"``, ``"SecurityError"``...)."""

    default_code = "PasskeyError"


class PasskeyUnavailableError(PasskeyError):
    """WebAuthn cannot run here: not a browser (CPython without an authenticator), an
    insecure context (plain HTTP other than localhost), or no ``PublicKeyCredential``."""

    default_code = "PasskeyUnavailableError"


class PasskeyCancelledError(PasskeyError):
    """The person dismissed the passkey prompt, or it timed out (``NotAllowedError``)."""

    default_code = "PasskeyCancelledError"


class RedirectSignInError(ClientError):
    """The hosted UI sent the browser back without a usable code: an ``error`` in the
    redirect (``code`` is its OAuth name, e.g. ``"access_denied"``), a ``state`` that is not
    the one this browser sent, or no sign-in in progress."""

    default_code = "RedirectSignInError"


class ScriptExhaustedError(ClientError, AssertionError):
    """A :class:`~amazon_cognito_identity.transport.MockTransport` was asked for one more
    answer than its script holds: the code under test sent a request the test did not expect
    (also an ``AssertionError``, so a test fails as with a failed ``assert``)."""

    default_code = "ScriptExhaustedError"


# --- Service errors (one per name the user APIs can answer) ------------------------------


class AliasExistsException(ServiceError):
    """The email or phone number is already used as an alias by another account."""


class CodeDeliveryFailureException(ServiceError):
    """The verification code could not be delivered."""


class CodeMismatchException(ServiceError):
    """The code given does not match the one sent."""


class ConcurrentModificationException(ServiceError):
    """Another request changed the same resource at the same time."""


class DeviceKeyExistsException(ServiceError):
    """The device key already exists."""


class EnableSoftwareTokenMFAException(ServiceError):
    """The TOTP code did not verify while enabling software-token MFA."""


class ExpiredCodeException(ServiceError):
    """The code has expired; request a new one."""


class ForbiddenException(ServiceError):
    """AWS WAF or a resource policy forbids the request."""


class InternalErrorException(ServiceError):
    """The service failed internally."""

    retryable = True


class InvalidEmailRoleAccessPolicyException(ServiceError):
    """The pool's email configuration is not allowed to send."""


class InvalidLambdaResponseException(ServiceError):
    """A Lambda trigger answered something invalid."""


class InvalidParameterException(ServiceError):
    """The service rejected a parameter."""


class InvalidPasswordException(ServiceError):
    """The password does not meet the pool's policy."""


class InvalidSmsRoleAccessPolicyException(ServiceError):
    """The pool's SMS role may not publish."""


class InvalidSmsRoleTrustRelationshipException(ServiceError):
    """The pool's SMS role trust relationship is invalid."""


class InvalidUserPoolConfigurationException(ServiceError):
    """The user pool is not configured for this operation."""


class LimitExceededException(ServiceError):
    """A service limit was reached (e.g. too many code requests)."""


class MFAMethodNotFoundException(ServiceError):
    """No MFA method is set up for the user."""


class NotAuthorizedException(ServiceError):
    """Wrong credentials, a revoked token, or a disabled user."""


class PasswordHistoryPolicyViolationException(ServiceError):
    """The new password was used recently."""


class PasswordResetRequiredException(ServiceError):
    """The user must reset the password before signing in."""


class ResourceNotFoundException(ServiceError):
    """The pool, client or device does not exist."""


class SoftwareTokenMFANotFoundException(ServiceError):
    """Software-token MFA is not set up for the user."""


class TooManyFailedAttemptsException(ServiceError):
    """Too many wrong answers; wait before trying again."""


class TooManyRequestsException(ServiceError):
    """The request rate is too high (throttling)."""

    retryable = True


class UnauthorizedException(ServiceError):
    """The request is not authorized."""


class UnexpectedLambdaException(ServiceError):
    """A Lambda trigger failed unexpectedly."""


class UnsupportedOperationException(ServiceError):
    """The operation is not supported for this pool or token."""


class UnsupportedTokenTypeException(ServiceError):
    """The token type is not supported (RevokeToken takes refresh tokens only)."""


class UserLambdaValidationException(ServiceError):
    """A pre-sign-up or similar trigger refused the request."""


class UserNotConfirmedException(ServiceError):
    """The user has not confirmed the sign-up yet."""


class UserNotFoundException(ServiceError):
    """No such user."""


class UsernameExistsException(ServiceError):
    """The username is already taken."""


def _collect() -> dict[str, type[ServiceError]]:
    found: dict[str, type[ServiceError]] = {}
    stack: list[type[ServiceError]] = list(ServiceError.__subclasses__())
    while stack:
        cls = stack.pop()
        found[cls.__name__] = cls
        stack.extend(cls.__subclasses__())
    return found


#: Service error name -> class.
ERROR_CLASSES: dict[str, type[ServiceError]] = _collect()

#: Service names that are worth retrying even though the status is 4xx (the service
#: refused the request before acting on it).
THROTTLING_NAMES = _RETRYABLE_NAMES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "Throttling"}
)


def is_throttling(err: CognitoError) -> bool:
    """True when the service refused the request unprocessed because of its rate."""
    return err.code in THROTTLING_NAMES


def error_from_response(name: str, message: str, status_code: int) -> CognitoError:
    """Build the typed error for a service answer.

    ``name`` may carry a ``prefix#`` (as in ``__type``); only the part after the last ``#``
    counts. An unknown name gives a :class:`ServiceError` whose ``code`` is that name.
    """
    short = name.rsplit("#", 1)[-1].strip() or "UnknownError"
    cls = ERROR_CLASSES.get(short)
    if cls is not None:
        return cls(message, status_code=status_code)
    err = ServiceError(message, code=short, status_code=status_code)
    if short in _RETRYABLE_NAMES or status_code >= 500:
        err.retryable = True
    return err
