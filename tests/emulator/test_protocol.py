"""Wire behaviour: JSON error bodies, precise 400s, 404/405, CORS, the operation registry."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from cognito_emulator import registry
from cognito_emulator.errors import ServiceError
from cognito_emulator.state import EmulatorConfig
from cognito_emulator.testing import EmulatorServer

from .conftest import PoolSetup

TARGET = "AWSCognitoIdentityProviderService."


def _post(
    setup: PoolSetup, body: bytes | str, target: str | None = "SignUp", **headers: str
) -> httpx.Response:
    hdrs = {"Content-Type": "application/x-amz-json-1.1", **headers}
    if target is not None:
        hdrs["X-Amz-Target"] = TARGET + target if "." not in target else target
    return httpx.post(setup.server.endpoint, content=body, headers=hdrs)


def _error(resp: httpx.Response) -> tuple[int, str, str]:
    body = resp.json()
    return resp.status_code, body["__type"], body["message"]


def test_malformed_json(setup: PoolSetup) -> None:
    status, name, message = _error(_post(setup, b"{not json"))
    assert (status, name) == (400, "SerializationException")
    assert "Malformed JSON" in message
    status, name, _ = _error(_post(setup, b"[1, 2]"))
    assert (status, name) == (400, "SerializationException")


def test_unknown_operation_and_missing_target(setup: PoolSetup) -> None:
    status, name, message = _error(_post(setup, b"{}", target="NoSuchOperation"))
    assert (status, name) == (400, "UnknownOperationException")
    assert "NoSuchOperation" in message
    status, name, _ = _error(_post(setup, b"{}", target=None))
    assert status == 400 and name == "MissingAction"


def test_missing_and_ill_typed_parameters(setup: PoolSetup) -> None:
    cid = setup.client_id
    status, name, message = _error(_post(setup, json.dumps({"ClientId": cid})))
    assert (status, name) == (400, "InvalidParameterException")
    assert "'Username'" in message and "must not be null" in message
    body = {"ClientId": cid, "Username": 5, "Password": "x"}
    status, name, message = _error(_post(setup, json.dumps(body)))
    assert (status, name) == (400, "SerializationException")
    assert message == "Expected string for 'Username', got int"
    body = {"ClientId": cid, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": []}
    status, name, message = _error(_post(setup, json.dumps(body), target="InitiateAuth"))
    assert (status, name) == (400, "SerializationException")
    assert "AuthParameters" in message
    body = {"ClientId": cid, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {}}
    status, name, message = _error(_post(setup, json.dumps(body), target="InitiateAuth"))
    assert (status, name, message) == (
        400,
        "InvalidParameterException",
        "Missing required parameter USERNAME",
    )


def test_unknown_client_and_pool(setup: PoolSetup) -> None:
    status, name, _ = _error(_post(setup, '{"ClientId": "nope", "Username": "a", "Password": "b"}'))
    assert (status, name) == (400, "ResourceNotFoundException")
    status, name, _ = _error(
        _post(setup, '{"UserPoolId": "us-east-1_nothere"}', target="DescribeUserPool")
    )
    assert (status, name) == (400, "ResourceNotFoundException")


def test_404_405_are_json(setup: PoolSetup) -> None:
    resp = httpx.get(setup.server.endpoint + "nowhere")
    assert resp.status_code == 404 and resp.json()["__type"] == "NotFound"
    resp = httpx.get(setup.server.endpoint)
    assert resp.status_code == 405 and resp.json()["__type"] == "MethodNotAllowed"
    resp = httpx.get(f"{setup.server.endpoint}us-east-1_missing/.well-known/jwks.json")
    assert resp.status_code == 404 and resp.json()["__type"] == "ResourceNotFoundException"


def test_internal_error_is_json_500(setup: PoolSetup) -> None:
    @registry.operation("EmulatorTest.Boom")
    def boom(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("kaboom")

    resp = _post(setup, b"{}", target="EmulatorTest.Boom")
    assert resp.status_code == 500
    assert resp.json()["__type"] == "InternalErrorException"


def test_registry_plugs_in_a_new_service(setup: PoolSetup) -> None:
    @registry.operation("AWSCognitoIdentityServiceTest.Echo")
    def echo(ctx: registry.RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("fail"):
            raise ServiceError("ResourceNotFoundException", "no such identity")
        return {"echo": params, "pools": len(ctx.emulator.store.scan("pool"))}

    resp = _post(setup, '{"x": 1}', target="AWSCognitoIdentityServiceTest.Echo")
    assert resp.json() == {"echo": {"x": 1}, "pools": 1}
    resp = _post(setup, '{"fail": true}', target="AWSCognitoIdentityServiceTest.Echo")
    assert resp.status_code == 400 and resp.json()["__type"] == "ResourceNotFoundException"
    with pytest.raises(ValueError):
        registry.operation("AWSCognitoIdentityServiceTest.Echo")(lambda c, p: {})


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:8000", "http://localhost:3000", "http://localhost"]
)
def test_cors_default_allows_local_origins(setup: PoolSetup, origin: str) -> None:
    resp = httpx.options(
        setup.server.endpoint,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
    )
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-origin"] == origin
    assert "x-amz-target" in resp.headers["access-control-allow-headers"]
    assert "POST" in resp.headers["access-control-allow-methods"]
    post = _post(setup, b"{}", target="GetUser", Origin=origin)
    assert post.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "https://127.0.0.1:8000", "http://127.0.0.1.evil.example", "null"],
)
def test_cors_refuses_other_origins(setup: PoolSetup, origin: str) -> None:
    resp = httpx.options(
        setup.server.endpoint, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert resp.status_code == 403
    assert "access-control-allow-origin" not in resp.headers
    assert resp.json()["__type"] == "CORSOriginDenied"
    post = _post(setup, b"{}", target="GetUser", Origin=origin)
    assert "access-control-allow-origin" not in post.headers


def test_cors_configured_origins() -> None:
    config = EmulatorConfig(print_outbox=False, allowed_origins=["https://app.example.test"])
    with EmulatorServer(config=config) as server:
        ok = httpx.options(
            server.endpoint,
            headers={"Origin": "https://app.example.test", "Access-Control-Request-Method": "POST"},
        )
        assert ok.status_code == 204
        local = httpx.options(
            server.endpoint,
            headers={"Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "POST"},
        )
        assert local.status_code == 403


def test_outbox_filters_and_reset(setup: PoolSetup) -> None:
    setup.server.emulator.deliver(setup.pool_id, "a", "signup", "123456", "a@example.com")
    setup.server.emulator.deliver("us-east-1_other", "a", "signup", "654321", "a@example.com")
    base = setup.server.endpoint + "_emulator/outbox"
    assert len(httpx.get(base, params={"username": "a"}).json()) == 2
    only = httpx.get(base, params={"username": "a", "pool_id": setup.pool_id}).json()
    assert [m["code"] for m in only] == ["123456"]
    assert set(only[0]) == {
        "username",
        "pool_id",
        "kind",
        "code",
        "destination",
        "time",
        "used",
        "superseded",
    }
    assert httpx.post(setup.server.endpoint + "_emulator/reset").status_code == 200
    assert httpx.get(base, params={"username": "a"}).json() == []
