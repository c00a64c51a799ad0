// JS halves of the side-by-side measurements. Every function returns milliseconds.
"use strict";

// The client maths of one sign-in with the reference SDK, as CognitoUser does it:
// A, then (after the server's B and salt) the HKDF key, the timestamp and the signature.
function jsSdkSrpOnce(poolName, username, password, bHex, saltHex, secretBlock) {
  const S = AmazonCognitoIdentity;
  const t0 = performance.now();
  let signature = null;
  let srpA = null;
  const helper = new S.AuthenticationHelper(poolName);
  helper.getLargeAValue((errA, aValue) => {
    if (errA) { throw errA; }
    srpA = aValue.toString(16);
    helper.getPasswordAuthenticationKey(
      username, password, new S.BigInteger(bHex, 16), new S.BigInteger(saltHex, 16),
      (err, hkdf) => {
        if (err) { throw err; }
        const dateNow = new S.DateHelper().getNowString();
        const message = S.Buffer.concat([
          S.Buffer.from(poolName, "utf8"), S.Buffer.from(username, "utf8"),
          S.Buffer.from(secretBlock, "base64"), S.Buffer.from(dateNow, "utf8"),
        ]);
        const mac = new S.Sha256(hkdf);
        mac.update(message);
        signature = S.Buffer.from(mac.digestSync()).toString("base64");
      });
  });
  const ms = performance.now() - t0;
  // The reference SDK's callbacks are synchronous; make sure nothing was skipped.
  if (signature === null || srpA === null) { throw new Error("JS SDK SRP did not complete"); }
  return ms;
}

// The modexps of one sign-in (A = g^a, g^x, S = (B - k g^x)^(a + u x)), nothing else:
// the floor any SRP client on JS BigInt pays. `modpow` takes and returns hex strings.
function bigintFloorOnce(modpow, nHex, kHex, aHex, xHex, uHex, bHex) {
  const t0 = performance.now();
  const N = BigInt("0x" + nHex);
  modpow("2", aHex, nHex);
  const gx = BigInt("0x" + modpow("2", xHex, nHex));
  let base = (BigInt("0x" + bHex) - BigInt("0x" + kHex) * gx) % N;
  if (base < 0n) { base += N; }
  const exp = BigInt("0x" + aHex) + BigInt("0x" + uHex) * BigInt("0x" + xHex);
  modpow(base.toString(16), exp.toString(16), nHex);
  return performance.now() - t0;
}

// Plain right-to-left square-and-multiply, for comparison with the windowed one.
function plainModpow(bHex, eHex, mHex) {
  const m = BigInt("0x" + mHex);
  let b = BigInt("0x" + bHex) % m;
  let e = BigInt("0x" + eHex);
  let r = 1n;
  while (e > 0n) {
    if (e & 1n) { r = (r * b) % m; }
    b = (b * b) % m;
    e >>= 1n;
  }
  return r.toString(16);
}

// Sign-in with the reference SDK's authenticateUser against `endpoint`, fresh storage each time.
function jsSdkSignIn(cfg, username, password) {
  const S = AmazonCognitoIdentity;
  const store = {};
  const storage = {
    setItem: (k, v) => { store[k] = String(v); }, getItem: (k) => (k in store ? store[k] : null),
    removeItem: (k) => { delete store[k]; }, clear: () => { for (const k in store) delete store[k]; },
  };
  const pool = new S.CognitoUserPool({
    UserPoolId: cfg.userPoolId, ClientId: cfg.clientId, endpoint: cfg.endpoint, Storage: storage,
  });
  const user = new S.CognitoUser({ Username: username, Pool: pool, Storage: storage });
  const details = new S.AuthenticationDetails({ Username: username, Password: password });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    user.authenticateUser(details, {
      onSuccess: (session) => {
        const ms = performance.now() - t0;
        if (!session.isValid()) { reject(new Error("JS SDK session not valid")); }
        resolve(ms);
      },
      onFailure: (err) => reject(new Error("JS SDK sign-in failed: " + (err && err.message))),
      mfaRequired: () => reject(new Error("unexpected MFA challenge")),
      totpRequired: () => reject(new Error("unexpected TOTP challenge")),
      newPasswordRequired: () => reject(new Error("unexpected new password challenge")),
    });
  });
}

// Sign-in with Amplify v6 signIn (USER_SRP_AUTH) against `endpoint`, as an app calls it.
// Amplify keeps tokens and device keys in localStorage: signed out and cleared first, so every
// run starts as a new visitor, like the JS SDK's fresh storage.
async function amplifySignIn(cfg, username, password) {
  const A = AmplifyBench;
  A.Amplify.configure({
    Auth: { Cognito: { userPoolId: cfg.userPoolId, userPoolClientId: cfg.clientId, userPoolEndpoint: cfg.endpoint } },
  });
  try { await A.signOut(); } catch (e) { /* nobody signed in */ }
  localStorage.clear();
  const t0 = performance.now();
  const out = await A.signIn({ username, password });
  const ms = performance.now() - t0;
  if (!out.isSignedIn) { throw new Error("Amplify sign-in stopped at " + out.nextStep.signInStep); }
  return ms;
}

function longestTaskSince(t0) {
  let worst = 0;
  for (const t of window.longTasks) { if (t.start + t.ms >= t0 && t.ms > worst) worst = t.ms; }
  return worst;
}
