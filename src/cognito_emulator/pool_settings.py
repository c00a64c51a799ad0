"""Pool and app-client settings of the modern flows: the feature plan (``UserPoolTier``), the
sign-in policy (``Policies.SignInPolicy.AllowedFirstAuthFactors``), email MFA
(``EmailMfaConfiguration``) and refresh-token rotation (``RefreshTokenRotation``).

``CreateUserPool`` stores the tier (default ``ESSENTIALS``) and refuses a sign-in policy beyond
``PASSWORD`` on ``LITE`` with ``FeatureUnavailableInTierException``; ``CreateUserPoolClient``
stores a validated ``RefreshTokenRotation``; ``SetUserPoolMfaConfig`` stores
``EmailMfaConfiguration``, which puts ``EMAIL_OTP`` among the ``MFAS_CAN_SETUP``.
"""

from __future__ import annotations

from typing import Any

from .errors import ServiceError, invalid_parameter

Item = dict[str, Any]
TIERS = ("LITE", "ESSENTIALS", "PLUS")
FIRST_FACTORS = ("PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
# REFRESH_TOKEN_AUTH on a client with rotation (refresh goes through GetTokensFromRefreshToken).
ROTATING = "Refresh token rotation is enabled for this client: use GetTokensFromRefreshToken."


def tier(pool: Item) -> str:
    """The pool's feature plan."""
    return str(pool.get("UserPoolTier") or "ESSENTIALS")


def unavailable_in_tier(feature: str) -> ServiceError:
    """FeatureUnavailableInTierException for ``feature``."""
    return ServiceError(
        "FeatureUnavailableInTierException",
        f"{feature} is not available in the LITE feature plan; use ESSENTIALS or PLUS.",
    )


def allowed_first_factors(pool: Item) -> list[str]:
    """AllowedFirstAuthFactors (``["PASSWORD"]`` when the pool has no sign-in policy)."""
    policy = (pool.get("Policies") or {}).get("SignInPolicy") or {}
    return list(policy.get("AllowedFirstAuthFactors") or ["PASSWORD"])


def email_mfa_configured(pool: Item) -> bool:
    """Whether the pool sends email MFA codes (EmailMfaConfiguration set, tier above LITE)."""
    return tier(pool) != "LITE" and pool.get("EmailMfaConfiguration") is not None


def apply_pool_settings(pool: Item, params: Item) -> None:
    """Validate and store UserPoolTier and the sign-in policy of CreateUserPool."""
    plan = params.get("UserPoolTier") or "ESSENTIALS"
    if plan not in TIERS:
        raise invalid_parameter(
            f"1 validation error detected: Value '{plan}' at 'userPoolTier' failed to satisfy "
            "constraint: Member must satisfy enum value set: [LITE, ESSENTIALS, PLUS]"
        )
    pool["UserPoolTier"] = plan
    policy = (pool.get("Policies") or {}).get("SignInPolicy")
    if policy is None:
        return
    factors = policy.get("AllowedFirstAuthFactors") if isinstance(policy, dict) else None
    if not isinstance(factors, list) or not 1 <= len(factors) <= len(FIRST_FACTORS):
        raise invalid_parameter("SignInPolicy.AllowedFirstAuthFactors must list 1 to 4 factors")
    for factor in factors:
        if factor not in FIRST_FACTORS:
            raise invalid_parameter(
                f"1 validation error detected: Value '{factor}' at "
                "'policies.signInPolicy.allowedFirstAuthFactors' failed to satisfy constraint: "
                "Member must satisfy enum value set: [PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN]"
            )
    if plan == "LITE" and set(factors) - {"PASSWORD"}:
        raise unavailable_in_tier("Choice-based sign-in with passwordless factors")


def apply_email_mfa_config(pool: Item, params: Item) -> None:
    """Store SetUserPoolMfaConfig's EmailMfaConfiguration (refused on LITE)."""
    config = params.get("EmailMfaConfiguration")
    if config is None:
        return
    if not isinstance(config, dict):
        raise invalid_parameter("EmailMfaConfiguration must be a structure")
    if tier(pool) == "LITE":
        raise unavailable_in_tier("Email MFA")
    pool["EmailMfaConfiguration"] = config


def rotation(client: Item) -> tuple[bool, int]:
    """(rotation on, grace seconds) of an app client."""
    setting = client.get("RefreshTokenRotation") or {}
    return setting.get("Feature") == "ENABLED", int(setting.get("RetryGracePeriodSeconds") or 0)


def apply_client_settings(client: Item, params: Item) -> None:
    """Validate and store CreateUserPoolClient's RefreshTokenRotation."""
    value = params.get("RefreshTokenRotation")
    if value is None:
        return
    if not isinstance(value, dict):
        raise invalid_parameter("RefreshTokenRotation must be a structure")
    feature = value.get("Feature")
    if feature not in ("ENABLED", "DISABLED"):
        raise invalid_parameter(
            f"1 validation error detected: Value '{feature}' at 'refreshTokenRotation.feature' "
            "failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
        )
    grace = value.get("RetryGracePeriodSeconds", 0)
    if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= 60:
        raise invalid_parameter(
            f"1 validation error detected: Value '{grace}' at "
            "'refreshTokenRotation.retryGracePeriodSeconds' failed to satisfy constraint: "
            "Member must have value between 0 and 60"
        )
    client["RefreshTokenRotation"] = {"Feature": feature, "RetryGracePeriodSeconds": grace}
