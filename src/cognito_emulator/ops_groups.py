"""Group operations: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup,
AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser and ListUsersInGroup.

Checked as the API reference states: group names of 1-128 printable characters without
white space, descriptions up to 2,048 characters, role ARNs of IAM's shape, precedence
0..2^31-1; an existing name gives ``GroupExistsException``, an unknown group
``ResourceNotFoundException`` and an unknown user ``UserNotFoundException``. The claims the
groups put in tokens come from :mod:`.groups`.
"""

from __future__ import annotations

import re

from .errors import ServiceError, invalid_parameter
from .groups import get_group, group_key, user_groups
from .model import get_pool, require_user, save_user, user_record
from .registry import Params, RequestContext, idp
from .validation import opt_int, opt_str, req_str

_ROLE_ARN = re.compile(
    r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+"
    r"(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?"
)
_MAX_PRECEDENCE = 2**31 - 1


def _name(params: Params) -> str:
    name = req_str(params, "GroupName")
    if not 1 <= len(name) <= 128 or any(c.isspace() or not c.isprintable() for c in name):
        raise invalid_parameter(
            f"1 validation error detected: Value '{name}' at 'groupName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
        )
    return name


def _settings(params: Params, group: Params) -> None:
    """Description, RoleArn and Precedence of a CreateGroup/UpdateGroup request."""
    description = opt_str(params, "Description")
    if description is not None:
        if len(description) > 2048:
            raise invalid_parameter("Description must be at most 2048 characters")
        group["Description"] = description
    role = opt_str(params, "RoleArn")
    if role is not None:
        if not 20 <= len(role) <= 2048 or not _ROLE_ARN.fullmatch(role):
            raise invalid_parameter(f"Invalid RoleArn: {role}")
        group["RoleArn"] = role
    precedence = opt_int(params, "Precedence")
    if precedence is not None:
        if not 0 <= precedence <= _MAX_PRECEDENCE:
            raise invalid_parameter(f"Precedence must be between 0 and {_MAX_PRECEDENCE}")
        group["Precedence"] = precedence


def _page(params: Params, items: list[Params], key: str) -> Params:
    """One page of ``items`` (``Limit`` 1..60, ``NextToken`` an offset this emulator gave)."""
    limit = opt_int(params, "Limit") or 60
    if not 1 <= limit <= 60:
        raise invalid_parameter("Limit must be between 1 and 60")
    token = opt_str(params, "NextToken")
    start = 0
    if token is not None:
        if not token.startswith("page-") or not token[5:].isdigit():
            raise invalid_parameter("Invalid NextToken")
        start = int(token[5:])
    out: Params = {key: items[start : start + limit]}
    if start + limit < len(items):
        out["NextToken"] = f"page-{start + limit}"
    return out


@idp("CreateGroup")
def create_group(ctx: RequestContext, params: Params) -> Params:
    """CreateGroup."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    name = _name(params)
    now = emu.now()
    group: Params = {
        "GroupName": name,
        "UserPoolId": pool["Id"],
        "CreationDate": now,
        "LastModifiedDate": now,
    }
    _settings(params, group)
    with emu.store.transaction():
        if emu.store.get("group", group_key(pool["Id"], name)) is not None:
            raise ServiceError(
                "GroupExistsException", f"A group with the name {name} already exists."
            )
        emu.store.put("group", group_key(pool["Id"], name), group)
    return {"Group": group}


@idp("GetGroup")
def get_group_op(ctx: RequestContext, params: Params) -> Params:
    """GetGroup."""
    pool = get_pool(ctx.emulator, req_str(params, "UserPoolId"))
    return {"Group": get_group(ctx.emulator, pool, _name(params))}


@idp("UpdateGroup")
def update_group(ctx: RequestContext, params: Params) -> Params:
    """UpdateGroup: the settings given replace the stored ones; the others stay."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    name = _name(params)
    with emu.store.transaction():
        group = get_group(emu, pool, name)
        _settings(params, group)
        group["LastModifiedDate"] = emu.now()
        emu.store.put("group", group_key(pool["Id"], name), group)
    return {"Group": group}


@idp("DeleteGroup")
def delete_group(ctx: RequestContext, params: Params) -> Params:
    """DeleteGroup: the group and every membership in it (tokens issued later lose it)."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    name = _name(params)
    with emu.store.transaction():
        get_group(emu, pool, name)
        emu.store.delete("group", group_key(pool["Id"], name))
        for _key, user in emu.store.scan("user", pool["Id"] + "/"):
            if name in (user.get("groups") or []):
                user["groups"] = [g for g in user["groups"] if g != name]
                save_user(emu, pool, user)
    return {}


@idp("ListGroups")
def list_groups(ctx: RequestContext, params: Params) -> Params:
    """ListGroups (by name; Limit and NextToken)."""
    pool = get_pool(ctx.emulator, req_str(params, "UserPoolId"))
    groups = [g for _k, g in ctx.emulator.store.scan("group", pool["Id"] + "/")]
    groups.sort(key=lambda g: str(g["GroupName"]))
    return _page(params, groups, "Groups")


def _membership(ctx: RequestContext, params: Params, add: bool) -> Params:
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    name = _name(params)
    username = req_str(params, "Username")
    with emu.store.transaction():
        get_group(emu, pool, name)
        user = require_user(emu, pool, username)
        groups = [g for g in user.get("groups") or [] if g != name]
        user["groups"] = [*groups, name] if add else groups
        save_user(emu, pool, user)
    return {}


@idp("AdminAddUserToGroup")
def admin_add_user_to_group(ctx: RequestContext, params: Params) -> Params:
    """AdminAddUserToGroup (adding a member again is not an error)."""
    return _membership(ctx, params, add=True)


@idp("AdminRemoveUserFromGroup")
def admin_remove_user_from_group(ctx: RequestContext, params: Params) -> Params:
    """AdminRemoveUserFromGroup."""
    return _membership(ctx, params, add=False)


@idp("AdminListGroupsForUser")
def admin_list_groups_for_user(ctx: RequestContext, params: Params) -> Params:
    """AdminListGroupsForUser (by precedence, as the token lists them)."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    user = require_user(emu, pool, req_str(params, "Username"))
    return _page(params, user_groups(emu, pool, user), "Groups")


@idp("ListUsersInGroup")
def list_users_in_group(ctx: RequestContext, params: Params) -> Params:
    """ListUsersInGroup (by username)."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    name = _name(params)
    get_group(emu, pool, name)
    users = [
        u for _k, u in emu.store.scan("user", pool["Id"] + "/") if name in (u.get("groups") or [])
    ]
    users.sort(key=lambda u: str(u["username"]))
    return _page(params, [user_record(u) for u in users], "Users")
