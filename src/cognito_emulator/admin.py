"""A boto3-style ``cognito-idp`` client for the emulator, with no dependency but the stdlib.

``AdminClient(endpoint)`` has boto3's method names and keyword arguments and returns the
service's JSON as dicts::

    admin = AdminClient("http://127.0.0.1:9229/")
    pool = admin.create_user_pool(PoolName="app")["UserPool"]
    try:
        admin.admin_get_user(UserPoolId=pool["Id"], Username="nobody")
    except admin.exceptions.UserNotFoundException as err:
        err.response["Error"]["Code"]  # "UserNotFoundException", as botocore's ClientError

Unlike boto3 it leaves dates as the epoch seconds the service sends and adds no
``ResponseMetadata`` to results. A real boto3 client works too:
``boto3.client("cognito-idp", endpoint_url=endpoint, region_name=..., aws_access_key_id="x",
aws_secret_access_key="x")``.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
_WORD = re.compile(r"(^|_)([a-z0-9])")
# boto3 method names whose operation name is not the plain CamelCase of the words (checked
# against botocore's cognito-idp model by tests/testkit/test_fixtures.py).
_SPECIAL = {
    "set_user_mfa_preference": "SetUserMFAPreference",
    "admin_set_user_mfa_preference": "AdminSetUserMFAPreference",
    "get_csv_header": "GetCSVHeader",
    "get_ui_customization": "GetUICustomization",
    "set_ui_customization": "SetUICustomization",
    "create_cimd_policy": "CreateCIMDPolicy",
    "delete_cimd_policy": "DeleteCIMDPolicy",
    "describe_cimd_policy": "DescribeCIMDPolicy",
    "list_cimd_policies": "ListCIMDPolicies",
    "update_cimd_policy": "UpdateCIMDPolicy",
    "list_client_metadata_urls": "ListClientMetadataURLs",
    "update_client_metadata_url_state": "UpdateClientMetadataURLState",
}


def operation_name(method: str) -> str:
    """``admin_get_user`` -> ``AdminGetUser`` (botocore's snake_case rule, reversed)."""
    if method in _SPECIAL:
        return _SPECIAL[method]
    return _WORD.sub(lambda m: m.group(2).upper(), method)


class ClientError(Exception):
    """An error answer, shaped like botocore's ``ClientError``: ``.response["Error"]["Code"]``
    and ``["Message"]``, ``.operation_name``; also ``.code`` and ``.message``."""

    def __init__(self, code: str, message: str, operation: str, status: int = 400) -> None:
        super().__init__(
            f"An error occurred ({code}) when calling the {operation} operation: {message}"
        )
        self.code = code
        self.message = message
        self.operation_name = operation
        self.response: dict[str, Any] = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }


class _Exceptions:
    """``client.exceptions.<Code>``: one :class:`ClientError` subclass per error code."""

    def __init__(self) -> None:
        self._classes: dict[str, type[ClientError]] = {}
        self.ClientError = ClientError

    def __getattr__(self, name: str) -> type[ClientError]:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.for_code(name)

    def for_code(self, code: str) -> type[ClientError]:
        """The class raised for ``code`` (made on first use)."""
        if code not in self._classes:
            self._classes[code] = type(code, (ClientError,), {"__module__": __name__})
        return self._classes[code]


class AdminClient:
    """boto3-style calls over HTTP to the emulator (any operation it registers)."""

    def __init__(self, endpoint: str, timeout: float = 30.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.exceptions = _Exceptions()

    def call(self, operation: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST one operation (``"AdminGetUser"``) and return its JSON, or raise ClientError."""
        request = urllib.request.Request(  # noqa: S310 (http to the emulator's endpoint)
            self.endpoint,
            data=json.dumps(params or {}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": TARGET_PREFIX + operation,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as err:
            data = _json(err.read())
            code = str(data.get("__type", f"HTTP{err.code}")).rsplit("#", 1)[-1]
            message = str(data.get("message", data.get("Message", "")))
            raise self.exceptions.for_code(code)(code, message, operation, err.code) from None
        return _json(body)

    def __getattr__(self, name: str) -> Callable[..., dict[str, Any]]:
        if name.startswith("_"):
            raise AttributeError(name)
        operation = operation_name(name)

        def method(**params: Any) -> dict[str, Any]:
            return self.call(operation, params)

        method.__name__ = name
        method.__doc__ = f"The {operation} operation."
        return method


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {"message": body.decode("utf-8", "replace")[:200]}
    return data if isinstance(data, dict) else {"result": data}
