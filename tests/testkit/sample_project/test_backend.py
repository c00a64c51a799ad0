import jwt
import pytest
from app import current_user


def test_backend_knows_the_signed_in_user(user_pool, cognito_user):
    tokens = cognito_user.sign_in()
    claims = current_user(
        tokens.id_token,
        jwks_url=user_pool.jwks_url,
        issuer=user_pool.issuer,
        client_id=user_pool.client_id,
    )
    assert claims["email"] == cognito_user.email


def test_backend_refuses_an_expired_token(user_pool, cognito_user):
    with pytest.raises(jwt.ExpiredSignatureError):
        current_user(
            cognito_user.expired_tokens().id_token,
            jwks_url=user_pool.jwks_url,
            issuer=user_pool.issuer,
            client_id=user_pool.client_id,
        )
