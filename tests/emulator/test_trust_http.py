"""The HTTP surface refuses what a hostile page or a careless client sends (issue 14): other
Host names (DNS rebinding), cross-site requests to ``/_emulator/*``, bodies over the cap (413
before the body is read), deep JSON, control characters and lone surrogates, settings that
would break later requests, forged pagination tokens; and ``iss`` does not follow Host."""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import httpx
import pytest

from cognito_emulator.testing import EmulatorServer

from .conftest import PoolSetup
from .srp_client import CognitoError, srp_sign_in

PASSWORD = "Passw0rd!"
TARGET = "AWSCognitoIdentityProviderService."


def _post(server: EmulatorServer, op: str, body: bytes | str, **headers: str) -> httpx.Response:
    return httpx.post(
        server.endpoint,
        content=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": TARGET + op,
            **headers,
        },
        timeout=30,
    )


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "10.0.0.1", "127.0.0.2"])
def test_other_host_names_are_refused(setup: PoolSetup, host: str) -> None:
    server = setup.server
    assert _post(server, "ListUserPools", "{}", Host=host).status_code == 421
    got = httpx.get(server.endpoint + "_emulator/outbox", headers={"Host": host})
    assert got.status_code == 421
    wiped = httpx.post(server.endpoint + "_emulator/reset", headers={"Host": host})
    assert wiped.status_code == 421
    assert server.emulator.store.get("pool", setup.pool_id) is not None


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "LOCALHOST:1234", "[::1]:9"])
def test_local_host_names_pass(setup: PoolSetup, host: str) -> None:
    assert _post(setup.server, "ListUserPools", '{"MaxResults": 5}', Host=host).status_code == 200


def test_cross_site_posts_cannot_drive_the_emulator(setup: PoolSetup) -> None:
    server = setup.server
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"}
    wiped = httpx.post(server.endpoint + "_emulator/reset", content=b"x=1", headers=form)
    assert wiped.status_code == 403
    assert server.emulator.store.get("pool", setup.pool_id) is not None
    read = httpx.get(
        server.endpoint + "_emulator/outbox", headers={"Origin": "http://evil.example"}
    )
    assert read.status_code == 403
    assert "access-control-allow-origin" not in read.headers
    local = httpx.get(
        server.endpoint + "_emulator/outbox", headers={"Origin": "http://localhost:5173"}
    )
    assert local.status_code == 200
    assert local.headers["access-control-allow-origin"] == "http://localhost:5173"


def test_iss_does_not_follow_the_host_header(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD)
    resp = _post(
        setup.server,
        "InitiateAuth",
        json.dumps(
            {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": setup.client_id,
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
            }
        ),
        Host="localhost:1",
    )
    assert resp.status_code == 200, resp.text
    iss = _claims(resp.json()["AuthenticationResult"]["IdToken"])["iss"]
    assert iss == setup.server.endpoint + setup.pool_id


def test_a_huge_body_is_refused_before_it_is_read(emulator: EmulatorServer) -> None:
    host, port = "127.0.0.1", emulator.port
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
            b"X-Amz-Target: " + TARGET.encode() + b"ListUserPools\r\n"
            b"Content-Length: 104857600\r\n\r\n{"
        )
        head = sock.recv(4096)  # answered with 99.9 MB still unsent
    assert head.startswith(b"HTTP/1.1 413"), head[:80]
    # A body over the cap sent in full is refused too; the server keeps serving.
    big = _post(emulator, "ListUserPools", b'{"x": "' + b"a" * (2 << 20) + b'"}')
    assert big.status_code == 413
    assert _post(emulator, "ListUserPools", '{"MaxResults": 1}').status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b'{"ClientId": ' + b"[" * 40 + b'"x"' + b"]" * 40 + b"}",
    ],
)
def test_deep_json_is_a_400_not_a_500(emulator: EmulatorServer, body: bytes) -> None:
    resp = _post(emulator, "InitiateAuth", body)
    assert resp.status_code == 400
    assert resp.json()["__type"] == "SerializationException"


@pytest.mark.parametrize(
    "value", ["\ud800", "a\udfffb", "nul\x00", "esc\x1b[31m", "del\x7f", "c1\x85"]
)
def test_control_characters_and_lone_surrogates_are_refused(setup: PoolSetup, value: str) -> None:
    body = json.dumps(
        {"ClientId": setup.client_id, "Username": value, "Password": PASSWORD}
    )  # json.dumps escapes them as \\uXXXX, which the server decodes
    resp = _post(setup.server, "SignUp", body)
    assert resp.status_code == 400
    assert resp.json()["__type"] == "InvalidParameterException"
    assert not setup.server.emulator.store.scan("user", setup.pool_id + "/")


def test_password_and_username_length_limits(setup: PoolSetup) -> None:
    for username, password, limit in (("a" * 129, PASSWORD, "128"), ("ok", "Aa1!" * 65, "256")):
        with pytest.raises(CognitoError) as err:
            setup.api("SignUp", ClientId=setup.client_id, Username=username, Password=password)
        assert err.value.name == "InvalidParameterException"
        assert limit in err.value.message
    setup.server.create_user(setup.pool_id, "alice", PASSWORD)
    with pytest.raises(CognitoError) as err:
        setup.api(
            "InitiateAuth",
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=setup.client_id,
            AuthParameters={"USERNAME": "alice", "PASSWORD": "x" * 1_000_000},
        )
    assert err.value.name == "InvalidParameterException"


@pytest.mark.parametrize(
    "params",
    [
        {"Policies": {"PasswordPolicy": {"TemporaryPasswordValidityDays": "7"}}},
        {"Policies": {"PasswordPolicy": {"TemporaryPasswordValidityDays": 366}}},
        {"Policies": {"PasswordPolicy": {"RequireSymbols": "yes"}}},
        {"Policies": {"PasswordPolicy": {"MinimumLength": 5}}},
        {"AliasAttributes": [1, "email"]},
        {"AliasAttributes": ["email", "email"]},
        {"UsernameAttributes": ["preferred_username"]},
        {"AliasAttributes": ["email"], "UsernameAttributes": ["email"]},
        {"AutoVerifiedAttributes": ["name"]},
        {"UsernameConfiguration": {"CaseSensitive": "no"}},
        {"Schema": [{"Name": "bad name!"}]},
        {"Schema": "x"},
        {"EmulatorCustomAuth": "MAYBE"},
    ],
)
def test_pool_settings_are_checked_on_write(
    emulator: EmulatorServer, params: dict[str, Any]
) -> None:
    resp = _post(emulator, "CreateUserPool", json.dumps({"PoolName": "p", **params}))
    assert resp.status_code == 400, resp.text
    assert resp.json()["__type"] in ("InvalidParameterException", "SerializationException")
    listed = _post(emulator, "ListUserPools", '{"MaxResults": 60}')
    assert listed.status_code == 200
    assert listed.json()["UserPools"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"RefreshTokenValidity": -1},
        {"RefreshTokenValidity": 10**9},
        {"AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "minutes"}},
        {"IdTokenValidity": 25, "TokenValidityUnits": {"IdToken": "hours"}},
        {"AccessTokenValidity": 1, "TokenValidityUnits": {"AccessToken": "weeks"}},
        {"ExplicitAuthFlows": ["ALLOW_EVERYTHING"]},
        {"PreventUserExistenceErrors": "SOMETIMES"},
        {"ReadAttributes": ["favourite_colour"]},
        {"WriteAttributes": ["email_verified"]},
    ],
)
def test_client_settings_are_checked_on_write(setup: PoolSetup, params: dict[str, Any]) -> None:
    body = json.dumps({"UserPoolId": setup.pool_id, "ClientName": "c", **params})
    resp = _post(setup.server, "CreateUserPoolClient", body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["__type"] == "InvalidParameterException"


def test_huge_float_validity_is_a_400(setup: PoolSetup) -> None:
    pool = json.dumps(setup.pool_id)
    body = '{"UserPoolId": ' + pool + ', "ClientName": "c", "RefreshTokenValidity": 1e400}'
    resp = _post(setup.server, "CreateUserPoolClient", body)
    assert resp.status_code == 400


def test_forged_pagination_tokens_are_refused(setup: PoolSetup) -> None:
    for i in range(3):
        setup.server.create_user(setup.pool_id, f"user{i}", PASSWORD)
    page = setup.server.call("ListUsers", {"UserPoolId": setup.pool_id, "Limit": 2})
    token = page["PaginationToken"]
    rest = setup.server.call(
        "ListUsers", {"UserPoolId": setup.pool_id, "Limit": 2, "PaginationToken": token}
    )
    assert len(page["Users"]) + len(rest["Users"]) == 3
    body, _, mac = token.partition(".")
    for forged in ("-1", "1", "", token + "x", f"{body}.{'0' * len(mac)}", "a.b"):
        resp = _post(
            setup.server,
            "ListUsers",
            json.dumps({"UserPoolId": setup.pool_id, "Limit": 2, "PaginationToken": forged}),
        )
        assert resp.status_code == 400, (forged, resp.text)
    other = _post(
        setup.server,
        "ListUsers",
        json.dumps(
            {
                "UserPoolId": setup.pool_id,
                "Filter": 'username ^= "user"',
                "PaginationToken": token,
            }
        ),
    )
    assert other.status_code == 400  # a token is valid for the listing that issued it


def test_json_body_still_works_after_all_this(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "zed", PASSWORD)
    out = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "zed", PASSWORD)
    assert "AccessToken" in out["AuthenticationResult"]
