"""Readable rows for a device list: browser and OS from the User-Agent, a short key.

The SDK names a confirmed device after the browser's full User-Agent (as the JS SDK does), and
device keys are long (``us-east-1_0f6c5e0a-...``). People recognise "Chrome 131 on Windows"
and a few characters of the key, so :func:`device_rows` turns ``ListDevices`` output into that.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DeviceRow", "describe_user_agent", "device_rows", "short_key"]

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:HeadlessChrome|Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/")),
)
_SYSTEMS = (
    ("iPadOS", re.compile(r"iPad")),
    ("iOS", re.compile(r"iPhone|iPod")),
    ("Android", re.compile(r"Android")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux|X11")),
)
_PYTHON = re.compile(r"^python/(\w+)")


def describe_user_agent(agent: str | None) -> str:
    """ "Chrome 131 on Windows" from a User-Agent string; "Unknown device" when unreadable."""
    agent = (agent or "").strip()
    if not agent:
        return "Unknown device"
    if match := _PYTHON.match(agent):
        return f"Python on {match.group(1)}"
    browser = next(
        (f"{name} {m.group(1)}" for name, rx in _BROWSERS if (m := rx.search(agent))), None
    )
    system = next((name for name, rx in _SYSTEMS if rx.search(agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return str(browser or system)
    # Not a browser's User-Agent: a name the user chose ("My phone"), shown as is.
    return agent if len(agent) <= 40 else agent[:39] + "…"


def short_key(device_key: str | None) -> str:
    """The first 8 characters after the region prefix: enough to tell devices apart."""
    key = str(device_key or "")
    return key.split("_", 1)[-1][:8]


@dataclass(frozen=True)
class DeviceRow:
    """One device as a list shows it."""

    key: str
    short_key: str
    name: str
    remembered: bool
    current: bool
    last_seen: str

    @property
    def status(self) -> str:
        """ "Remembered" or "Not remembered", plus "this device" for the current one."""
        text = "Remembered" if self.remembered else "Not remembered"
        return f"{text} · this device" if self.current else text

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields, ``status`` included."""
        return {
            "key": self.key,
            "short_key": self.short_key,
            "name": self.name,
            "remembered": self.remembered,
            "current": self.current,
            "last_seen": self.last_seen,
            "status": self.status,
        }


def _date(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        return ""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(value))


def device_rows(devices: Iterable[Mapping[str, Any]], current_key: str | None) -> list[DeviceRow]:
    """``ListDevices``' ``Devices`` as rows, the current device first, then newest first."""
    rows = []
    for device in devices:
        attrs = {a.get("Name"): a.get("Value") for a in device.get("DeviceAttributes") or []}
        key = str(device.get("DeviceKey") or "")
        seen = device.get("DeviceLastAuthenticatedDate") or device.get("DeviceCreateDate")
        rows.append(
            (
                key != current_key,
                -(seen if isinstance(seen, (int, float)) else 0),
                DeviceRow(
                    key=key,
                    short_key=short_key(key),
                    name=describe_user_agent(attrs.get("device_name")),
                    remembered=attrs.get("dev:device_remembered_status") == "remembered",
                    current=bool(current_key) and key == current_key,
                    last_seen=_date(seen),
                ),
            )
        )
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]
