"""The Python side of passkeys.html: each function answers one button (JSON in, JSON out)."""

import json

from amazon_cognito_identity import (
    AuthenticationDetails,
    Challenge,
    CognitoError,
    CognitoUser,
    CognitoUserPool,
    HostedUI,
    OAuthConfig,
    associate_web_authn_credential,
    list_web_authn_credentials,
    sign_in_with_passkey,
)

config = json.loads(CONFIG_JSON)  # noqa: F821 - set by passkeys.mjs
pool = CognitoUserPool(
    user_pool_id=config["userPoolId"],
    client_id=config["clientId"],
    endpoint=config.get("endpoint"),
)
oauth = config.get("oauth")
hosted = (
    HostedUI(
        pool,
        OAuthConfig(
            domain=oauth["domain"],
            redirect_sign_in=oauth["redirectSignIn"],
            redirect_sign_out=oauth.get("redirectSignOut"),
            scopes=tuple(
                oauth.get("scopes") or ("openid", "email", "aws.cognito.signin.user.admin")
            ),
        ),
    )
    if oauth
    else None
)


async def _user():
    user = pool.get_current_user()
    if user is None:
        raise CognitoError("Sign in first.")
    await user.get_session()
    return user


def _done(result):
    if isinstance(result, Challenge):
        raise CognitoError(f"The pool asks for {result.name}; this example stops here.")
    return None


async def sign_in(username, password):
    return _done(
        await CognitoUser(username, pool).authenticate_user(
            AuthenticationDetails(username, password)
        )
    )


async def passkey_sign_in(username):
    return _done(await sign_in_with_passkey(CognitoUser(username, pool)))


async def add_passkey():
    await associate_web_authn_credential(await _user())


async def list_passkeys():
    keys = await list_web_authn_credentials(await _user())
    return [
        {"id": k.credential_id, "name": k.friendly_name or "Passkey", "rp": k.relying_party_id}
        for k in keys
    ]


async def current():
    user = pool.get_current_user()
    return user.username if user is not None else ""


async def hosted_sign_in():
    if hosted is None:
        raise CognitoError("This pool has no hosted page configured.")
    hosted.sign_in_with_redirect()


async def hosted_callback(href):
    await hosted.handle_redirect_callback(href)


async def sign_out():
    user = pool.get_current_user()
    if user is not None:
        await user.sign_out()


async def run(name, *args):
    try:
        return json.dumps({"ok": True, "value": await globals()[name](*args)})
    except CognitoError as err:
        return json.dumps({"ok": False, "error": f"{err.code}: {err.message}"})
