"""Python half of the lab page: run inside Pyodide by the bench harness."""

import json

from js import performance

from amazon_cognito_identity import _jsbigint, srp


def use_modpow(mode: str) -> str:
    """Select the modexp for SRP: 'auto' (what the SDK picks), 'python' or 'js'."""
    srp.set_modpow(None)
    if mode == "auto":
        return "js" if _jsbigint.install() else "python"
    if mode == "js":
        if not _jsbigint.install(force=True):
            raise RuntimeError("JS BigInt modpow unavailable")
        return "js"
    return "python"


def srp_once(pool_name, username, password, b_hex, salt_hex, secret_block):
    """Milliseconds for the client maths of one sign-in, as authenticate_user does it."""
    t0 = performance.now()
    helper = srp.AuthenticationHelper(pool_name)
    srp_a = helper.get_large_a_hex()
    key = helper.get_password_authentication_key(
        username, password, srp.parse_srp_int(b_hex), srp.parse_srp_int(salt_hex)
    )
    timestamp = srp.format_timestamp()
    signature = srp.password_claim_signature(key, pool_name, username, secret_block, timestamp)
    ms = performance.now() - t0
    assert srp_a and len(key) == 16 and signature
    return ms


def modpow_check(count, seed):
    """Compare the JS BigInt modpow with Python's pow on random inputs; returns mismatches."""
    import random

    rng = random.Random(seed)
    fn = _jsbigint.js_modpow()
    bad = []
    for _ in range(count):
        mod = rng.getrandbits(rng.choice([2, 8, 64, 521, 3072])) | rng.choice([0, 1])
        if mod == 0:
            continue
        base = rng.getrandbits(3100) * rng.choice([1, -1])
        exp = rng.getrandbits(rng.choice([0, 1, 7, 256, 1024, 1280]))
        if fn(base, exp, mod) != pow(base, exp, mod):
            bad.append([str(base), str(exp), str(mod)])
    return json.dumps(bad)


async def signin_once(cfg_json, username, password, prewarm=False):
    """Milliseconds for our authenticate_user end to end (fresh pool and storage each time).

    With ``prewarm``, A is computed before the clock starts (srp.prewarm()).
    """
    from amazon_cognito_identity import (
        AuthenticationDetails,
        CognitoUser,
        CognitoUserPool,
        CognitoUserSession,
        MemoryStorage,
    )

    cfg = json.loads(cfg_json)
    storage = MemoryStorage()
    pool = CognitoUserPool(
        cfg["userPoolId"], cfg["clientId"], endpoint=cfg.get("endpoint"), storage=storage
    )
    user = CognitoUser(username, pool, storage)
    if prewarm:
        srp.prewarm()
    t0 = performance.now()
    result = await user.authenticate_user(AuthenticationDetails(username, password))
    ms = performance.now() - t0
    if not isinstance(result, CognitoUserSession) or not result.is_valid():
        raise RuntimeError(f"sign-in did not give a valid session: {result!r}")
    return ms
