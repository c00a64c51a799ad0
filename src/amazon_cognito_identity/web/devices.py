"""The devices component: the user's devices, readable, with remember and forget.

::

    DevicesCard("#devices", pool.get_current_user())
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParameterError
from ..storage import StorageKeys
from ..user import CognitoUser
from .card import Card
from .component import Event, Node, Page, h
from .device_view import device_rows

__all__ = ["DevicesCard"]


class DevicesCard(Card):
    """The user's devices, readable: browser and OS, a short key, remembered or not."""

    title = "Devices"

    def __init__(self, mount: str, user: CognitoUser, *, page: Page | None = None) -> None:
        super().__init__(mount, user, page=page)
        self.rows: list[dict[str, Any]] = []

    async def load(self) -> None:
        """ListDevices and render them."""
        data = await self.user.list_devices()
        keys = StorageKeys(self.user.pool.get_client_id(), self.user.get_username())
        current = self.user.storage.get_item(keys.device_key)
        self.rows = [r.as_dict() for r in device_rows(data.get("Devices") or [], current)]
        self.refresh()

    def view(self) -> list[Node]:
        """One list item per device, with its Forget button."""
        items = [
            h(
                "li",
                {"class": "cog-device", "data-current": "true" if r["current"] else None},
                h("strong", {"class": "cog-device-name"}, r["name"]),
                h("span", {"class": "cog-device-key"}, f"Key {r['short_key']}"),
                h("span", {"class": "cog-device-status"}, r["status"]),
                h("span", {"class": "cog-device-seen"}, f"Last used {r['last_seen']}")
                if r["last_seen"]
                else None,
                h(
                    "button",
                    {
                        "type": "button",
                        "class": "secondary",
                        "name": f"forget:{r['key']}",
                        "aria-label": f"Forget {r['name']} (key {r['short_key']})",
                        "disabled": self.busy,
                    },
                    "Forget",
                    on={"click": "forget"},
                ),
            )
            for r in self.rows
        ]
        listing = (
            h("ul", {"id": f"{self.prefix}-list", "class": "cog-devices"}, items)
            if items
            else h("p", {"id": f"{self.prefix}-list"}, "No devices yet.")
        )
        actions = h(
            "div",
            {"class": "cog-actions"},
            h(
                "button",
                {"type": "button", "id": f"{self.prefix}-remember", "disabled": self.busy},
                "Remember this device",
                on={"click": "remember"},
            ),
            h(
                "button",
                {
                    "type": "button",
                    "class": "secondary",
                    "id": f"{self.prefix}-refresh",
                    "disabled": self.busy,
                },
                "Refresh",
                on={"click": "reload"},
            ),
        )
        return self.frame(listing, actions)

    async def do_remember(self, event: Event) -> None:
        """UpdateDeviceStatus: remembered."""

        async def remember() -> None:
            await self.user.set_device_status_remembered()
            await self.load()

        await self.act("Saving…", remember, "This device is remembered.")

    async def do_reload(self, event: Event) -> None:
        """ListDevices again."""
        await self.act("Loading…", self.load, "Devices updated.")

    async def do_forget(self, event: Event) -> None:
        """ForgetDevice for the row whose button was pressed."""
        key = (event.target or "").removeprefix("forget:")
        row = next((r for r in self.rows if r["key"] == key), None)

        async def forget() -> str:
            if row is None:
                raise InvalidParameterError("That device is no longer listed.")
            await self.user.forget_specific_device(key)
            await self.load()
            return str(row["name"])

        await self.act("Forgetting…", forget, lambda name: f"Device {name} forgotten.")
