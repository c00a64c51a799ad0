"""amazon-cognito-identity: a pure-Python port of amazon-cognito-identity-js.

Sign-up, SRP sign-in, MFA, devices and sessions against Cognito User Pools, async, on
CPython and in the browser under Pyodide::

    pool = CognitoUserPool(user_pool_id="us-east-1_abc", client_id="...")
    user = CognitoUser("alice", pool)
    session = await user.authenticate_user(AuthenticationDetails("alice", "pw"))
"""

from ._version import __version__
from .attributes import AuthenticationDetails, CognitoUserAttribute
from .challenges import Challenge, Choice, CodeDelivery, Field
from .client import Client, RetryPolicy
from .errors import *  # noqa: F403
from .errors import __all__ as _error_names
from .identity import CognitoIdentityCredentials, aws_fetch, identity_provider_name
from .runtime import default_transport
from .sigv4 import AwsCredentials, SignedRequest, sign_request
from .storage import CookieStorage, LocalStorage, MemoryStorage, Storage, StorageKeys
from .tokens import (
    CognitoAccessToken,
    CognitoIdToken,
    CognitoJwtToken,
    CognitoRefreshToken,
    CognitoUserSession,
    decode_jwt,
)
from .transport import (
    HttpRequest,
    HttpResponse,
    MockTransport,
    PyfetchTransport,
    Transport,
    UrllibTransport,
)
from .user import CognitoUser
from .user_pool import CognitoUserPool, SignUpResult
from .verify import JwksCache, verify_token

__all__ = [
    "__version__",
    # users and pools
    "CognitoUserPool",
    "CognitoUser",
    "SignUpResult",
    "AuthenticationDetails",
    "CognitoUserAttribute",
    "Challenge",
    "Choice",
    "Field",
    "CodeDelivery",
    # tokens
    "CognitoUserSession",
    "CognitoJwtToken",
    "CognitoIdToken",
    "CognitoAccessToken",
    "CognitoRefreshToken",
    "decode_jwt",
    "verify_token",
    "JwksCache",
    # storage
    "Storage",
    "MemoryStorage",
    "LocalStorage",
    "CookieStorage",
    "StorageKeys",
    # transport
    "Client",
    "RetryPolicy",
    "Transport",
    "HttpRequest",
    "HttpResponse",
    "UrllibTransport",
    "PyfetchTransport",
    "MockTransport",
    "default_transport",
    # identity pools and AWS requests
    "CognitoIdentityCredentials",
    "identity_provider_name",
    "aws_fetch",
    "AwsCredentials",
    "SignedRequest",
    "sign_request",
    *_error_names,
]
