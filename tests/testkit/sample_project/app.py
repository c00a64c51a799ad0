"""The sample user's backend: who is calling, from a Cognito ID token."""

import jwt


def current_user(id_token: str, *, jwks_url: str, issuer: str, client_id: str) -> dict:
    """The token's claims once its signature, issuer, audience and expiry check out."""
    key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(id_token)
    return jwt.decode(id_token, key.key, algorithms=["RS256"], audience=client_id, issuer=issuer)
