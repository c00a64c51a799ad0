"""OAuth 2.0 configuration: app-client OAuth settings, user pool domains, resource servers.

Client settings (``AllowedOAuthFlows``, ``AllowedOAuthScopes``, ``CallbackURLs``, ``LogoutURLs``,
``DefaultRedirectURI``, ``AllowedOAuthFlowsUserPoolClient``, ``SupportedIdentityProviders``) are
checked the way the CreateUserPoolClient / UpdateUserPoolClient API reference describes; the
hosted UI (``cognito_emulator.hosted_ui``) serves the endpoints that use them.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import invalid_parameter, resource_not_found
from .model import get_pool
from .registry import Params, RequestContext, idp
from .validation import opt_list, req_str

Item = dict[str, Any]
_DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
_IDENTIFIER_RE = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]+$")
_SCOPE_NAME_RE = re.compile(r"^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$")


# ---------------------------------------------------------------- domains


def pool_of_domain(ctx: RequestContext, domain: str) -> str | None:
    """The pool id a domain prefix belongs to, or None."""
    item = ctx.emulator.store.get("domain", domain)
    return None if item is None else str(item["UserPoolId"])


@idp("CreateUserPoolDomain")
def create_user_pool_domain(ctx: RequestContext, params: Params) -> Params:
    """CreateUserPoolDomain (prefix domains; the emulator serves them under ``/<domain>/``)."""
    emu = ctx.emulator
    domain = req_str(params, "Domain")
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    if params.get("CustomDomainConfig") is not None:
        raise invalid_parameter("The emulator serves prefix domains only (no CustomDomainConfig).")
    if not _DOMAIN_RE.match(domain) or any(w in domain for w in _RESERVED_DOMAIN_WORDS):
        raise invalid_parameter(f"Domain {domain} is not a valid domain prefix.")
    with emu.store.transaction():
        if emu.store.get("domain", domain) is not None:
            raise invalid_parameter("Domain already exists.")
        if pool.get("Domain"):
            raise invalid_parameter(f"User pool {pool['Id']} already has a domain configured.")
        emu.store.put("domain", domain, {"Domain": domain, "UserPoolId": pool["Id"]})
        pool["Domain"] = domain
        emu.store.put("pool", pool["Id"], pool)
    return {"ManagedLoginVersion": 1}


@idp("DescribeUserPoolDomain")
def describe_user_pool_domain(ctx: RequestContext, params: Params) -> Params:
    """DescribeUserPoolDomain (an empty description for an unknown domain, like Cognito)."""
    domain = req_str(params, "Domain")
    pool_id = pool_of_domain(ctx, domain)
    if pool_id is None:
        return {"DomainDescription": {}}
    return {
        "DomainDescription": {
            "UserPoolId": pool_id,
            "AWSAccountId": "000000000000",
            "Domain": domain,
            "Status": "ACTIVE",
            "Version": "1",
            "ManagedLoginVersion": 1,
        }
    }


@idp("DeleteUserPoolDomain")
def delete_user_pool_domain(ctx: RequestContext, params: Params) -> Params:
    """DeleteUserPoolDomain."""
    emu = ctx.emulator
    domain = req_str(params, "Domain")
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    with emu.store.transaction():
        if pool_of_domain(ctx, domain) != pool["Id"]:
            raise invalid_parameter(f"No such domain or user pool exists: {domain}")
        emu.store.delete("domain", domain)
        pool.pop("Domain", None)
        emu.store.put("pool", pool["Id"], pool)
    return {}


# ---------------------------------------------------------------- resource servers


def _resource_server_params(params: Params) -> Item:
    identifier = req_str(params, "Identifier")
    if not _IDENTIFIER_RE.match(identifier) or len(identifier) > 256:
        raise invalid_parameter(f"Invalid resource server identifier: {identifier}")
    scopes = []
    for item in opt_list(params, "Scopes"):
        if not isinstance(item, dict):
            raise invalid_parameter("Scopes must be a list of {ScopeName, ScopeDescription}")
        name = req_str(item, "ScopeName")
        if not _SCOPE_NAME_RE.match(name) or len(name) > 256:
            raise invalid_parameter(f"Invalid scope name: {name}")
        scopes.append({"ScopeName": name, "ScopeDescription": req_str(item, "ScopeDescription")})
    return {"Identifier": identifier, "Name": req_str(params, "Name"), "Scopes": scopes}


@idp("CreateResourceServer")
def create_resource_server(ctx: RequestContext, params: Params) -> Params:
    """CreateResourceServer: custom scopes ``<Identifier>/<ScopeName>``."""
    emu = ctx.emulator
    pool = get_pool(emu, req_str(params, "UserPoolId"))
    server = {"UserPoolId": pool["Id"], **_resource_server_params(params)}
    if not emu.store.insert("resource_server", f"{pool['Id']}/{server['Identifier']}", server):
        raise invalid_parameter(f"{server['Identifier']} already exists in pool {pool['Id']}.")
    return {"ResourceServer": server}


def _resource_server(ctx: RequestContext, params: Params) -> Item:
    pool = get_pool(ctx.emulator, req_str(params, "UserPoolId"))
    identifier = req_str(params, "Identifier")
    server = ctx.emulator.store.get("resource_server", f"{pool['Id']}/{identifier}")
    if server is None:
        raise resource_not_found(f"Resource server {identifier} does not exist.")
    return server


@idp("DescribeResourceServer")
def describe_resource_server(ctx: RequestContext, params: Params) -> Params:
    """DescribeResourceServer."""
    return {"ResourceServer": _resource_server(ctx, params)}


@idp("ListResourceServers")
def list_resource_servers(ctx: RequestContext, params: Params) -> Params:
    """ListResourceServers (one page)."""
    pool = get_pool(ctx.emulator, req_str(params, "UserPoolId"))
    items = ctx.emulator.store.scan("resource_server", pool["Id"] + "/")
    return {"ResourceServers": [item for _key, item in items]}


@idp("DeleteResourceServer")
def delete_resource_server(ctx: RequestContext, params: Params) -> Params:
    """DeleteResourceServer."""
    server = _resource_server(ctx, params)
    ctx.emulator.store.delete("resource_server", f"{server['UserPoolId']}/{server['Identifier']}")
    return {}
