"""End to end in Chromium: a PyScript page signs in to the emulator's user pool, gets
identity-pool credentials, and sends a SigV4-signed request that an independent verifier
(botocore's signer, fed the keys the emulator issued) accepts."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from playwright.sync_api import Page, expect

BOOT_TIMEOUT_MS = 90_000
REGION = "us-east-1"
PASSWORD = "Browser-Pass-42"
_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
    r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$"
)


@dataclass
class Pools:
    endpoint: str
    user_pool_id: str
    client_id: str
    identity_pool_id: str


@pytest.fixture(scope="module")
def pools(emulator: Any) -> Pools:
    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=emulator.endpoint,
            region_name=REGION,
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )

    idp = client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="browser-identity")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="page",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="carol", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="carol", Password=PASSWORD, Permanent=True
    )
    cid = client("cognito-identity")
    ident = cid.create_identity_pool(
        IdentityPoolName="browser",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {"ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pool_id}", "ClientId": client_id}
        ],
    )["IdentityPoolId"]
    cid.set_identity_pool_roles(
        IdentityPoolId=ident, Roles={"authenticated": "arn:aws:iam::123456789012:role/page"}
    )
    return Pools(emulator.endpoint, pool_id, client_id, ident)


class Verifier:
    """An HTTP endpoint (CORS open) that checks SigV4 with botocore and the emulator's keys."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.seen: list[dict[str, Any]] = []
        verifier = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _cors(self) -> None:
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT")
                self.send_header(
                    "Access-Control-Allow-Headers",
                    "authorization, content-type, x-amz-date, x-amz-security-token, "
                    "x-amz-content-sha256",
                )

            def do_OPTIONS(self) -> None:
                self.send_response(204)
                self._cors()
                self.end_headers()

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                result = verifier.verify(self.command, self.path, dict(self.headers), body)
                payload = json.dumps(result).encode()
                self.send_response(200 if result["verified"] else 403)
                self._cors()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verify(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        lower = {k.lower(): v for k, v in headers.items()}
        match = _AUTH_RE.match(lower.get("authorization", ""))
        if match is None:
            return {"verified": False, "why": "no SigV4 Authorization header"}
        access_key, _date, region, service, signed, _sig = match.groups()
        stored = self.emulator.emulator.store.get("identity_credentials", access_key)
        if stored is None:
            return {"verified": False, "why": "unknown access key"}
        names = signed.split(";")
        if "x-amz-security-token" not in names:
            return {"verified": False, "why": "session token not signed"}
        request = AWSRequest(
            method=method,
            url=self.url + path,
            headers={n: lower[n] for n in names if n in lower},
            data=body,
        )
        when = datetime.strptime(lower["x-amz-date"], "%Y%m%dT%H%M%SZ")
        creds = Credentials(access_key, stored["SecretKey"], stored["SessionToken"])
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            SigV4Auth(creds, service, region).add_auth(request)
        ok = request.headers["Authorization"] == lower["authorization"]
        self.seen.append(
            {"verified": ok, "method": method, "body": body, "identity": stored["IdentityId"]}
        )
        return {"verified": ok, "identityId": stored["IdentityId"]}

    def __enter__(self) -> Verifier:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def verifier(emulator: Any) -> Iterator[Verifier]:
    with Verifier(emulator) as v:
        yield v


def test_verifier_rejects_a_wrong_secret(verifier: Verifier) -> None:
    """The verifier is not a rubber stamp: a known key signed with a wrong secret fails."""
    from amazon_cognito_identity.sigv4 import AwsCredentials, sign_request

    stored_key = "ASIATESTVERIFIER0001"
    verifier.emulator.emulator.store.put(
        "identity_credentials",
        stored_key,
        {"IdentityId": "us-east-1:test", "SecretKey": "right", "SessionToken": "tok"},
    )
    for secret, expected in (("right", 200), ("wrong", 403)):
        signed = sign_request(
            "POST",
            verifier.url + "/items",
            {"Content-Type": "application/json"},
            b"{}",
            service="execute-api",
            region=REGION,
            credentials=AwsCredentials(stored_key, secret, "tok"),
        )
        req = urllib.request.Request(
            signed.url, data=signed.body, headers=signed.headers, method="POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status = resp.status
        except urllib.error.HTTPError as err:
            status = err.code
        assert status == expected, secret
    verifier.emulator.emulator.store.delete("identity_credentials", stored_key)


def test_pyscript_page_signs_in_gets_credentials_and_signs(
    page: Page, pools: Pools, verifier: Verifier
) -> None:
    query = urlencode(
        {
            "userPoolId": pools.user_pool_id,
            "clientId": pools.client_id,
            "endpoint": pools.endpoint,
            "identityPoolId": pools.identity_pool_id,
            "target": verifier.url + "/items?from=page",
            "service": "execute-api",
        }
    )
    page.goto(f"/identity/index.html?{query}")
    body = page.locator("body")
    expect(body).to_have_attribute("data-state", "ready", timeout=BOOT_TIMEOUT_MS)
    page.fill("#username", "carol")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    expect(body).to_have_attribute("data-state", re.compile("signed-in|error"), timeout=60_000)
    assert body.get_attribute("data-state") == "signed-in", page.text_content("#status")

    identity_id = page.text_content("#identity-id") or ""
    assert re.fullmatch(r"us-east-1:[0-9a-f-]{36}", identity_id), identity_id
    assert (page.text_content("#access-key-id") or "").startswith("ASIA")
    signed = page.text_content("#signed-response") or ""
    assert signed.startswith("200 "), signed
    assert json.loads(signed[4:]) == {"verified": True, "identityId": identity_id}
    posted = [seen for seen in verifier.seen if seen["method"] == "POST"]
    assert posted and posted[-1]["body"] == b'{"hello": "from PyScript"}'
    got = page.text_content("#signed-get-response") or ""
    assert got.startswith("200 "), got
    assert json.loads(got[4:]) == {"verified": True, "identityId": identity_id}
    assert verifier.seen[-1]["method"] == "GET" and verifier.seen[-1]["body"] == b""

    # The identity id is cached in localStorage under the JS SDK's key.
    key = f"aws.cognito.identity-id.{pools.identity_pool_id}"
    assert page.evaluate("k => localStorage.getItem(k)", key) == identity_id

    page.click("#sign-out")
    expect(body).to_have_attribute("data-state", "signed-out", timeout=30_000)
    assert page.evaluate("k => localStorage.getItem(k)", key) is None
