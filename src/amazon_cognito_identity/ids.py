"""Pool ids and the regions they name: the one parser of ``region_name`` and ``region:uuid``."""

from __future__ import annotations

import re

from .errors import InvalidParameterError

__all__ = ["region_from_identity_pool_id", "region_from_pool_id", "validate_pool_id"]

_POOL_ID_RE = re.compile(r"^[\w-]+_[0-9a-zA-Z]+$")
_POOL_ID_MAX = 55


def validate_pool_id(pool_id: str) -> str:
    """Return ``pool_id`` when it has the ``region_name`` form, else raise."""
    if (
        not isinstance(pool_id, str)
        or len(pool_id) > _POOL_ID_MAX
        or not _POOL_ID_RE.match(pool_id)
    ):
        raise InvalidParameterError("Invalid UserPoolId format.")
    return pool_id


def region_from_pool_id(pool_id: str) -> str:
    """The region part of a user pool id (before the first ``_``)."""
    return pool_id.split("_", 1)[0]


def region_from_identity_pool_id(identity_pool_id: str) -> str:
    """The region part of an identity pool id (``region:uuid``)."""
    region, sep, rest = identity_pool_id.partition(":")
    if not sep or not region or not rest:
        raise InvalidParameterError(f"not an identity pool id: {identity_pool_id!r}")
    return region
