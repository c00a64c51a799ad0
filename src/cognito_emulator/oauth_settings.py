"""OAuth 2.0 settings of an app client, checked as the CreateUserPoolClient /
UpdateUserPoolClient API reference describes (shared by ``ops_admin`` and ``ops_oauth``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .errors import ServiceError, invalid_parameter
from .registry import Params, RequestContext
from .validation import opt_bool, opt_list, opt_str

Item = dict[str, Any]
STANDARD_SCOPES = ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin")
OAUTH_FLOWS = ("code", "implicit", "client_credentials")


def _check_url(kind: str, url: Any) -> str:
    """A callback or logout URL: absolute, no fragment, HTTPS except http://localhost."""
    if not isinstance(url, str) or not url or len(url) > 1024:
        raise invalid_parameter(f"Invalid {kind}: {url!r}")
    parts = urlsplit(url)
    if not parts.scheme or parts.fragment or "#" in url:
        raise invalid_parameter(f"{kind} must be an absolute URI without a fragment: {url}")
    if parts.scheme == "http" and parts.hostname != "localhost":
        raise invalid_parameter(
            f"{kind} must use HTTPS (http is allowed only for localhost): {url}"
        )
    if parts.scheme in ("http", "https") and not parts.netloc:
        raise invalid_parameter(f"Invalid {kind}: {url}")
    return url


def _known_scopes(ctx: RequestContext, pool_id: str) -> set[str]:
    scopes = set(STANDARD_SCOPES)
    for _key, server in ctx.emulator.store.scan("resource_server", pool_id + "/"):
        for scope in server.get("Scopes") or []:
            scopes.add(f"{server['Identifier']}/{scope['ScopeName']}")
    return scopes


def oauth_settings(ctx: RequestContext, pool_id: str, params: Params, has_secret: bool) -> Item:
    """The OAuth fields of a CreateUserPoolClient / UpdateUserPoolClient request, checked.

    Absent fields take their defaults (UpdateUserPoolClient resets what it is not given, as the
    API reference warns)."""
    flows = [str(f) for f in opt_list(params, "AllowedOAuthFlows")]
    scopes = [str(s) for s in opt_list(params, "AllowedOAuthScopes")]
    callbacks = [_check_url("CallbackURLs", u) for u in opt_list(params, "CallbackURLs")]
    logouts = [_check_url("LogoutURLs", u) for u in opt_list(params, "LogoutURLs")]
    default_redirect = opt_str(params, "DefaultRedirectURI")
    enabled = opt_bool(params, "AllowedOAuthFlowsUserPoolClient")
    providers = [str(p) for p in opt_list(params, "SupportedIdentityProviders")]
    for flow in flows:
        if flow not in OAUTH_FLOWS:
            raise invalid_parameter(
                f"1 validation error detected: Value '[{flow}]' at 'allowedOAuthFlows' failed to "
                "satisfy constraint: Member must satisfy enum value set: "
                "[implicit, client_credentials, code]"
            )
    if "client_credentials" in flows and len(set(flows)) > 1:
        raise invalid_parameter(
            "client_credentials flow can not be selected along with code flow or implicit flow."
        )
    if "client_credentials" in flows and not has_secret:
        raise invalid_parameter(
            "client_credentials flow can not be selected if client does not have a client secret."
        )
    known = _known_scopes(ctx, pool_id)
    for scope in scopes:
        if scope not in known:
            raise ServiceError("ScopeDoesNotExistException", f"Invalid scope requested: {scope}")
    if "client_credentials" in flows and any(s in STANDARD_SCOPES for s in scopes):
        raise invalid_parameter("client_credentials flow can only be used with custom scopes.")
    if {"email", "phone", "profile"} & set(scopes) and "openid" not in scopes:
        raise invalid_parameter("Scopes email, phone and profile require the openid scope.")
    if default_redirect is not None and default_redirect not in callbacks:
        raise invalid_parameter("DefaultRedirectURI must be one of the CallbackURLs.")
    if enabled and (not flows or not scopes):
        raise invalid_parameter(
            "AllowedOAuthFlows and AllowedOAuthScopes are required when "
            "AllowedOAuthFlowsUserPoolClient is true."
        )
    if enabled and set(flows) & {"code", "implicit"} and not callbacks:
        raise invalid_parameter("CallbackURLs are required for the code and implicit flows.")
    for provider in providers:
        if provider != "COGNITO":
            raise invalid_parameter(
                f"The provider {provider} does not exist for User Pool {pool_id}"
            )
    out: Item = {"AllowedOAuthFlowsUserPoolClient": enabled}
    for key, value in (
        ("AllowedOAuthFlows", flows),
        ("AllowedOAuthScopes", scopes),
        ("CallbackURLs", callbacks),
        ("LogoutURLs", logouts),
        ("SupportedIdentityProviders", providers),
    ):
        if value:
            out[key] = value
    if default_redirect is not None:
        out["DefaultRedirectURI"] = default_redirect
    return out
