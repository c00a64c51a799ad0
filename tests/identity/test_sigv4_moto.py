"""A third-party server (moto, authentication on) accepts our signatures."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest

from amazon_cognito_identity.sigv4 import AwsCredentials, SignedRequest, sign_request

pytestmark = pytest.mark.moto

REGION = "us-east-1"
BUCKET = "identity-sigv4-test"
S3_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


@dataclass
class Reply:
    status: int
    body: bytes


def _send(req: SignedRequest) -> Reply:
    http_req = urllib.request.Request(
        req.url, data=req.body or None, headers=req.headers, method=req.method
    )
    try:
        with urllib.request.urlopen(http_req, timeout=10) as resp:
            return Reply(resp.status, resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, err.read())


@pytest.fixture(scope="module")
def moto_user(moto_endpoint: str) -> Iterator[AwsCredentials]:
    """An IAM user with S3 rights and a bucket, then request authentication turned on."""
    admin = {
        "endpoint_url": moto_endpoint,
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    iam = boto3.client("iam", **admin)
    iam.create_user(UserName="signer")
    iam.put_user_policy(UserName="signer", PolicyName="s3", PolicyDocument=json.dumps(S3_POLICY))
    key = iam.create_access_key(UserName="signer")["AccessKey"]
    boto3.client("s3", **admin).create_bucket(Bucket=BUCKET)
    urllib.request.urlopen(
        urllib.request.Request(
            moto_endpoint + "/moto-api/reset-auth",
            data=b"0",  # INITIAL_NO_AUTH_ACTION_COUNT=0: every request from now on is checked
            headers={"Content-Type": "text/plain"},
            method="POST",
        )
    ).close()
    yield AwsCredentials(key["AccessKeyId"], key["SecretAccessKey"])


def _s3(method: str, url: str, creds: AwsCredentials, body: bytes = b"", **kw: object) -> Reply:
    headers = {"Content-Type": "application/octet-stream"} if body else {}
    return _send(
        sign_request(
            method, url, headers, body, service="s3", region=REGION, credentials=creds, **kw
        )  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("key", ["plain.txt", "dir/with space/é 中.bin", "odd!*'()+=&,;.txt"])
@pytest.mark.parametrize("unsigned", [False, True])
def test_moto_accepts_put_and_get(
    moto_endpoint: str, moto_user: AwsCredentials, key: str, unsigned: bool
) -> None:
    url = f"{moto_endpoint}/{BUCKET}/{key}"
    body = f"payload for {key} {unsigned}".encode()
    put = _s3("PUT", url, moto_user, body, unsigned_payload=unsigned)
    assert put.status == 200, put.body
    got = _s3("GET", url, moto_user)
    assert got.status == 200, got.body
    assert got.body == body


def test_moto_rejects_wrong_secret(moto_endpoint: str, moto_user: AwsCredentials) -> None:
    url = f"{moto_endpoint}/{BUCKET}/secret-check.txt"
    assert _s3("PUT", url, moto_user, b"real").status == 200
    forged = AwsCredentials(moto_user.access_key_id, moto_user.secret_access_key[:-1] + "x")
    put = _s3("PUT", url, forged, b"forged")
    assert put.status == 403
    assert b"SignatureDoesNotMatch" in put.body
    get = _s3("GET", url, forged)
    assert get.status == 403
    assert b"SignatureDoesNotMatch" in get.body
    # The object was not overwritten by the forged PUT.
    assert _s3("GET", url, moto_user).body == b"real"


def test_moto_rejects_unknown_key(moto_endpoint: str, moto_user: AwsCredentials) -> None:
    stranger = AwsCredentials("AKIANOTAREALKEY00000", moto_user.secret_access_key)
    assert _s3("GET", f"{moto_endpoint}/{BUCKET}/plain.txt", stranger).status == 403


def test_moto_rejects_tampered_signed_header(moto_endpoint: str, moto_user: AwsCredentials) -> None:
    # moto recomputes the signature from the headers but does not hash the body itself,
    # so tamper with a signed header (the payload hash) instead of the body.
    url = f"{moto_endpoint}/{BUCKET}/tamper.txt"
    signed = sign_request(
        "PUT", url, {}, b"original", service="s3", region=REGION, credentials=moto_user
    )
    signed.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    signed.body = b"tampered"
    reply = _send(signed)
    assert reply.status == 403
    assert b"SignatureDoesNotMatch" in reply.body


# Presigned URLs are checked against botocore only: moto 5.2.5 with authentication on
# answers HTTP 500 to a request without an Authorization header (it reads that header).
