# Runs inside Pyodide (tests/node/pyodide_run.js): choice-based and passwordless sign-in, auto
# sign-in and refresh-token rotation with the browser defaults (fetch, localStorage; Node has
# no navigator.locks, so the refresh lock falls back to this process) against the emulator.
import json

from pyodide.http import pyfetch

from amazon_cognito_identity import AuthenticationDetails, Challenge, CognitoUser, CognitoUserPool

cfg = json.loads(INPUT_JSON)  # noqa: F821 - set by pyodide_run.js
out = {}


async def code(username, kind):
    resp = await pyfetch(f"{cfg['endpoint']}_emulator/outbox?username={username}")
    items = [m for m in await resp.json() if m["kind"] == kind]
    return items[-1]["code"]


pool = CognitoUserPool(
    {"UserPoolId": cfg["pool_id"], "ClientId": cfg["client_id"], "endpoint": cfg["endpoint"]}
)
seen = []
for name in ("signed_in", "token_refreshed"):
    pool.events.subscribe(name, lambda e: seen.append(e.name))
user = CognitoUser(cfg["username"], pool)
user.set_authentication_flow_type("USER_AUTH")
challenge = await user.authenticate_user(  # noqa: F704
    AuthenticationDetails({"Username": cfg["username"]}), preferred_challenge="EMAIL_OTP"
)
out["otp_challenge"] = [challenge.name, challenge.delivery.medium]
session = await user.answer({"code": await code(cfg["username"], "email_otp")})  # noqa: F704
out["otp_signed_in"] = session.is_valid()
choice = await user.authenticate_user(AuthenticationDetails({"Username": cfg["username"]}))  # noqa: F704
out["choices"] = [c.value for c in choice.fields[0].choices]
srp = await user.answer({"answer": "PASSWORD_SRP", "password": cfg["password"]})  # noqa: F704
out["srp_signed_in"] = not isinstance(srp, Challenge) and srp.is_valid()
old = srp.get_refresh_token().get_token()
fresh = await user.refresh_session(srp.get_refresh_token())  # noqa: F704
out["rotated"] = [pool.refresh_token_rotation, fresh.get_refresh_token().get_token() != old]
signed_up = await pool.sign_up("pyo", cfg["password"], {"email": "pyo@example.com"})  # noqa: F704
await signed_up.user.confirm_registration(await code("pyo", "signup"))  # noqa: F704
auto = await signed_up.user.auto_sign_in()  # noqa: F704
out["auto"] = auto.get_id_token().payload["cognito:username"]
out["events"] = seen
json.dumps(out)
