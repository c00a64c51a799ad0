"""Pure request building and response parsing for the Cognito JSON 1.1 protocol (no I/O)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ._version import __version__
from .errors import CognitoError, InvalidParameterError, InvalidResponseError, error_from_response
from .ids import region_from_pool_id, validate_pool_id
from .transport import HttpRequest, HttpResponse

__all__ = [
    "IDENTITY_PROVIDER_SERVICE",
    "IDENTITY_SERVICE",
    "USER_AGENT",
    "build_request",
    "endpoint_for",
    "parse_response",
    "region_from_pool_id",
    "validate_pool_id",
]

IDENTITY_PROVIDER_SERVICE = "AWSCognitoIdentityProviderService"
IDENTITY_SERVICE = "AWSCognitoIdentityService"
USER_AGENT = f"amazon-cognito-identity-py/{__version__}"
CONTENT_TYPE = "application/x-amz-json-1.1"

_HOSTS = {IDENTITY_PROVIDER_SERVICE: "cognito-idp", IDENTITY_SERVICE: "cognito-identity"}


def endpoint_for(
    region: str | None, endpoint: str | None = None, service: str = IDENTITY_PROVIDER_SERVICE
) -> str:
    """The URL to POST to: ``endpoint`` when given, else the regional AWS host."""
    if endpoint:
        return endpoint
    if not region:
        raise InvalidParameterError("a region or an endpoint is required")
    return f"https://{_HOSTS.get(service, 'cognito-idp')}.{region}.amazonaws.com/"


def _drop_none(value: Any) -> Any:
    # JSON.stringify omits undefined members; the service rejects explicit nulls in places.
    if isinstance(value, Mapping):
        return {str(k): _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return _drop_none(to_json())
    return value


def build_request(
    url: str,
    operation: str,
    params: Mapping[str, Any],
    *,
    service: str = IDENTITY_PROVIDER_SERVICE,
    user_agent: str = USER_AGENT,
    timeout: float | None = None,
) -> HttpRequest:
    """Build the POST for ``service.operation`` with ``params`` as its JSON body."""
    headers = {
        "Content-Type": CONTENT_TYPE,
        "X-Amz-Target": f"{service}.{operation}",
        "X-Amz-User-Agent": user_agent,
        "Cache-Control": "no-store",
    }
    body = json.dumps(_drop_none(params), separators=(",", ":")).encode("utf-8")
    return HttpRequest("POST", url, headers, body, timeout)


def _snippet(body: bytes, limit: int = 120) -> str:
    text = body.decode("utf-8", "replace").strip()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text)).strip()
    return text[:limit] + ("..." if len(text) > limit else "")


def _decode(body: bytes) -> Any:
    if not body.strip():
        return None
    return json.loads(body.decode("utf-8"))


def parse_response(response: HttpResponse) -> dict[str, Any]:
    """Return the JSON body of a 2xx answer, or raise the typed error it describes.

    Never crashes on a body that is not the protocol's JSON: an HTML error page, truncated
    JSON or an empty body becomes :class:`InvalidResponseError` (retryable when 5xx), or a
    :class:`ServiceError` when the ``x-amzn-errortype`` header names the error.
    """
    status = response.status
    try:
        data = _decode(response.body)
    except (ValueError, UnicodeDecodeError):
        data = _NOT_JSON
    if 200 <= status < 300:
        if data is None:
            return {}  # some operations answer an empty body
        if isinstance(data, dict):
            return data
        raise InvalidResponseError(
            f"HTTP {status}: expected a JSON object, got {_snippet(response.body) or 'nothing'}",
            status_code=status,
        )
    raise error_from_http(response, data)


_NOT_JSON = object()


def error_from_http(response: HttpResponse, data: Any = _NOT_JSON) -> CognitoError:
    """Build the typed error for a non-2xx answer (``data``: the decoded body if known)."""
    status = response.status
    if data is _NOT_JSON:
        try:
            data = _decode(response.body)
        except (ValueError, UnicodeDecodeError):
            data = _NOT_JSON
    if isinstance(data, dict):
        name = data.get("__type") or data.get("code") or data.get("Code")
        message = data.get("message") or data.get("Message") or ""
        if isinstance(name, str) and name:
            return error_from_response(name, str(message), status)
    header = response.header("x-amzn-errortype")
    if header:
        # e.g. "NotAuthorizedException:http://internal.amazon.com/coral/..."
        return error_from_response(header.split(":", 1)[0], f"HTTP {status}", status)
    snippet = _snippet(response.body)
    kind = "non-JSON" if data is _NOT_JSON else "unrecognised"
    return InvalidResponseError(
        f"HTTP {status} with a {kind} body" + (f": {snippet}" if snippet else " (empty)"),
        status_code=status,
    )
