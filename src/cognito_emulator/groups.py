"""User-pool groups: the stored group items, a user's memberships and the claims they give.

A group is stored under ``group`` ``<pool id>/<name>``; a user's memberships are a list of
group names on the user item (so deleting a user drops them). Tokens carry, as Cognito's do,
``cognito:groups`` (access and ID token, by precedence: lowest first, unset last), and in the
ID token ``cognito:roles`` (the groups' role ARNs) and ``cognito:preferred_role`` (the role of
the group with the lowest precedence; not set when groups tied at that precedence name
different roles).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import resource_not_found
from .store import key_part

if TYPE_CHECKING:
    from .state import Emulator

Item = dict[str, Any]


def group_key(pool_id: str, name: str) -> str:
    """Store key of a group (its name escaped, so no group's key is a prefix of another's)."""
    return f"{pool_id}/{key_part(name)}"


def get_group(emu: Emulator, pool: Item, name: str) -> Item:
    """The stored group, or ResourceNotFoundException as Cognito answers."""
    group = emu.store.get("group", group_key(pool["Id"], name))
    if group is None:
        raise resource_not_found("Group not found.")
    return dict(group)


def _order(group: Item) -> tuple[bool, int, str]:
    precedence = group.get("Precedence")
    return (precedence is None, int(precedence or 0), str(group["GroupName"]))


def user_groups(emu: Emulator, pool: Item, user: Item) -> list[Item]:
    """The groups a user belongs to, by precedence (lowest first, unset last), then name."""
    found = []
    for name in user.get("groups") or []:
        group = emu.store.get("group", group_key(pool["Id"], name))
        if group is not None:
            found.append(group)
    return sorted(found, key=_order)


def _preferred_role(groups: list[Item]) -> str | None:
    ranked = [g for g in groups if g.get("Precedence") is not None and g.get("RoleArn")]
    if not ranked:
        return None
    best = min(int(g["Precedence"]) for g in ranked)
    roles = {g["RoleArn"] for g in ranked if int(g["Precedence"]) == best}
    return roles.pop() if len(roles) == 1 else None


def group_claims(emu: Emulator, pool: Item, user: Item) -> tuple[Item, Item]:
    """(access-token claims, ID-token claims) of the user's groups; empty without groups."""
    groups = user_groups(emu, pool, user)
    if not groups:
        return {}, {}
    names = [str(g["GroupName"]) for g in groups]
    ident: Item = {"cognito:groups": names}
    roles = [str(g["RoleArn"]) for g in groups if g.get("RoleArn")]
    if roles:
        ident["cognito:roles"] = roles
    preferred = _preferred_role(groups)
    if preferred:
        ident["cognito:preferred_role"] = preferred
    return {"cognito:groups": names}, ident
