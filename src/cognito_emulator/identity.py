"""Cognito Identity (identity pools) for the emulator: ``AWSCognitoIdentityService.*``.

Operations: CreateIdentityPool, DescribeIdentityPool, ListIdentityPools, DeleteIdentityPool,
SetIdentityPoolRoles, GetIdentityPoolRoles, GetId, GetCredentialsForIdentity.

GetId and GetCredentialsForIdentity check every ``Logins`` token the way Cognito does for a
user pool provider: the provider must be configured on the identity pool, and the token must
be an RS256 ID token signed by that user pool's key, issued by that pool, for a client of that
pool (the configured client when one is set), and not expired. A forged, tampered, expired or
foreign token gets ``NotAuthorizedException``. The same user always maps to the same identity
id. Credentials are random ``ASIA...`` keys valid one hour; they are kept (kind
``identity_credentials``) so a test can check a signature made with them.

Data kinds in the store: ``identity_pool`` (by IdentityPoolId), ``identity`` (by IdentityId),
``identity_login`` (``<pool>|<provider>|<sub>`` -> IdentityId), ``identity_credentials``
(by AccessKeyId).
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jwt

from .errors import ServiceError, invalid_parameter, not_authorized, resource_not_found
from .registry import Handler, RequestContext, operation

if TYPE_CHECKING:
    from .state import Emulator

Item = dict[str, Any]

SERVICE = "AWSCognitoIdentityService"
CREDENTIAL_SECONDS = 3600
_POOL_ID_RE = re.compile(r"^[\w-]+:[0-9a-f-]+$")
_PROVIDER_RE = re.compile(r"^cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+_[0-9a-zA-Z]+)$")
_NAME_RE = re.compile(r"^[\w ]+$")
_KEY_ALPHABET = string.ascii_uppercase + string.digits


def _op(name: str) -> Callable[[Handler], Handler]:
    return operation(f"{SERVICE}.{name}")


def _str(params: Item, name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None:
        if required:
            raise invalid_parameter(f"1 validation error detected: {name} must not be null")
        return None
    if not isinstance(value, str) or not value:
        raise invalid_parameter(f"1 validation error detected: {name} must be a non-empty string")
    return value


def _invalid_config() -> ServiceError:
    return ServiceError(
        "InvalidIdentityPoolConfigurationException",
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )


# --- identity pools ----------------------------------------------------------------------


def create_identity_pool(
    emu: Emulator,
    name: str,
    *,
    providers: list[Item] | None = None,
    allow_unauthenticated: bool = False,
    roles: dict[str, str] | None = None,
    identity_pool_id: str | None = None,
) -> Item:
    """Create an identity pool (also used by seeds and tests) and return its description.

    ``providers`` are ``{"ProviderName": "cognito-idp.<region>.amazonaws.com/<pool id>",
    "ClientId": "...", "ServerSideTokenCheck": False}`` items; ``roles`` maps
    ``"authenticated"`` / ``"unauthenticated"`` to role ARNs.
    """
    if not _NAME_RE.match(name) or len(name) > 128:
        raise invalid_parameter("IdentityPoolName must match [\\w ]+ (1-128 characters)")
    checked: list[Item] = []
    for p in providers or []:
        if not isinstance(p, dict):
            raise invalid_parameter("Each CognitoIdentityProviders entry must be a structure")
        provider = p.get("ProviderName")
        if not isinstance(provider, str) or not _PROVIDER_RE.match(provider):
            raise invalid_parameter(f"Invalid ProviderName: {provider!r}")
        client_id = p.get("ClientId")
        checked.append(
            {
                "ProviderName": provider,
                "ClientId": client_id if isinstance(client_id, str) else None,
                "ServerSideTokenCheck": bool(p.get("ServerSideTokenCheck", False)),
            }
        )
    pool_id = identity_pool_id or f"{emu.config.region}:{uuid.uuid4()}"
    if not _POOL_ID_RE.match(pool_id):
        raise invalid_parameter(f"Invalid IdentityPoolId: {pool_id}")
    item: Item = {
        "IdentityPoolId": pool_id,
        "IdentityPoolName": name,
        "AllowUnauthenticatedIdentities": bool(allow_unauthenticated),
        "CognitoIdentityProviders": checked,
        "Roles": dict(roles or {}),
    }
    emu.store.put("identity_pool", pool_id, item)
    return _describe(item)


def _describe(item: Item) -> Item:
    out: Item = {
        "IdentityPoolId": item["IdentityPoolId"],
        "IdentityPoolName": item["IdentityPoolName"],
        "AllowUnauthenticatedIdentities": item["AllowUnauthenticatedIdentities"],
        "CognitoIdentityProviders": [
            {k: v for k, v in p.items() if v is not None} for p in item["CognitoIdentityProviders"]
        ],
    }
    return out


def _get_pool(emu: Emulator, pool_id: str) -> Item:
    item = emu.store.get("identity_pool", pool_id)
    if item is None:
        raise resource_not_found(f"IdentityPool '{pool_id}' not found.")
    return item


@_op("CreateIdentityPool")
def create_identity_pool_op(ctx: RequestContext, params: Item) -> Item:
    """CreateIdentityPool (the emulator does not check the caller's AWS signature)."""
    providers = params.get("CognitoIdentityProviders") or []
    if not isinstance(providers, list):
        raise invalid_parameter("CognitoIdentityProviders must be a list")
    return create_identity_pool(
        ctx.emulator,
        _str(params, "IdentityPoolName") or "",
        providers=providers,
        allow_unauthenticated=bool(params.get("AllowUnauthenticatedIdentities", False)),
    )


@_op("DescribeIdentityPool")
def describe_identity_pool(ctx: RequestContext, params: Item) -> Item:
    """DescribeIdentityPool."""
    return _describe(_get_pool(ctx.emulator, _str(params, "IdentityPoolId") or ""))


@_op("ListIdentityPools")
def list_identity_pools(ctx: RequestContext, params: Item) -> Item:
    """ListIdentityPools (one page holds them all)."""
    pools = [item for _, item in ctx.emulator.store.scan("identity_pool")]
    return {
        "IdentityPools": [
            {"IdentityPoolId": p["IdentityPoolId"], "IdentityPoolName": p["IdentityPoolName"]}
            for p in pools
        ]
    }


@_op("DeleteIdentityPool")
def delete_identity_pool(ctx: RequestContext, params: Item) -> Item:
    """DeleteIdentityPool (its identities go with it)."""
    pool_id = _str(params, "IdentityPoolId") or ""
    _get_pool(ctx.emulator, pool_id)
    store = ctx.emulator.store
    for key, ident in store.scan("identity"):
        if ident.get("IdentityPoolId") == pool_id:
            store.delete("identity", key)
    store.delete_prefix("identity_login", f"{pool_id}|")
    store.delete("identity_pool", pool_id)
    return {}


@_op("SetIdentityPoolRoles")
def set_identity_pool_roles(ctx: RequestContext, params: Item) -> Item:
    """SetIdentityPoolRoles: ``Roles`` = {"authenticated": arn, "unauthenticated": arn}."""
    pool_id = _str(params, "IdentityPoolId") or ""
    roles = params.get("Roles")
    if not isinstance(roles, dict) or not all(
        k in ("authenticated", "unauthenticated") and isinstance(v, str) and v.startswith("arn:")
        for k, v in roles.items()
    ):
        raise invalid_parameter("Roles must map authenticated/unauthenticated to role ARNs")
    mappings = params.get("RoleMappings")
    if mappings is not None:
        _mapped_roles(mappings)  # checked now: stored unchecked it would break every request
    store = ctx.emulator.store
    with store.transaction():
        item = _get_pool(ctx.emulator, pool_id)
        item["Roles"] = dict(roles)
        if mappings is not None:
            item["RoleMappings"] = mappings
        store.put("identity_pool", pool_id, item)
    return {}


def _mapped_roles(mappings: Any) -> set[str]:
    """The role ARNs named by ``RoleMappings`` rules (InvalidParameterException when the
    structure is not a map of ``{Type, RulesConfiguration: {Rules: [{RoleARN, ...}]}}``)."""
    if not isinstance(mappings, dict):
        raise invalid_parameter("RoleMappings must be a map")
    out: set[str] = set()
    for mapping in mappings.values():
        if not isinstance(mapping, dict) or mapping.get("Type") not in ("Token", "Rules"):
            raise invalid_parameter("Each RoleMappings entry needs Type Token or Rules")
        rules = (mapping.get("RulesConfiguration") or {}).get("Rules") or []
        if not isinstance(rules, list):
            raise invalid_parameter("RulesConfiguration.Rules must be a list")
        for rule in rules:
            arn = rule.get("RoleARN") if isinstance(rule, dict) else None
            if not isinstance(arn, str) or not arn.startswith("arn:"):
                raise invalid_parameter("Each rule needs a RoleARN")
            out.add(arn)
    return out


@_op("GetIdentityPoolRoles")
def get_identity_pool_roles(ctx: RequestContext, params: Item) -> Item:
    """GetIdentityPoolRoles."""
    item = _get_pool(ctx.emulator, _str(params, "IdentityPoolId") or "")
    return {"IdentityPoolId": item["IdentityPoolId"], "Roles": dict(item.get("Roles", {}))}


# --- tokens --------------------------------------------------------------------------------


def _bad_token(why: str) -> ServiceError:
    return not_authorized(f"Invalid login token. {why}")


def _issuers(ctx: RequestContext, region: str, user_pool_id: str) -> set[str]:
    bases = {ctx.issuer_base, f"https://cognito-idp.{region}.amazonaws.com"}
    if ctx.emulator.config.issuer_base:
        bases.add(ctx.emulator.config.issuer_base)
    return {f"{b.rstrip('/')}/{user_pool_id}" for b in bases if b}


def verify_login(ctx: RequestContext, pool: Item, provider: str, token: str) -> str:
    """Check one ``Logins`` entry; return the user's ``sub``. Raises NotAuthorizedException."""
    emu = ctx.emulator
    config = next(
        (p for p in pool["CognitoIdentityProviders"] if p["ProviderName"] == provider), None
    )
    if config is None:
        raise not_authorized("Token is not from a supported provider of this identity pool.")
    match = _PROVIDER_RE.match(provider)
    assert match is not None  # checked when the pool was created
    region, user_pool_id = match.group(1), match.group(2)
    if emu.store.get("pool", user_pool_id) is None:
        raise _bad_token("Issuer doesn't match providerName")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise _bad_token("Not a valid OpenId Connect identity token.") from None
    private, kid = emu.keys.key(user_pool_id)
    if header.get("alg") != "RS256" or header.get("kid") != kid:
        raise _bad_token("Invalid signature.")
    try:
        claims: Item = jwt.decode(
            token,
            private.public_key(),
            algorithms=["RS256"],
            # Expiry and audience are checked below against emulator time and pool clients.
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        raise _bad_token("Invalid signature.") from None
    except jwt.PyJWTError:
        raise _bad_token("Not a valid OpenId Connect identity token.") from None
    if claims.get("iss") not in _issuers(ctx, region, user_pool_id):
        raise _bad_token("Issuer doesn't match providerName")
    if claims.get("token_use") != "id":
        raise _bad_token("Not a valid OpenId Connect identity token.")
    aud = claims.get("aud")
    client = emu.store.get("client", aud) if isinstance(aud, str) else None
    if client is None or client.get("UserPoolId") != user_pool_id:
        raise _bad_token("Audience is not a client of the user pool.")
    if config.get("ClientId") and config["ClientId"] != aud:
        raise _bad_token("Audience doesn't match the identity pool's client.")
    exp = claims.get("exp")
    now = emu.now()
    if not isinstance(exp, int) or exp <= now:
        raise _bad_token(f"Token expired: {int(now)} >= {exp}")
    if config.get("ServerSideTokenCheck"):
        origin = emu.store.get("origin", str(claims.get("origin_jti")))
        if origin is None or origin.get("revoked"):
            raise _bad_token("Token has been revoked.")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise _bad_token("Not a valid OpenId Connect identity token.")
    return sub


def _logins(params: Item) -> dict[str, str]:
    logins = params.get("Logins") or {}
    if not isinstance(logins, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in logins.items()
    ):
        raise invalid_parameter("Logins must map provider names to tokens")
    if len(logins) > 10:
        raise invalid_parameter("Logins may hold at most 10 providers")
    return logins


def _verified_logins(ctx: RequestContext, pool: Item, logins: dict[str, str]) -> list[str]:
    """``<provider>|<sub>`` keys of the verified logins, in the request's order."""
    return [f"{p}|{verify_login(ctx, pool, p, t)}" for p, t in logins.items()]


# --- GetId / GetCredentialsForIdentity ------------------------------------------------------


@_op("GetId")
def get_id(ctx: RequestContext, params: Item) -> Item:
    """GetId: the identity of the logins (created on first use), or a new guest identity."""
    emu = ctx.emulator
    pool_id = _str(params, "IdentityPoolId") or ""
    pool = _get_pool(emu, pool_id)
    logins = _logins(params)
    if not logins:
        if not pool["AllowUnauthenticatedIdentities"]:
            raise not_authorized("Unauthenticated access is not supported for this identity pool.")
        identity_id = f"{pool_id.split(':', 1)[0]}:{uuid.uuid4()}"
        emu.store.put(
            "identity", identity_id, {"IdentityPoolId": pool_id, "Logins": [], "Created": emu.now()}
        )
        return {"IdentityId": identity_id}
    keys = _verified_logins(ctx, pool, logins)
    store = emu.store
    with store.transaction():
        found = None
        for key in keys:
            link = store.get("identity_login", f"{pool_id}|{key}")
            if link is not None:
                found = str(link["IdentityId"])
                break
        if found is None:
            found = f"{pool_id.split(':', 1)[0]}:{uuid.uuid4()}"
            store.put(
                "identity", found, {"IdentityPoolId": pool_id, "Logins": [], "Created": emu.now()}
            )
        ident = store.get("identity", found) or {"IdentityPoolId": pool_id, "Logins": []}
        for key in keys:
            store.put("identity_login", f"{pool_id}|{key}", {"IdentityId": found})
            if key not in ident["Logins"]:
                ident["Logins"].append(key)
        store.put("identity", found, ident)
    return {"IdentityId": found}


def _random_key(prefix: str, n: int) -> str:
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(n))


@_op("GetCredentialsForIdentity")
def get_credentials_for_identity(ctx: RequestContext, params: Item) -> Item:
    """GetCredentialsForIdentity: temporary keys for the pool's role, valid one hour."""
    emu = ctx.emulator
    identity_id = _str(params, "IdentityId") or ""
    ident = emu.store.get("identity", identity_id)
    if ident is None:
        raise resource_not_found(f"Identity '{identity_id}' not found.")
    pool = _get_pool(emu, ident["IdentityPoolId"])
    logins = _logins(params)
    linked: list[str] = list(ident.get("Logins", []))
    if logins:
        keys = _verified_logins(ctx, pool, logins)
        if linked and not set(keys) & set(linked):
            raise not_authorized(
                "Logins don't match. Please include at least one valid login for this identity "
                "or identity pool."
            )
        if not linked:
            # A guest identity may not be claimed by a token here (Cognito links via GetId).
            raise not_authorized("Logins don't match. Unauthenticated identity given logins.")
        role = pool.get("Roles", {}).get("authenticated")
    else:
        if linked:
            raise not_authorized(
                "Logins don't match. Please include at least one valid login for this identity "
                "or identity pool."
            )
        if not pool["AllowUnauthenticatedIdentities"]:
            raise not_authorized("Unauthenticated access is not supported for this identity pool.")
        role = pool.get("Roles", {}).get("unauthenticated")
    custom = params.get("CustomRoleArn")
    if custom is not None:
        if not logins:
            raise invalid_parameter("CustomRoleArn needs an authenticated identity")
        # Only a role the pool could grant this identity: its authenticated role or one of
        # its role mappings' roles; naming any other ARN gets no credentials.
        allowed = {role} | _mapped_roles(pool.get("RoleMappings") or {})
        if not isinstance(custom, str) or custom not in allowed:
            raise not_authorized("The CustomRoleArn is not a role of this identity pool.")
        role = custom
    if not role:
        raise _invalid_config()
    now = emu.now()
    expiration = int(now) + CREDENTIAL_SECONDS
    access_key = _random_key("ASIA", 16)
    secret = secrets.token_urlsafe(30)[:40]
    token = secrets.token_urlsafe(256)
    emu.store.put(
        "identity_credentials",
        access_key,
        {
            "IdentityId": identity_id,
            "SecretKey": secret,
            "SessionToken": token,
            "Expiration": expiration,
            "RoleArn": role,
        },
    )
    return {
        "IdentityId": identity_id,
        "Credentials": {
            "AccessKeyId": access_key,
            "SecretKey": secret,
            "SessionToken": token,
            "Expiration": expiration,
        },
    }


# --- seeds and the demo --------------------------------------------------------------------


def _find_by_name(emu: Emulator, name: str) -> Item | None:
    return next(
        (item for _, item in emu.store.scan("identity_pool") if item["IdentityPoolName"] == name),
        None,
    )


def apply_identity_seed(
    emu: Emulator, specs: list[Item], user_pools: dict[str, Any] | None = None
) -> dict[str, str]:
    """Create the seed's identity pools (idempotent); returns {name: IdentityPoolId}.

    Each spec takes CreateIdentityPool's fields plus ``Roles`` and an optional fixed
    ``IdentityPoolId``. ``"UserPools": ["<seeded pool name>", ...]`` adds those user pools
    (with their first client) as providers; ``user_pools`` is ``apply_seed``'s result.
    """
    out: dict[str, str] = {}
    for spec in specs:
        name = str(spec["IdentityPoolName"])
        fixed = spec.get("IdentityPoolId")
        existing = emu.store.get("identity_pool", str(fixed)) if fixed else _find_by_name(emu, name)
        if existing is not None:
            out[name] = str(existing["IdentityPoolId"])
            continue
        providers = list(spec.get("CognitoIdentityProviders") or [])
        for pool_name in spec.get("UserPools") or []:
            info = (user_pools or {})[pool_name]
            provider: Item = {
                "ProviderName": f"cognito-idp.{info['Id'].split('_', 1)[0]}.amazonaws.com/"
                f"{info['Id']}"
            }
            if info.get("clients"):
                provider["ClientId"] = info["clients"][0]
            providers.append(provider)
        created = create_identity_pool(
            emu,
            name,
            providers=providers,
            allow_unauthenticated=bool(spec.get("AllowUnauthenticatedIdentities", False)),
            roles=spec.get("Roles"),
            identity_pool_id=str(fixed) if fixed else None,
        )
        out[name] = str(created["IdentityPoolId"])
    return out


DEMO_ROLES = {
    "authenticated": "arn:aws:iam::000000000000:role/demo-authenticated",
    "unauthenticated": "arn:aws:iam::000000000000:role/demo-guest",
}


def ensure_demo_identity_pool(emu: Emulator, user_pool_id: str, client_id: str) -> str:
    """The demo identity pool trusting the demo user pool and client (created once)."""
    meta = emu.store.get("meta", "demo_identity")
    if (
        meta is not None
        and emu.store.get("identity_pool", meta["identityPoolId"]) is not None
        and meta.get("userPoolId") == user_pool_id
        and meta.get("clientId") == client_id
    ):
        return str(meta["identityPoolId"])
    region = user_pool_id.split("_", 1)[0]
    created = create_identity_pool(
        emu,
        "demo identities",
        providers=[
            {
                "ProviderName": f"cognito-idp.{region}.amazonaws.com/{user_pool_id}",
                "ClientId": client_id,
            }
        ],
        allow_unauthenticated=True,
        roles=DEMO_ROLES,
    )
    pool_id = str(created["IdentityPoolId"])
    emu.store.put(
        "meta",
        "demo_identity",
        {"identityPoolId": pool_id, "userPoolId": user_pool_id, "clientId": client_id},
    )
    return pool_id
