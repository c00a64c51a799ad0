"""AWS Signature Version 4: sign a request with (temporary) AWS credentials.

Pure functions, no I/O: :func:`sign_request` returns a :class:`SignedRequest` that any
transport can send. Two modes:

* header signing (``Authorization`` header, ``X-Amz-Date``, ``X-Amz-Security-Token``), and
* query-string signing for presigned URLs (``presign_expires=seconds``).

Canonicalisation follows botocore's ``SigV4Auth`` / ``S3SigV4Auth`` / ``SigV4QueryAuth`` /
``S3SigV4QueryAuth`` byte for byte (a differential test checks it), given the URL in its
*wire form*: the path and query percent-encoded as they go on the wire.

Differences from botocore, on purpose:

* The URL is first brought to wire form: characters that may not appear raw (space,
  non-ASCII, ``+`` in a query, ...) are percent-encoded as UTF-8; existing ``%XX`` escapes
  are kept. botocore expects its serializer to have done that already. A ``+`` in the
  query means a space (as S3 and ``parse_qs`` read it) and is sent as ``%20``.
* An empty path becomes ``/`` (botocore's S3 signer would sign an empty path).
* Empty query segments (``a&&b``) are dropped.
* A presigned URL keeps repeated query keys (botocore's ``parse_qs`` keeps only the
  first value of each key).
* A ``Date`` header is signed as given; the signer always adds ``X-Amz-Date`` (botocore
  rewrites ``Date`` and drops ``X-Amz-Date``).
* ``unsigned_payload=True`` signs ``UNSIGNED-PAYLOAD`` over plain HTTP too (botocore's
  non-S3 signer ignores that setting unless the URL is https).

Like botocore, S3 (``service="s3"``) paths are signed as they are on the wire (no dot
segment removal, no second encoding) and S3 requests always carry ``X-Amz-Content-SHA256``;
every other service signs the path encoded a second time after removing dot segments and
repeated slashes. ``Host`` is signed but not added to the returned headers: HTTP clients
(urllib, browser fetch) set it from the URL, and fetch forbids setting it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, quote, unquote_to_bytes, urlsplit, urlunsplit

from .errors import InvalidParameterError

__all__ = [
    "EMPTY_SHA256",
    "UNSIGNED_PAYLOAD",
    "AwsCredentials",
    "SignedRequest",
    "sign_request",
    "signing_key",
]

#: The payload hash used when the body is not signed.
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
#: sha256 of the empty string.
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

_ALGORITHM = "AWS4-HMAC-SHA256"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_HEX = frozenset("0123456789abcdefABCDEF")
# Headers a proxy or the HTTP stack may change or drop: never signed (botocore's list).
_UNSIGNED_HEADERS = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
# Headers the signer sets itself; a caller's copy is replaced.
_SIGNER_HEADERS = frozenset(
    {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
)
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


@dataclass(frozen=True)
class AwsCredentials:
    """A set of AWS credentials, usually temporary ones from Cognito Identity.

    ``expiration`` is an aware UTC datetime, or None for long-term keys.
    """

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None

    @classmethod
    def from_response(cls, data: Mapping[str, Any]) -> AwsCredentials:
        """Build from a GetCredentialsForIdentity ``Credentials`` object.

        ``Expiration`` is epoch seconds (a number) as the JSON protocol sends it, or an
        ISO 8601 string.
        """
        try:
            access_key = str(data["AccessKeyId"])
            secret = str(data["SecretKey"])
        except KeyError as exc:
            raise InvalidParameterError(f"credentials lack {exc.args[0]}") from None
        token = data.get("SessionToken")
        raw_exp = data.get("Expiration")
        expiration: datetime | None = None
        if isinstance(raw_exp, int | float) and not isinstance(raw_exp, bool):
            expiration = datetime.fromtimestamp(float(raw_exp), tz=UTC)
        elif isinstance(raw_exp, str):
            # ISO 8601, as other SDKs serialise it (e.g. "2026-01-01T00:00:00Z").
            try:
                expiration = datetime.fromisoformat(raw_exp.replace("Z", "+00:00"))
            except ValueError:
                raise InvalidParameterError(f"bad Expiration {raw_exp!r}") from None
            if expiration.tzinfo is None:
                expiration = expiration.replace(tzinfo=UTC)
        return cls(access_key, secret, None if token is None else str(token), expiration)


@dataclass
class SignedRequest:
    """A signed request, ready for a transport.

    ``headers`` holds the caller's headers plus the signer's (``Authorization`` or none
    for a presigned URL, ``X-Amz-Date``, ``X-Amz-Security-Token``, ``X-Amz-Content-SHA256``).
    The other fields show what was signed, for debugging and tests.
    """

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    signature: str
    signed_headers: str
    canonical_request: str
    string_to_sign: str


def _encode_wire(text: str, *, keep: str, plus_is_space: bool = False) -> str:
    """Percent-encode what may not appear raw; keep valid ``%XX`` escapes as they are."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
            out.append(text[i : i + 3])
            i += 3
            continue
        if ch in _UNRESERVED or ch in keep:
            out.append(ch)
        elif ch == "+" and plus_is_space:
            out.append("%20")
        else:
            try:
                raw = ch.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidParameterError("URL holds a lone surrogate") from None
            out.append("".join(f"%{b:02X}" for b in raw))
        i += 1
    return "".join(out)


def _wire_query_pairs(query: str) -> list[tuple[str, str | None]]:
    """Split a query into encoded ``(key, value)`` pairs; value None means no ``=``."""
    pairs: list[tuple[str, str | None]] = []
    for segment in query.split("&"):
        if not segment:
            continue
        key, eq, value = segment.partition("=")
        enc_key = _encode_wire(key, keep="", plus_is_space=True)
        enc_value = _encode_wire(value, keep="", plus_is_space=True) if eq else None
        pairs.append((enc_key, enc_value))
    return pairs


def _join_query(pairs: list[tuple[str, str | None]]) -> str:
    return "&".join(k if v is None else f"{k}={v}" for k, v in pairs)


def _canonical_query(pairs: list[tuple[str, str | None]]) -> str:
    # A key without "=" is signed as "key=" (botocore's partition does the same).
    return "&".join(f"{k}={v}" for k, v in sorted((k, v or "") for k, v in pairs))


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 5.2.4, plus AWS's removal of empty segments (repeated slashes).
    if not path:
        return "/"
    kept: list[str] = []
    for part in path.split("/"):
        if not part or part == ".":
            continue
        if part == "..":
            if kept:
                kept.pop()
        else:
            kept.append(part)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and kept else ""
    return first + "/".join(kept) + last


def _host_from_url(scheme: str, hostname: str, port: int | None, is_ipv6: bool) -> str:
    host = f"[{hostname}]" if is_ipv6 else hostname
    default = {"http": 80, "https": 443}.get(scheme)
    if port is not None and port != default:
        host = f"{host}:{port}"
    return host


def _trim_all(value: str) -> str:
    # SigV4 "Trimall": strip, and collapse runs of whitespace to one space.
    return " ".join(value.split())


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _percent_encode(value: str | bytes) -> str:
    return quote(value.encode("utf-8") if isinstance(value, str) else value, safe="-_.~")


def signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    """Derive the SigV4 signing key for ``date`` (``YYYYMMDD``), region and service."""
    k_date = _hmac(f"AWS4{secret_access_key}".encode(), date)
    return _hmac(_hmac(_hmac(k_date, region), service), "aws4_request")


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    *,
    service: str,
    region: str,
    credentials: AwsCredentials,
    now: datetime | None = None,
    unsigned_payload: bool = False,
    presign_expires: int | None = None,
) -> SignedRequest:
    """Sign an HTTP request with SigV4 and return it ready to send.

    Args:
        method: the HTTP method (upper-cased for signing and in the result).
        url: the full URL; path and query are brought to wire form (see the module doc).
        headers: request headers; ``Host`` is taken from the URL unless given.
        body: the payload; a str is encoded as UTF-8.
        service: the signing name, e.g. ``"s3"``, ``"execute-api"``, ``"dynamodb"``.
        region: e.g. ``"us-east-1"``.
        credentials: the keys; a session token is signed when present.
        now: the signing time (default: the current UTC time); naive means UTC.
        unsigned_payload: sign ``UNSIGNED-PAYLOAD`` instead of the body's sha256.
        presign_expires: sign the query string instead of headers, valid this many
            seconds (1 to 604800): the result's ``url`` is a presigned URL.

    Raises:
        InvalidParameterError: a bad URL, method, region, service or expiry.
    """
    method, parts = _check_request(method, url, service, region, presign_expires)
    payload = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    is_s3 = service == "s3"
    when = now or datetime.now(UTC)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    wire_path = _encode_wire(parts.path, keep="/") or "/"
    pairs = _wire_query_pairs(parts.query)

    out_headers, content_sha = _caller_headers(headers, presign=presign_expires is not None)
    payload_hash = _payload_hash(
        out_headers,
        payload,
        content_sha,
        is_s3=is_s3,
        unsigned_payload=unsigned_payload,
        presign=presign_expires is not None,
        amz_date=amz_date,
        session_token=credentials.session_token,
    )
    signed_headers, canonical_headers = _canonical_headers(out_headers, parts)
    if presign_expires is not None:
        pairs = _presign_pairs(pairs, credentials, scope, amz_date, presign_expires, signed_headers)
    canonical_path = wire_path if is_s3 else quote(_remove_dot_segments(wire_path), safe="/~")
    canonical_request = "\n".join(
        [
            method,
            canonical_path,
            _canonical_query(pairs),
            canonical_headers,
            signed_headers,
            payload_hash,
        ]
    )
    string_to_sign = "\n".join(
        [
            _ALGORITHM,
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )
    key = signing_key(credentials.secret_access_key, amz_date[:8], region, service)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

    query = _join_query(pairs)
    if presign_expires is not None:
        query = f"{query}&X-Amz-Signature={signature}"
    else:
        out_headers["Authorization"] = (
            f"{_ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
            f"SignedHeaders={signed_headers}, Signature={signature}"
        )
    signed_url = urlunsplit((parts.scheme, parts.netloc, wire_path, query, ""))
    return SignedRequest(
        method=method,
        url=signed_url,
        headers=out_headers,
        body=payload,
        signature=signature,
        signed_headers=signed_headers,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
    )


def _check_request(
    method: str, url: str, service: str, region: str, presign_expires: int | None
) -> tuple[str, SplitResult]:
    """The upper-cased method and the split URL, or InvalidParameterError."""
    if not method or not method.isascii() or not method.strip().isalpha():
        raise InvalidParameterError(f"bad HTTP method {method!r}")
    if not service or not region:
        raise InvalidParameterError("service and region are required")
    if presign_expires is not None and not 1 <= presign_expires <= 604800:
        raise InvalidParameterError("presign_expires must be 1..604800 seconds")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameterError(f"not an http(s) URL: {url!r}")
    return method.strip().upper(), parts


def _caller_headers(
    headers: Mapping[str, str] | None, *, presign: bool
) -> tuple[dict[str, str], str | None]:
    """The caller's headers minus those the signer owns, and a caller-given content hash."""
    out_headers: dict[str, str] = {}
    content_sha: str | None = None
    for name, value in (headers or {}).items():
        lname = name.lower()
        if lname == "x-amz-content-sha256":
            content_sha = value
        if lname in _SIGNER_HEADERS:
            continue
        out_headers[name] = value
    if presign:
        # botocore drops its own default form content type from presigned requests.
        for name in [n for n, v in out_headers.items() if n.lower() == "content-type"]:
            if out_headers[name] == _FORM_CONTENT_TYPE:
                del out_headers[name]
    return out_headers, content_sha


def _payload_hash(
    out_headers: dict[str, str],
    payload: bytes,
    content_sha: str | None,
    *,
    is_s3: bool,
    unsigned_payload: bool,
    presign: bool,
    amz_date: str,
    session_token: str | None,
) -> str:
    """The payload hash to sign; adds the X-Amz-* headers a header-signed request needs."""
    if unsigned_payload or (presign and is_s3):
        payload_hash = UNSIGNED_PAYLOAD
    else:
        payload_hash = hashlib.sha256(payload).hexdigest() if payload else EMPTY_SHA256
    if not presign:
        if content_sha is not None and not is_s3 and not unsigned_payload:
            # A caller-given content hash wins, as in botocore (e.g. a streaming hash).
            payload_hash = content_sha
            out_headers["X-Amz-Content-SHA256"] = content_sha
        out_headers["X-Amz-Date"] = amz_date
        if session_token:
            out_headers["X-Amz-Security-Token"] = session_token
        if is_s3 or unsigned_payload:
            out_headers["X-Amz-Content-SHA256"] = payload_hash
    elif content_sha is not None:
        payload_hash = content_sha
        out_headers["X-Amz-Content-SHA256"] = content_sha
    return payload_hash


def _canonical_headers(out_headers: Mapping[str, str], parts: SplitResult) -> tuple[str, str]:
    """SignedHeaders and the canonical header block (names lower-cased, repeats joined)."""
    to_sign: dict[str, list[str]] = {}
    for name, value in out_headers.items():
        lname = name.lower()
        if lname not in _UNSIGNED_HEADERS:
            to_sign.setdefault(lname, []).append(value)
    if "host" not in to_sign:
        hostname = parts.hostname or ""
        to_sign["host"] = [_host_from_url(parts.scheme, hostname, parts.port, ":" in hostname)]
    names = sorted(to_sign)
    signed_headers = ";".join(n.strip() for n in names)
    canonical_headers = "".join(
        f"{n}:{','.join(_trim_all(v) for v in to_sign[n])}\n" for n in names
    )
    return signed_headers, canonical_headers


def _presign_pairs(
    pairs: list[tuple[str, str | None]],
    credentials: AwsCredentials,
    scope: str,
    amz_date: str,
    expires: int,
    signed_headers: str,
) -> list[tuple[str, str | None]]:
    """The query of a presigned URL: operation params re-encoded strictly (as botocore),
    then the auth params."""
    auth_params: list[tuple[str, str]] = [
        ("X-Amz-Algorithm", _ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key_id}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", signed_headers),
    ]
    if credentials.session_token is not None:
        auth_params.append(("X-Amz-Security-Token", credentials.session_token))
    out: list[tuple[str, str | None]] = [
        (_percent_encode(unquote_to_bytes(k)), _percent_encode(unquote_to_bytes(v or "")))
        for k, v in pairs
    ]
    return out + [(_percent_encode(k), _percent_encode(v)) for k, v in auth_params]
