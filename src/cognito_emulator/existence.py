"""PreventUserExistenceErrors=ENABLED: answers for unknown users that look like real ones.

Every value is derived from a per-pool secret and the username (HMAC), so asking twice gives
the same SALT, the same simulated code destination and the same ``USER_ID_FOR_SRP``; no value
echoes the case the caller typed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from . import srp
from .model import mask

if TYPE_CHECKING:
    from .state import Emulator

Item = dict[str, Any]


def prevents(client: Item) -> bool:
    """Whether the app client hides user existence."""
    return client.get("PreventUserExistenceErrors") == "ENABLED"


def pool_secret(emu: Emulator, pool_id: str) -> bytes:
    """A random per-pool secret kept in the store (HMAC key for made-up answers and tokens)."""
    key = f"fake_user_secret/{pool_id}"
    item = emu.store.get("meta", key)
    if item is None:
        emu.store.insert("meta", key, {"secret": secrets.token_hex(32)})
        item = emu.store.get("meta", key)
        assert item is not None
    return bytes.fromhex(item["secret"])


def _digest(emu: Emulator, pool: Item, username: str, purpose: str) -> bytes:
    sensitive = (pool.get("UsernameConfiguration") or {}).get("CaseSensitive", False)
    name = username if sensitive else username.lower()
    message = f"{purpose}\0{name}".encode()
    return hmac.new(pool_secret(emu, pool["Id"]), message, hashlib.sha256).digest()


def fake_user(emu: Emulator, pool: Item, username: str) -> Item:
    """A stand-in user record: stable salt, a verifier no password matches, and the username
    as Cognito would show it (a generated id in email/phone-as-username pools, else the
    pool's canonical case)."""
    sensitive = (pool.get("UsernameConfiguration") or {}).get("CaseSensitive", False)
    if pool.get("UsernameAttributes"):
        shown = str(uuid.UUID(bytes=_digest(emu, pool, username, "sub")[:16], version=4))
    else:
        shown = username if sensitive else username.lower()
    salt = int.from_bytes(_digest(emu, pool, username, "salt")[:16], "big") | (1 << 127)
    # A uniformly random value below N looks like g^x to anyone who only sees B = kv + g^b.
    verifier = int.from_bytes(_digest(emu, pool, username, "verifier") * 8, "big") % srp.N
    return {
        "username": shown,
        "attributes": {"sub": ""},
        "salt": format(salt, "x"),
        "verifier": format(verifier, "x"),
        "status": "CONFIRMED",
        "enabled": True,
    }


def simulated_delivery(emu: Emulator, pool: Item, username: str) -> dict[str, str]:
    """CodeDeliveryDetails for an unknown user: a stable, masked, made-up destination of the
    medium the pool verifies."""
    digest = _digest(emu, pool, username, "destination")
    letters = "abcdefghijklmnopqrstuvwxyz"
    auto = pool.get("AutoVerifiedAttributes") or []
    if "email" in auto or "phone_number" not in auto:
        address = f"{letters[digest[0] % 26]}@{letters[digest[1] % 26]}.com"
        return {"Destination": mask(address), "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    phone = "+1" + "".join(str(b % 10) for b in digest[:10])
    return {"Destination": mask(phone), "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
