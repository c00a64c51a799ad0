"""Authenticator-app (TOTP) helpers: the otpauth:// URI and its QR code modules."""

from __future__ import annotations

import importlib
from urllib.parse import quote

__all__ = ["qr_matrix", "totp_uri"]


def totp_uri(secret: str, username: str, issuer: str = "Cognito demo") -> str:
    """The otpauth:// URI authenticator apps read from the QR code."""
    label = quote(f"{issuer}:{username}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"


def qr_matrix(text: str) -> list[list[int]] | None:
    """QR modules (1 = dark) for ``text``, or None when segno is not installed."""
    try:
        segno = importlib.import_module("segno")
    except ModuleNotFoundError:
        return None
    code = segno.make(text, error="m", micro=False)
    return [[1 if cell else 0 for cell in row] for row in code.matrix]
