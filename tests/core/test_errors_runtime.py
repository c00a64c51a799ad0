"""The error tree, and the runtime/random code paths that only run in a browser (faked here;
tests/core/test_pyodide.py runs them for real inside Pyodide)."""

from __future__ import annotations

import sys
import types
from typing import Any, ClassVar

import pytest

from amazon_cognito_identity import _random, errors, runtime
from amazon_cognito_identity.errors import (
    CognitoError,
    InsecureRandomnessError,
    InvalidResponseError,
    NetworkError,
    NotAuthorizedException,
    RequestTimeoutError,
    ServiceError,
    TooManyRequestsException,
    error_from_response,
)

ISSUE_NAMES = [
    "NotAuthorizedException",
    "UserNotFoundException",
    "UserNotConfirmedException",
    "UsernameExistsException",
    "CodeMismatchException",
    "ExpiredCodeException",
    "InvalidPasswordException",
    "InvalidParameterException",
    "LimitExceededException",
    "TooManyRequestsException",
    "TooManyFailedAttemptsException",
    "PasswordResetRequiredException",
    "ResourceNotFoundException",
    "CodeDeliveryFailureException",
    "AliasExistsException",
    "SoftwareTokenMFANotFoundException",
]


@pytest.mark.parametrize("name", ISSUE_NAMES)
def test_each_service_error_has_its_class(name: str) -> None:
    err = error_from_response(f"com.amazonaws.cognito#{name}", "text", 400)
    assert type(err).__name__ == name
    assert isinstance(err, ServiceError) and isinstance(err, CognitoError)
    assert (err.code, err.name, err.message, err.status_code) == (name, name, "text", 400)
    assert str(err) == f"{name}: text"
    assert name in repr(err) and "status_code=400" in repr(err)


def test_unknown_name_keeps_it() -> None:
    err = error_from_response("prefix#BrandNewException", "", 400)
    assert type(err) is ServiceError
    assert err.code == err.name == "BrandNewException"
    assert err.message == "BrandNewException"
    assert not err.retryable
    assert error_from_response("#", "m", 400).code == "UnknownError"


def test_retryable() -> None:
    assert error_from_response("ThrottlingException", "slow down", 400).retryable
    assert error_from_response("SomethingBroke", "oops", 502).retryable
    assert error_from_response("InternalErrorException", "x", 500).retryable
    assert TooManyRequestsException("x").retryable
    assert not NotAuthorizedException("x").retryable
    assert NetworkError("down").retryable and RequestTimeoutError("slow").retryable
    assert InvalidResponseError("html", status_code=503).retryable
    assert not InvalidResponseError("html", status_code=400).retryable
    # the class attribute is untouched by one instance's status
    assert not InvalidResponseError.retryable


def test_sdk_errors_default_codes() -> None:
    assert errors.SRPError().code == "SRPError"
    assert errors.InvalidParameterError("bad").code == "InvalidParameterError"
    assert isinstance(errors.InvalidParameterError("bad"), ValueError)
    assert errors.ERROR_CLASSES["UserNotFoundException"] is errors.UserNotFoundException


# --- faked browser paths ----------------------------------------------------------------


class FakeUint8Array:
    created: ClassVar[list[int]] = []

    def __init__(self, size: int) -> None:
        self.data = bytearray(size)

    @classmethod
    def new(cls, size: int) -> FakeUint8Array:
        cls.created.append(size)
        return cls(size)

    def to_py(self) -> memoryview:
        return memoryview(self.data)


class FakeCrypto:
    def getRandomValues(self, arr: FakeUint8Array) -> None:
        if len(arr.data) > 65536:
            raise RuntimeError("QuotaExceededError")
        arr.data[:] = bytes((i * 7 + 3) % 256 for i in range(len(arr.data)))


def fake_js(**attrs: Any) -> types.ModuleType:
    module = types.ModuleType("js")
    for name, value in attrs.items():
        setattr(module, name, value)
    return module


def test_web_random_chunks_getrandomvalues(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "IS_PYODIDE", True)  # the seam picks getRandomValues
    monkeypatch.setitem(sys.modules, "js", fake_js(crypto=FakeCrypto(), Uint8Array=FakeUint8Array))
    FakeUint8Array.created = []
    data = _random.random_bytes(140000)
    assert len(data) == 140000
    assert FakeUint8Array.created == [65536, 65536, 140000 - 2 * 65536]


def test_web_random_without_crypto_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "IS_PYODIDE", True)
    monkeypatch.setitem(sys.modules, "js", fake_js(Uint8Array=FakeUint8Array))
    with pytest.raises(InsecureRandomnessError, match="getRandomValues"):
        _random.random_bytes(16)


def test_runtime_under_pyodide(monkeypatch: pytest.MonkeyPatch) -> None:
    js = fake_js()
    monkeypatch.setattr(runtime, "IS_PYODIDE", True)
    monkeypatch.setitem(sys.modules, "js", js)
    monkeypatch.setitem(sys.modules, "pyodide", None)  # import fails -> None
    assert runtime.get_js() is js
    assert runtime.get_pyodide() is None
    with pytest.warns(RuntimeWarning):  # no localStorage on the fake js
        store = runtime.default_storage()
    assert type(store).__name__ == "LocalStorage"


def test_default_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.transport, "UrllibTransport", lambda timeout: "urllib")
    monkeypatch.setattr(runtime.transport, "PyfetchTransport", lambda timeout: "pyfetch")
    assert runtime.default_transport() == "urllib"
    monkeypatch.setattr(runtime, "IS_PYODIDE", True)
    assert runtime.default_transport() == "pyfetch"


async def test_webcrypto_backend_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The WebCrypto calls and key cache, with crypto.subtle played by `cryptography`
    (the real thing runs in tests/core/test_pyodide.py)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from amazon_cognito_identity import verify

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.public_key().public_numbers()
    key = verify.RsaPublicKey(numbers.n, numbers.e)
    calls: list[str] = []

    class Subtle:
        async def importKey(self, fmt: str, jwk: Any, alg: Any, ext: bool, uses: Any) -> Any:
            calls.append("importKey")
            assert (fmt, alg["name"], alg["hash"], ext, uses) == (
                "jwk",
                "RSASSA-PKCS1-v1_5",
                "SHA-256",
                False,
                ["verify"],
            )
            return verify.parse_jwk({**jwk, "kid": "k"})

        async def verify(self, alg: Any, crypto_key: Any, sig: bytes, data: bytes) -> bool:
            calls.append("verify")
            return verify.PurePythonBackend.verify_sync(crypto_key, data, sig)

    ffi = types.ModuleType("pyodide.ffi")
    ffi.to_js = lambda value, dict_converter=None: value  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    monkeypatch.setitem(sys.modules, "js", fake_js(Object=types.SimpleNamespace(fromEntries=dict)))
    backend = verify.WebCryptoBackend(Subtle())
    message = b"header.payload"
    good = private.sign(message, padding.PKCS1v15(), hashes.SHA256())
    assert await backend.verify(key, message, good) is True
    assert await backend.verify(key, message + b"!", good) is False
    assert calls == ["importKey", "verify", "verify"]  # the imported key is reused


async def test_mock_transport_out_of_script_raises_a_typed_error() -> None:
    """An unexpected request fails the test like an ``assert`` and is still a CognitoError."""
    from amazon_cognito_identity import (
        CognitoError,
        HttpRequest,
        MockTransport,
        ScriptExhaustedError,
    )
    from amazon_cognito_identity.transport import json_response

    transport = MockTransport([json_response(200, {"ok": 1})])
    request = HttpRequest("POST", "https://cognito-idp.example/", {}, b"{}")
    assert (await transport.send(request)).status == 200
    with pytest.raises(ScriptExhaustedError) as err:
        await transport.send(request)
    assert isinstance(err.value, AssertionError) and isinstance(err.value, CognitoError)
    assert "https://cognito-idp.example/" in str(err.value)
