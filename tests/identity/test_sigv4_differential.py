"""Differential test: our SigV4 signer against botocore's, byte for byte.

Requests are random (seed printed; set SIGV4_SEED to replay one). URLs are built in wire
form, the way botocore's serializers hand them to its signers.
"""

from __future__ import annotations

import os
import random
import string
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import quote

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from amazon_cognito_identity.sigv4 import AwsCredentials, sign_request

N_REQUESTS = 400
_TEXT = string.ascii_letters + string.digits + "-_.~ +!*()'@:$,;=&%/?#[]\"<>^`{|}\\" + "éü中文😀"
# Characters that mean the same raw or percent-encoded (no "%", "+", "?", "#", "&", "=", "/").
_RAW_TEXT = string.ascii_letters + string.digits + "-_.~ !*()'@:$,;[]\"<>^`{|}\\" + "éü中文😀"
_HEADER_NAMES = [
    "Content-Type",
    "X-Amz-Meta-Note",
    "x-custom-thing",
    "Accept",
    "Content-MD5",
    "X-Amz-Target",
    "Range",
    "User-Agent",
    "Expect",
    "Cache-Control",
    "X-Amz-Storage-Class",
]


def _text(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice(_TEXT) for _ in range(rng.randint(lo, hi)))


def _raw_text(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice(_RAW_TEXT) for _ in range(rng.randint(lo, hi)))


def _header_value(rng: random.Random) -> str:
    words = [
        "".join(rng.choices(string.ascii_letters + string.digits + "/;=,.", k=rng.randint(1, 8)))
        for _ in range(rng.randint(1, 4))
    ]
    seps = [" ", "  ", "\t", " \t "]
    value = words[0]
    for w in words[1:]:
        value += rng.choice(seps) + w
    return rng.choice(["", " ", "  "]) + value + rng.choice(["", " ", "\t"])


def _random_case(rng: random.Random) -> dict[str, object]:
    service = rng.choice(["s3", "s3", "execute-api", "dynamodb", "sqs", "lambda"])
    is_s3 = service == "s3"
    presign = rng.random() < 0.3
    scheme = rng.choice(["https", "http"])
    host = rng.choice(
        [
            "bucket.s3.amazonaws.com",
            "abc123.execute-api.eu-west-1.amazonaws.com",
            "127.0.0.1",
            "Example.COM",
            "localhost",
        ]
    )
    port = rng.choice([None, None, 443 if scheme == "https" else 80, rng.randint(1024, 65535)])
    netloc = host if port is None else f"{host}:{port}"
    # Half the time our signer gets the raw (unencoded) URL and must encode it itself.
    raw = rng.random() < 0.5
    text = _raw_text if raw else _text
    segments: list[tuple[str, str]] = []  # (encoded, as given to our signer)
    for _ in range(rng.randint(0, 4)):
        roll = rng.random()
        if not is_s3 and roll < 0.1:
            dots = rng.choice([".", "..", ""])
            segments.append((dots, dots))
        else:
            seg = text(rng, 1, 10)
            segments.append((quote(seg, safe="~"), seg if raw else quote(seg, safe="~")))
    trail = "/" if rng.random() < 0.2 else ""
    path = "/" + "/".join(e for e, _ in segments) + trail
    our_path = "/" + "/".join(g for _, g in segments) + trail
    pairs = []
    our_pairs = []
    used: set[str] = set()
    for _ in range(rng.randint(0, 4)):
        key, value = text(rng, 1, 6), text(rng, 0, 8)
        enc_key, enc_value = quote(key, safe="-_.~"), quote(value, safe="-_.~")
        if enc_key in used:
            continue
        used.add(enc_key)
        pairs.append(f"{enc_key}={enc_value}")
        our_pairs.append(f"{key}={value}" if raw else f"{enc_key}={enc_value}")
    url = f"{scheme}://{netloc}{path}" + ("?" + "&".join(pairs) if pairs else "")
    our_url = f"{scheme}://{netloc}{our_path}" + ("?" + "&".join(our_pairs) if our_pairs else "")
    headers: dict[str, str] = {}
    for name in rng.sample(_HEADER_NAMES, rng.randint(0, 5)):
        headers[name] = _header_value(rng)
    if rng.random() < 0.1:
        headers["Host"] = host.lower()
    body = b"" if presign or rng.random() < 0.3 else rng.randbytes(rng.randint(1, 300))
    if not presign and not is_s3 and rng.random() < 0.05:
        headers["X-Amz-Content-SHA256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    unsigned = not presign and rng.random() < 0.25 and (is_s3 or scheme == "https")
    token = (
        None
        if rng.random() < 0.4
        else "".join(rng.choices(string.ascii_letters + "+/=", k=rng.randint(10, 300)))
    )
    when = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 30 * 365 * 86400))
    return {
        "method": rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"]),
        "url": url,
        "our_url": our_url,
        "headers": headers,
        "body": body,
        "service": service,
        "region": rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"]),
        "access_key": "AKIA" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16)),
        "secret": "".join(rng.choices(string.ascii_letters + string.digits + "+/", k=40)),
        "token": token,
        "when": when,
        "presign": rng.randint(1, 604800) if presign else None,
        "unsigned": unsigned,
    }


def _botocore_sign(case: dict[str, object]) -> AWSRequest:
    creds = Credentials(case["access_key"], case["secret"], case["token"])
    req = AWSRequest(
        method=case["method"], url=case["url"], headers=dict(case["headers"]), data=case["body"]
    )
    is_s3 = case["service"] == "s3"
    signer: SigV4Auth
    if case["presign"] is not None:
        cls = S3SigV4QueryAuth if is_s3 else SigV4QueryAuth
        signer = cls(creds, case["service"], case["region"], expires=case["presign"])
    else:
        signer = (S3SigV4Auth if is_s3 else SigV4Auth)(creds, case["service"], case["region"])
    if case["unsigned"]:
        if is_s3:
            req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
        else:
            req.context["payload_signing_enabled"] = False
    naive = case["when"].replace(tzinfo=None)  # type: ignore[union-attr]
    with mock.patch("botocore.auth.get_current_datetime", return_value=naive):
        signer.add_auth(req)
    return req


def _ours(case: dict[str, object]):  # type: ignore[no-untyped-def]
    return sign_request(
        case["method"],  # type: ignore[arg-type]
        case["our_url"],  # type: ignore[arg-type]
        case["headers"],  # type: ignore[arg-type]
        case["body"],  # type: ignore[arg-type]
        service=case["service"],  # type: ignore[arg-type]
        region=case["region"],  # type: ignore[arg-type]
        credentials=AwsCredentials(case["access_key"], case["secret"], case["token"]),  # type: ignore[arg-type]
        now=case["when"],  # type: ignore[arg-type]
        unsigned_payload=bool(case["unsigned"]),
        presign_expires=case["presign"],  # type: ignore[arg-type]
    )


def test_signer_matches_botocore_on_random_requests() -> None:
    _differential(N_REQUESTS)


@pytest.mark.long
def test_signer_matches_botocore_long_run() -> None:
    _differential(20_000)


def _differential(n_requests: int) -> None:
    seed = int(os.environ.get("SIGV4_SEED", random.SystemRandom().randrange(2**32)))
    print(f"SIGV4_SEED={seed}")
    rng = random.Random(seed)
    counts = {"raw_url": 0, "presign": 0, "s3": 0, "token": 0, "unsigned": 0, "body": 0}
    for i in range(n_requests):
        case = _random_case(rng)
        ref = _botocore_sign(case)
        ours = _ours(case)
        where = f"seed={seed} case={i} {case}"
        assert ours.url == ref.url, where
        if case["presign"] is None:
            for name in (
                "Authorization",
                "X-Amz-Date",
                "X-Amz-Security-Token",
                "X-Amz-Content-SHA256",
            ):
                assert ours.headers.get(name) == ref.headers.get(name), f"{name}: {where}"
            assert "X-Amz-Signature" not in ours.url
        else:
            assert "Authorization" not in ours.headers
            assert ref.headers.get("Authorization") is None
        counts["raw_url"] += case["our_url"] != case["url"]
        counts["presign"] += case["presign"] is not None
        counts["s3"] += case["service"] == "s3"
        counts["token"] += case["token"] is not None
        counts["unsigned"] += bool(case["unsigned"])
        counts["body"] += bool(case["body"])
    print(counts)
    # The generator must actually exercise every feature.
    assert all(v > 10 for v in counts.values()), counts


@pytest.mark.parametrize("service", ["s3", "execute-api"])
def test_raw_url_is_sent_and_signed_in_wire_form(service: str) -> None:
    """A URL with raw spaces/unicode signs the same as its percent-encoded twin."""
    creds = AwsCredentials("AKIDEXAMPLE", "secret", "tok")
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    raw = sign_request(
        "GET",
        "https://h.example/a b/é+?q=x y&r=ü",
        service=service,
        region="us-east-1",
        credentials=creds,
        now=when,
    )
    enc = sign_request(
        "GET",
        "https://h.example/a%20b/%C3%A9%2B?q=x%20y&r=%C3%BC",
        service=service,
        region="us-east-1",
        credentials=creds,
        now=when,
    )
    assert raw.url == enc.url == "https://h.example/a%20b/%C3%A9%2B?q=x%20y&r=%C3%BC"
    assert raw.headers["Authorization"] == enc.headers["Authorization"]
    ref = AWSRequest(method="GET", url=enc.url, headers={})
    cls = S3SigV4Auth if service == "s3" else SigV4Auth
    with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
        cls(Credentials("AKIDEXAMPLE", "secret", "tok"), service, "us-east-1").add_auth(ref)
    assert raw.headers["Authorization"] == ref.headers["Authorization"]
