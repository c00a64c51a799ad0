"""Remembered devices: ConfirmDevice stores the device's SRP verifier."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .access import caller
from .errors import invalid_parameter, resource_not_found
from .model import owned_device
from .registry import Params, RequestContext, idp
from .store import user_prefix
from .validation import opt_dict, opt_int, opt_str, req_str

Item = dict[str, Any]


def _device(ctx: RequestContext, pool: Item, user: Item, device_key: str) -> Item:
    device = owned_device(ctx.emulator, pool, user, device_key)
    if device is None:
        raise resource_not_found("Device does not exist.")
    return device


@contextmanager
def _updating_device(
    ctx: RequestContext, pool: Item, user: Item, device_key: str
) -> Iterator[Item]:
    """Read-modify-write of one of the user's devices in a store transaction: yields the record,
    then stamps ``modified`` and stores it when the block ends normally."""
    emu = ctx.emulator
    with emu.store.transaction():
        device = _device(ctx, pool, user, device_key)
        yield device
        device["modified"] = emu.now()
        emu.store.put("device", device_key, device)


def _b64_int(text: Any, name: str) -> int:
    if not isinstance(text, str) or not text:
        raise invalid_parameter(f"Missing required parameter DeviceSecretVerifierConfig.{name}")
    try:
        return int.from_bytes(base64.b64decode(text, validate=True), "big")
    except ValueError:  # binascii.Error, or non-ASCII text
        raise invalid_parameter(f"DeviceSecretVerifierConfig.{name} is not base64") from None


def device_type(device: Item) -> Item:
    """A device as GetDevice / ListDevices describe it."""
    attrs = [
        {"Name": "device_status", "Value": "valid"},
        {
            "Name": "dev:device_remembered_status",
            "Value": "remembered" if device.get("remembered") else "not_remembered",
        },
        {"Name": "last_ip_used", "Value": device.get("last_ip", "127.0.0.1")},
    ]
    if device.get("name"):
        attrs.append({"Name": "device_name", "Value": device["name"]})
    return {
        "DeviceKey": device["DeviceKey"],
        "DeviceAttributes": attrs,
        "DeviceCreateDate": device["created"],
        "DeviceLastModifiedDate": device["modified"],
        "DeviceLastAuthenticatedDate": device["last_auth"],
    }


@idp("ConfirmDevice")
def confirm_device(ctx: RequestContext, params: Params) -> Params:
    """ConfirmDevice: store salt + verifier; remembered at once unless the pool asks the user."""
    pool, user, _claims = caller(ctx, params)
    device_key = req_str(params, "DeviceKey")
    config = opt_dict(params, "DeviceSecretVerifierConfig")
    verifier = _b64_int(config.get("PasswordVerifier"), "PasswordVerifier")
    salt = _b64_int(config.get("Salt"), "Salt")
    prompt = bool((pool.get("DeviceConfiguration") or {}).get("DeviceOnlyRememberedOnUserPrompt"))
    with _updating_device(ctx, pool, user, device_key) as device:
        device.update(
            salt=format(salt, "x"),
            verifier=format(verifier, "x"),
            confirmed=True,
            remembered=not prompt,
            name=opt_str(params, "DeviceName") or "",
        )
    return {"UserConfirmationNecessary": prompt}


@idp("GetDevice")
def get_device(ctx: RequestContext, params: Params) -> Params:
    """GetDevice."""
    pool, user, _claims = caller(ctx, params)
    return {"Device": device_type(_device(ctx, pool, user, req_str(params, "DeviceKey")))}


@idp("ListDevices")
def list_devices(ctx: RequestContext, params: Params) -> Params:
    """ListDevices (confirmed devices) with Limit (1-60) and PaginationToken."""
    emu = ctx.emulator
    pool, user, _claims = caller(ctx, params)
    limit = opt_int(params, "Limit") or 60
    if not 0 < limit <= 60:
        raise invalid_parameter(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            "constraint: Member must have value less than or equal to 60"
        )
    token = opt_str(params, "PaginationToken")
    devices: list[Item] = []
    for _key, ref in emu.store.scan("user_device", user_prefix(pool["Id"], user["username"])):
        device = emu.store.get("device", ref["DeviceKey"])
        if device is not None and device.get("confirmed"):
            devices.append(device)
    devices.sort(key=lambda d: (d["created"], d["DeviceKey"]))
    start = 0
    if token:
        keys = [d["DeviceKey"] for d in devices]
        if token not in keys:
            raise invalid_parameter("Invalid pagination token")
        start = keys.index(token)
    page = devices[start : start + limit]
    out: Params = {"Devices": [device_type(d) for d in page]}
    if start + limit < len(devices):
        out["PaginationToken"] = devices[start + limit]["DeviceKey"]
    return out


@idp("UpdateDeviceStatus")
def update_device_status(ctx: RequestContext, params: Params) -> Params:
    """UpdateDeviceStatus: remembered / not_remembered."""
    pool, user, _claims = caller(ctx, params)
    device_key = req_str(params, "DeviceKey")
    status = opt_str(params, "DeviceRememberedStatus")
    if status not in ("remembered", "not_remembered"):
        raise invalid_parameter("DeviceRememberedStatus must be 'remembered' or 'not_remembered'")
    with _updating_device(ctx, pool, user, device_key) as device:
        device["remembered"] = status == "remembered"
    return {}


@idp("ForgetDevice")
def forget_device(ctx: RequestContext, params: Params) -> Params:
    """ForgetDevice."""
    emu = ctx.emulator
    pool, user, _claims = caller(ctx, params)
    device = _device(ctx, pool, user, req_str(params, "DeviceKey"))
    with emu.store.transaction():
        emu.store.delete("device", device["DeviceKey"])
        emu.store.delete(
            "user_device", user_prefix(pool["Id"], user["username"]) + device["DeviceKey"]
        )
    return {}
