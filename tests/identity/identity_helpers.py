"""Shared names of the identity tests (a plain module: conftest files cannot be imported)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

REGION = "us-east-1"
PASSWORD = "Correct-Horse-9"
ROLE_AUTH = "arn:aws:iam::123456789012:role/identity-auth"
ROLE_UNAUTH = "arn:aws:iam::123456789012:role/identity-unauth"


@dataclass
class IdentitySetup:
    """What the identity tests need: endpoint, pools, a confirmed user."""

    endpoint: str
    server: Any
    user_pool_id: str
    client_id: str
    username: str
    password: str
    identity_pool_id: str
    guest_pool_id: str
    roleless_pool_id: str
    other_user_pool_id: str
    other_client_id: str

    @property
    def provider(self) -> str:
        return f"cognito-idp.{REGION}.amazonaws.com/{self.user_pool_id}"

    def boto(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="emulator",
            aws_secret_access_key="emulator",
        )
