"""Read the local emulator's outbox: the codes it would have sent by email or SMS.

The local emulator documents ``GET {endpoint}/_emulator/outbox`` with
``username`` and ``pool_id`` filters; each message carries ``kind``, ``code``,
``destination``, ``time`` (ISO-8601 UTC) and, when the emulator knows, ``used`` and
``superseded`` marks. Only a page configured for the emulator uses this: a real user pool
has no outbox.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from ..errors import NetworkError
from ..runtime import default_transport
from ..transport import HttpRequest, Transport

__all__ = ["KIND_LABELS", "Outbox", "OutboxMessage"]

#: Readable names of the emulator's message kinds (others are shown as they are).
KIND_LABELS = {
    "signup": "Sign-up code",
    "forgot_password": "Password reset code",
    "sms_mfa": "SMS sign-in code",
    "email_mfa": "Email sign-in code",
    "email_otp": "Email sign-in code",
    "sms_otp": "SMS sign-in code",
    "custom_challenge": "Custom challenge answer",
    "temporary_password": "Temporary password",
    "username": "Username reminder",
}


def _seconds(stamp: Any) -> float:
    """Unix seconds from the endpoint's ``time``: ISO-8601 UTC text, or a number."""
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        return float(stamp)
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return 0.0


@dataclass(frozen=True)
class OutboxMessage:
    """One message the emulator delivered."""

    kind: str
    code: str
    destination: str
    time: float
    username: str = ""
    used: bool = False
    superseded: bool = False

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> OutboxMessage:
        """From one item of the outbox endpoint's answer."""
        return cls(
            kind=str(item.get("kind") or ""),
            username=str(item.get("username") or ""),
            code=str(item.get("code") or ""),
            destination=str(item.get("destination") or ""),
            time=_seconds(item.get("time")),
            used=bool(item.get("used")),
            superseded=bool(item.get("superseded")),
        )

    @property
    def label(self) -> str:
        """ "Sign-up code", "Email verification code", ... for ``kind``."""
        if self.kind.startswith("verify_"):
            return f"{self.kind[7:].replace('_', ' ').capitalize()} verification code"
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def state(self) -> str:
        """ "superseded", "used" or "" (still valid as far as the emulator says)."""
        return "superseded" if self.superseded else "used" if self.used else ""

    @property
    def clock(self) -> str:
        """The delivery time as HH:MM:SS (UTC)."""
        return time.strftime("%H:%M:%S", time.gmtime(self.time)) if self.time else ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields for a page, readable ones included."""
        return {
            "kind": self.kind,
            "username": self.username,
            "label": self.label,
            "code": self.code,
            "destination": self.destination,
            "time": self.time,
            "clock": self.clock,
            "state": self.state,
        }


def latest(messages: Sequence[OutboxMessage], kinds: Sequence[str] = ()) -> OutboxMessage | None:
    """The newest message (of one of ``kinds``, when given) that is neither used nor replaced."""
    for message in sorted(messages, key=lambda m: m.time, reverse=True):
        if (not kinds or message.kind in kinds) and not message.state:
            return message
    return None


class Outbox:
    """Client of one emulator's outbox for one pool."""

    def __init__(self, endpoint: str, pool_id: str, transport: Transport | None = None) -> None:
        self.url = endpoint.rstrip("/") + "/_emulator/outbox"
        self.pool_id = pool_id
        self.transport = transport if transport is not None else default_transport()

    async def messages(self, username: str | None = None) -> list[OutboxMessage]:
        """The pool's messages (or one user's), newest first.

        An emulator that does not mark superseded messages itself gets them marked here: it
        keeps one live code per user and kind, so every older one of the same pair is replaced.
        """
        params = {"pool_id": self.pool_id}
        if username:
            params = {"username": username, **params}
        query = urlencode(params)
        request = HttpRequest("GET", f"{self.url}?{query}", {}, b"")
        response = await self.transport.send(request)
        if response.status != 200:
            raise NetworkError(f"{self.url} answered HTTP {response.status}")
        try:
            items = json.loads(response.body or b"[]")
        except ValueError as exc:
            raise NetworkError(f"{self.url} did not answer JSON") from exc
        if isinstance(items, dict):
            items = items.get("messages") or []
        items = [i for i in items if isinstance(i, Mapping)]
        # Newest first; the endpoint lists oldest first, which breaks ties of equal times.
        order = sorted(
            enumerate(map(OutboxMessage.from_json, items)),
            key=lambda pair: (pair[1].time, pair[0]),
            reverse=True,
        )
        found = [message for _, message in order]
        if any("superseded" in i for i in items):
            return found
        seen: set[tuple[str, str]] = set()
        marked = []
        for message in found:
            pair = (message.username, message.kind)
            marked.append(replace(message, superseded=pair in seen))
            seen.add(pair)
        return marked
