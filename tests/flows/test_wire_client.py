"""wire.py and client.py: request shapes, error parsing, retries (MockTransport)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flows_helpers import NoSleep, error

from amazon_cognito_identity import (
    Client,
    CognitoError,
    HttpRequest,
    HttpResponse,
    InternalErrorException,
    InvalidResponseError,
    MockTransport,
    NetworkError,
    NotAuthorizedException,
    RequestTimeoutError,
    RetryPolicy,
    ServiceError,
    TooManyRequestsException,
    UrllibTransport,
)
from amazon_cognito_identity.wire import (
    build_request,
    endpoint_for,
    parse_response,
    validate_pool_id,
)


def test_endpoint_from_region_or_override() -> None:
    assert endpoint_for("eu-west-1") == "https://cognito-idp.eu-west-1.amazonaws.com/"
    assert endpoint_for("eu-west-1", "http://127.0.0.1:9/") == "http://127.0.0.1:9/"
    assert (
        endpoint_for("eu-west-1", service="AWSCognitoIdentityService")
        == "https://cognito-identity.eu-west-1.amazonaws.com/"
    )


@pytest.mark.parametrize("good", ["us-east-1_abc123", "eu-central-1_X", "local_0"])
def test_pool_id_valid(good: str) -> None:
    assert validate_pool_id(good) == good


@pytest.mark.parametrize(
    "bad", ["", "nounderscore", "us-east-1_", "us-east-1_a-b", "us east_1", "a_" + "b" * 60]
)
def test_pool_id_invalid(bad: str) -> None:
    with pytest.raises(ValueError):
        validate_pool_id(bad)


def test_request_headers_and_body_drop_nulls() -> None:
    req = build_request(
        "http://h/", "InitiateAuth", {"A": 1, "B": None, "C": {"D": None, "E": "x"}}
    )
    assert req.method == "POST"
    assert req.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert req.headers["X-Amz-Target"] == "AWSCognitoIdentityProviderService.InitiateAuth"
    assert req.headers["Cache-Control"] == "no-store"
    assert req.headers["X-Amz-User-Agent"].startswith("amazon-cognito-identity-py/")
    assert json.loads(req.body) == {"A": 1, "C": {"E": "x"}}


def test_parse_success_and_empty_body() -> None:
    assert parse_response(HttpResponse(200, {}, b'{"a": 1}')) == {"a": 1}
    assert parse_response(HttpResponse(200, {}, b"")) == {}


@pytest.mark.parametrize(
    ("body", "cls", "code"),
    [
        (
            b'{"__type":"NotAuthorizedException","message":"bad"}',
            NotAuthorizedException,
            "NotAuthorizedException",
        ),
        (
            b'{"__type":"com.amazon#NotAuthorizedException","Message":"bad"}',
            NotAuthorizedException,
            "NotAuthorizedException",
        ),
        (
            b'{"code":"NotAuthorizedException","message":"bad"}',
            NotAuthorizedException,
            "NotAuthorizedException",
        ),
        (
            b'{"__type":"SomethingNewException","message":"bad"}',
            ServiceError,
            "SomethingNewException",
        ),
    ],
)
def test_parse_error_names(body: bytes, cls: type, code: str) -> None:
    with pytest.raises(cls) as info:
        parse_response(HttpResponse(400, {}, body))
    assert info.value.code == code
    assert info.value.status_code == 400
    assert info.value.message == "bad"


@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [
        (500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", True),
        (502, b'{"__type": "NotAuth', True),  # truncated JSON
        (503, b"", True),
        (400, b"plain text oops", False),
        (400, b"[1, 2]", False),
        (200, b"<html>captive portal</html>", False),
        (200, b"\xff\xfe\x00garbage", False),
    ],
)
def test_non_json_bodies_become_invalid_response(status: int, body: bytes, retryable: bool) -> None:
    with pytest.raises(InvalidResponseError) as info:
        parse_response(HttpResponse(status, {"content-type": "text/html"}, body))
    assert info.value.status_code == status
    assert info.value.retryable is retryable
    assert f"HTTP {status}" in info.value.message


def test_html_page_message_is_readable() -> None:
    with pytest.raises(InvalidResponseError) as info:
        parse_response(HttpResponse(500, {}, b"<html><h1>Internal Server Error</h1></html>"))
    assert "Internal Server Error" in info.value.message
    assert "<h1>" not in info.value.message


def test_error_type_header_used_when_body_is_not_json() -> None:
    resp = HttpResponse(400, {"x-amzn-errortype": "NotAuthorizedException:http://x/"}, b"")
    with pytest.raises(NotAuthorizedException):
        parse_response(resp)


def _client(script: list, sleeps: NoSleep) -> tuple[Client, MockTransport]:
    transport = MockTransport(script)
    policy = RetryPolicy(sleep=sleeps, rand=lambda: 0.5)
    return Client("us-east-1", transport=transport, retry=policy), transport


def ok(data: dict) -> HttpResponse:
    return HttpResponse(200, {}, json.dumps(data).encode())


async def test_retries_network_5xx_and_throttling_then_succeeds() -> None:
    sleeps = NoSleep()
    client, transport = _client(
        [
            NetworkError("down"),
            HttpResponse(500, {}, b"<html>oops</html>"),
            error(400, "TooManyRequestsException", "slow down"),
            error(500, "InternalErrorException", "boom"),
            ok({"fine": True}),
        ],
        sleeps,
    )
    assert await client.call("GetUser", {"AccessToken": "t"}) == {"fine": True}
    assert len(transport.requests) == 5
    # 2^n * 100 ms + 0.5 * 100 ms
    assert sleeps.delays == pytest.approx([0.25, 0.45, 0.85, 1.65])


async def test_gives_up_once_delay_passes_cap() -> None:
    sleeps = NoSleep()
    client, transport = _client([RequestTimeoutError("slow")] * 20, sleeps)
    with pytest.raises(RequestTimeoutError):
        await client.call("GetUser", {})
    # delays 0.25 .. 3.25 are allowed, 6.45 > 5 s stops: 1 try + 5 retries.
    assert len(transport.requests) == 6
    assert sleeps.delays[-1] == pytest.approx(3.25)


@pytest.mark.parametrize(
    "answer",
    [
        error(400, "NotAuthorizedException", "Incorrect username or password."),
        error(400, "CodeMismatchException", "bad code"),
        HttpResponse(400, {}, b"<html>bad request</html>"),
    ],
)
async def test_never_retries_client_errors(answer: HttpResponse) -> None:
    sleeps = NoSleep()
    client, transport = _client([answer, ok({})], sleeps)
    with pytest.raises(Exception):  # noqa: B017 - the type is checked per case below
        await client.call("InitiateAuth", {})
    assert len(transport.requests) == 1
    assert sleeps.delays == []


async def test_retry_false_disables_retries() -> None:
    sleeps = NoSleep()
    client, transport = _client([error(500, "InternalErrorException", "x"), ok({})], sleeps)
    with pytest.raises(InternalErrorException):
        await client.call("GetUser", {}, retry=False)
    assert len(transport.requests) == 1


def test_throttling_class_is_retryable() -> None:
    assert TooManyRequestsException("x").retryable
    assert not NotAuthorizedException("x").retryable


async def test_urllib_transport_maps_refused_connection_to_network_error() -> None:
    import socket

    from amazon_cognito_identity import UrllibTransport

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on the port now.
    client = Client(
        endpoint=f"http://127.0.0.1:{port}/",
        transport=UrllibTransport(2.0),
        retry=RetryPolicy.never(),
    )
    with pytest.raises(NetworkError):
        await client.call("GetUser", {})


# ---- retries only where repeating is safe (issue 12) ------------------------------------


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("RespondToAuthChallenge", {"ChallengeName": "SMS_MFA"}),
        ("ConfirmForgotPassword", {"ConfirmationCode": "1"}),
        ("ConfirmSignUp", {"ConfirmationCode": "1"}),
        ("SignUp", {"Username": "u"}),
        ("ChangePassword", {}),
        ("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH"}),
        ("VerifySoftwareToken", {}),
        # Rotation: a refresh the server acted on spent its token (grace period may be 0).
        ("GetTokensFromRefreshToken", {"RefreshToken": "r"}),
    ],
)
@pytest.mark.parametrize(
    "failure",
    [
        lambda: NetworkError("reset after sending"),
        lambda: RequestTimeoutError("no answer in time"),
        lambda: error(500, "InternalErrorException", "boom"),
        lambda: HttpResponse(502, {}, b"<html>bad gateway</html>"),
    ],
)
async def test_single_use_requests_are_not_repeated_once_sent(
    operation: str, params: dict, failure: Any
) -> None:
    sleeps = NoSleep()
    client, transport = _client([failure(), ok({"fine": True})], sleeps)
    with pytest.raises(CognitoError) as info:
        await client.call(operation, params)
    assert info.value.retryable  # retryable in itself, but not safe to send again
    assert len(transport.requests) == 1
    assert sleeps.delays == []


@pytest.mark.parametrize(
    "failure",
    [
        lambda: NetworkError("refused", reached_server=False),
        lambda: RequestTimeoutError("connect timed out", reached_server=False),
        lambda: error(400, "TooManyRequestsException", "slow down"),
    ],
)
async def test_single_use_requests_are_retried_when_never_acted_on(failure: Any) -> None:
    sleeps = NoSleep()
    client, transport = _client([failure(), ok({"fine": True})], sleeps)
    assert await client.call("ConfirmForgotPassword", {}) == {"fine": True}
    assert len(transport.requests) == 2


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH"}),
        ("RevokeToken", {}),
        ("GetUser", {}),
        ("ListDevices", {}),
        ("GetDevice", {}),
        ("GetCredentialsForIdentity", {}),
    ],
)
async def test_repeatable_requests_are_retried_after_reaching_the_server(
    operation: str, params: dict
) -> None:
    sleeps = NoSleep()
    client, transport = _client(
        [NetworkError("reset"), error(500, "InternalErrorException", "x"), ok({})], sleeps
    )
    assert await client.call(operation, params) == {}
    assert len(transport.requests) == 3


async def test_retry_true_still_retries_everything_retryable() -> None:
    client, transport = _client([NetworkError("reset"), ok({})], NoSleep())
    assert await client.call("SignUp", {}, retry=True) == {}
    assert len(transport.requests) == 2


async def test_urllib_connection_refused_is_known_unsent() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    transport = UrllibTransport(timeout=5)
    with pytest.raises(NetworkError) as info:
        await transport.send(HttpRequest("POST", f"http://127.0.0.1:{port}/", {}, b"{}"))
    assert info.value.reached_server is False
