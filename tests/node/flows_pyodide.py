# Runs inside Pyodide (tests/node/pyodide_run.js): the SDK's browser defaults end to end -
# PyfetchTransport (fetch), LocalStorage, crypto.getRandomValues - against the emulator.
import json

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoUser,
    CognitoUserPool,
    LocalStorage,
    NotAuthorizedException,
    PyfetchTransport,
)

cfg = json.loads(INPUT_JSON)  # noqa: F821 - set by pyodide_run.js
out = {}
pool = CognitoUserPool(
    {"UserPoolId": cfg["pool_id"], "ClientId": cfg["client_id"], "endpoint": cfg["endpoint"]}
)
out["transport"] = type(pool.client.transport).__name__
out["storage"] = type(pool.storage).__name__
user = CognitoUser(cfg["username"], pool)
try:
    await user.authenticate_user(AuthenticationDetails(cfg["username"], "Wrong-Passw0rd"))  # noqa: F704
except NotAuthorizedException as err:
    out["wrong_password"] = err.code
session = await user.authenticate_user(  # noqa: F704
    AuthenticationDetails(cfg["username"], cfg["password"])
)
out["valid"] = session.is_valid()
out["username"] = user.get_username()
attrs = await user.get_user_attributes()  # noqa: F704
out["email"] = {a.get_name(): a.get_value() for a in attrs}.get("email")
current = CognitoUserPool(
    {"UserPoolId": cfg["pool_id"], "ClientId": cfg["client_id"], "endpoint": cfg["endpoint"]}
).get_current_user()
out["current"] = current.get_username() if current else None
refreshed = await user.refresh_session(session.get_refresh_token())  # noqa: F704
out["refreshed"] = refreshed.is_valid()
await user.sign_out()  # noqa: F704
out["after_sign_out"] = pool.get_current_user() is None
unreachable = CognitoUserPool(
    {"UserPoolId": cfg["pool_id"], "ClientId": cfg["client_id"], "endpoint": cfg["dead_endpoint"]}
)
unreachable.client.retry_policy.max_delay = -1  # no retries: just the error type
try:
    await CognitoUser("x", unreachable).forgot_password()  # noqa: F704
except Exception as err:
    out["unreachable"] = type(err).__name__
assert isinstance(pool.storage, LocalStorage) and isinstance(
    pool.client.transport, PyfetchTransport
)
json.dumps(out)
