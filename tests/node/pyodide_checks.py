# Runs inside Pyodide (tests/node/pyodide_run.js): exercises the browser code paths of the
# SDK core for real and returns a JSON report; tests/core/test_pyodide.py judges it.
import json
import sys
import warnings

from amazon_cognito_identity import _random, runtime, srp, storage, verify

inp = json.loads(INPUT_JSON)  # noqa: F821 - set by the runner
out = {"platform": sys.platform, "version": list(sys.version_info[:2])}

out["is_pyodide"] = runtime.IS_PYODIDE
out["js_found"] = runtime.get_js() is not None and runtime.get_pyodide() is not None
big = _random.random_bytes(70000)  # more than one getRandomValues call
out["random_len"] = len(big)
out["random_distinct"] = len(set(big[i : i + 16] for i in range(0, 70000, 16)))

helper = srp.AuthenticationHelper(inp["pool"], small_a=int(inp["a"], 16))
key = helper.get_password_authentication_key(
    inp["user"], inp["password"], srp.parse_srp_int(inp["b"]), srp.parse_srp_int(inp["salt"])
)
out["srp"] = {
    "A": helper.get_large_a_hex(),
    "key": key.hex(),
    "signature": srp.password_claim_signature(
        key, inp["pool"], inp["user"], inp["block"], inp["timestamp"]
    ),
}

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    local = runtime.default_storage()
out["local"] = {
    "type": type(local).__name__,
    "fallback": getattr(local, "is_fallback", None),
    "warnings": len(caught),
}
local.set_item("k", "v")
out["local"]["roundtrip"] = local.get_item("k")
out["local"]["missing"] = local.get_item("nope")
local.remove_item("k")
out["local"]["after_remove"] = local.get_item("k")

cookies = storage.CookieStorage("example.com")
COOKIE_KEY = "CognitoIdentityServiceProvider.c.u@x.idToken"
cookies.set_item(COOKIE_KEY, inp["big_value"])
out["cookie_roundtrip"] = cookies.get_item(COOKIE_KEY) == inp["big_value"]


async def check_tokens():
    backend = verify.select_backend()
    results = {"backend": backend.name}
    for name, token in inp["tokens"].items():
        try:
            await verify.verify_token(
                token,
                inp["jwks"],
                user_pool_id=inp["pool_id"],
                client_id=inp["client_id"],
                token_use="id",
            )
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"{type(exc).__name__}: {exc}"
    fetched = []

    async def fetch(url):
        fetched.append(url)
        return json.dumps(inp["jwks"]).encode()

    cache = verify.JwksCache()
    for _ in range(2):
        await verify.verify_token(
            inp["tokens"]["valid"],
            user_pool_id=inp["pool_id"],
            client_id=inp["client_id"],
            token_use="id",
            fetch=fetch,
            cache=cache,
        )
    results["fetches"] = len(fetched)
    return results


out["verify"] = await check_tokens()  # noqa: F704 - top-level await in runPythonAsync
json.dumps(out)
