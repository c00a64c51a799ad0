// Drives the reference SDK amazon-cognito-identity-js (6.3.21) against the Cognito emulator.
// Usage: node reference_client_flows.js <scenario> '<config json>'
// config: {endpoint, pools: {basic: {poolId, clientId}, device: {...}, mfa: {...}, custom: {...}}}
// Prints one JSON line {ok, scenario, ...details} and exits 0 on success, 1 on failure.
'use strict';
const path = require('path');
const crypto = require('crypto');
const sdk = require(path.join(__dirname, '..', '..', 'node_modules', 'amazon-cognito-identity-js'));
const {
	CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute,
} = sdk;

const scenario = process.argv[2];
const config = JSON.parse(process.argv[3]);
const endpoint = config.endpoint;

// Record every call the SDK makes (target + challenge name + status) to check the flow taken.
const calls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, options) => {
	const target = (options.headers['X-Amz-Target'] || '').split('.').pop();
	const body = JSON.parse(options.body || '{}');
	const resp = await realFetch(url, options);
	calls.push({ target, challenge: body.ChallengeName || null, status: resp.status });
	return resp;
};

function pool(name) {
	const p = config.pools[name];
	return new CognitoUserPool({ UserPoolId: p.poolId, ClientId: p.clientId, endpoint });
}

async function outbox(username, kind) {
	const resp = await realFetch(`${endpoint}_emulator/outbox?username=${encodeURIComponent(username)}`);
	const items = (await resp.json()).filter(m => !kind || m.kind === kind);
	if (!items.length) throw new Error(`no ${kind} message for ${username}`);
	return items[items.length - 1].code;
}

// RFC 6238 TOTP (SHA-1, 30 s, 6 digits) computed by the harness, not by the emulator.
function base32Decode(s) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const c of s.replace(/=+$/, '').toUpperCase()) {
		bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
	}
	const bytes = [];
	for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
	return Buffer.from(bytes);
}
function totp(secret, when = Date.now()) {
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(when / 1000 / 30)));
	const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
	const offset = mac[mac.length - 1] & 0xf;
	const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
	return String(value).padStart(6, '0');
}

const cb = fn => new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

// authenticateUser as a promise resolving {kind, ...} for every callback the SDK may call.
function authenticate(user, details) {
	return new Promise(resolve => {
		user.authenticateUser(details, {
			onSuccess: (session, confirmationNecessary) => resolve({ kind: 'success', session, confirmationNecessary }),
			onFailure: err => resolve({ kind: 'failure', err }),
			totpRequired: (name, params) => resolve({ kind: 'totp', name, params }),
			mfaRequired: (name, params) => resolve({ kind: 'mfa', name, params }),
			customChallenge: params => resolve({ kind: 'custom', params }),
			newPasswordRequired: (attrs, required) => resolve({ kind: 'newPassword', attrs, required }),
			mfaSetup: (name, params) => resolve({ kind: 'mfaSetup', name, params }),
			selectMFAType: (name, params) => resolve({ kind: 'select', name, params }),
		});
	});
}
function challengeCallbacks(resolve) {
	return {
		onSuccess: session => resolve({ kind: 'success', session }),
		onFailure: err => resolve({ kind: 'failure', err }),
		customChallenge: params => resolve({ kind: 'custom', params }),
		totpRequired: (name, params) => resolve({ kind: 'totp', name, params }),
		mfaRequired: (name, params) => resolve({ kind: 'mfa', name, params }),
	};
}
function expect(cond, message) {
	if (!cond) throw new Error(message);
}
function expectSuccess(res, what) {
	if (res.kind !== 'success') {
		throw new Error(`${what}: expected success, got ${res.kind} ${res.err ? res.err.code + ': ' + res.err.message : ''}`);
	}
	return res.session;
}

const unique = prefix => `${prefix}${crypto.randomBytes(4).toString('hex')}`;
const PASSWORD = 'Corr3ct-Horse!';

async function signUpAndConfirm(p, username, email) {
	const attrs = [new CognitoUserAttribute({ Name: 'email', Value: email })];
	const result = await cb(done => p.signUp(username, PASSWORD, attrs, null, done));
	expect(result.userConfirmed === false, 'new user must be unconfirmed');
	const code = await outbox(username, 'signup');
	const user = new CognitoUser({ Username: username, Pool: p });
	const confirmed = await cb(done => user.confirmRegistration(code, true, done));
	expect(confirmed === 'SUCCESS', `confirmRegistration said ${confirmed}`);
	return user;
}

async function signIn(p, username, password = PASSWORD) {
	const user = new CognitoUser({ Username: username, Pool: p });
	const res = await authenticate(user, new AuthenticationDetails({ Username: username, Password: password }));
	return { user, res };
}

const scenarios = {
	async signup_confirm_srp() {
		const p = pool('basic');
		const username = unique('ref');
		await signUpAndConfirm(p, username, `${username}@example.com`);
		const { user, res } = await signIn(p, username);
		const session = expectSuccess(res, 'SRP sign-in');
		expect(session.isValid(), 'session must be valid');
		const payload = session.getIdToken().decodePayload();
		expect(payload['cognito:username'] === username, 'id token username');
		expect(payload.email === `${username}@example.com` && payload.email_verified === true, 'email claims');
		const data = await cb(done => user.getUserData(done, { bypassCache: true }));
		expect(data.Username === username, 'GetUser works with the new tokens');
		return { sub: payload.sub };
	},

	async wrong_password() {
		const p = pool('basic');
		const username = unique('ref');
		await signUpAndConfirm(p, username, `${username}@example.com`);
		const { res } = await signIn(p, username, 'Wrong-Passw0rd!');
		expect(res.kind === 'failure', `wrong password must fail, got ${res.kind}`);
		expect(res.err.code === 'NotAuthorizedException', `code ${res.err.code}`);
		expect(res.err.message === 'Incorrect username or password.', `message ${res.err.message}`);
		const again = await signIn(p, username);
		expectSuccess(again.res, 'right password after a wrong one');
		return { message: res.err.message };
	},

	async remembered_device() {
		const p = pool('device');
		const username = unique('dev');
		await signUpAndConfirm(p, username, `${username}@example.com`);
		const first = await signIn(p, username);
		const session = expectSuccess(first.res, 'first sign-in');
		expect(first.res.confirmationNecessary === true, 'pool asks the user to remember');
		const deviceKey = first.user.deviceKey;
		expect(deviceKey, 'ConfirmDevice ran and stored a device key');
		const remembered = await cb(done => first.user.setDeviceStatusRemembered({
			onSuccess: r => done(null, r), onFailure: e => done(e),
		}));
		expect(remembered === 'SUCCESS', 'setDeviceStatusRemembered');
		const device = await cb(done => first.user.getDevice({ onSuccess: r => done(null, r), onFailure: e => done(e) }));
		const status = device.Device.DeviceAttributes.find(a => a.Name === 'dev:device_remembered_status');
		expect(status && status.Value === 'remembered', 'device remembered');
		first.user.signOut(); // local sign-out keeps the device keys in storage
		expect(session.getAccessToken().decodePayload().device_key === deviceKey, 'token names the device');
		calls.length = 0;
		const second = await signIn(p, username);
		const session2 = expectSuccess(second.res, 'sign-in with the remembered device');
		const challenges = calls.filter(c => c.target === 'RespondToAuthChallenge').map(c => `${c.challenge}:${c.status}`);
		expect(challenges.join(',') === 'PASSWORD_VERIFIER:200,DEVICE_SRP_AUTH:200,DEVICE_PASSWORD_VERIFIER:200',
			`challenges ${challenges}`);
		expect(!calls.some(c => c.target === 'ConfirmDevice'), 'no new device on the second sign-in');
		expect(session2.getAccessToken().decodePayload().device_key === deviceKey, 'same device key');
		const list = await cb(done => second.user.listDevices(10, null, { onSuccess: r => done(null, r), onFailure: e => done(e) }));
		expect(list.Devices.length === 1, `one device listed, got ${list.Devices.length}`);
		return { challenges };
	},

	async totp_mfa() {
		const p = pool('mfa');
		const username = unique('totp');
		await signUpAndConfirm(p, username, `${username}@example.com`);
		const { user, res } = await signIn(p, username);
		expectSuccess(res, 'sign-in before MFA');
		const secret = await new Promise((resolve, reject) => user.associateSoftwareToken({
			associateSecretCode: resolve, onFailure: reject,
		}));
		const bad = await new Promise(resolve => user.verifySoftwareToken('000000' === totp(secret) ? '111111' : '000000', 'ref', {
			onSuccess: r => resolve({ ok: true, r }), onFailure: e => resolve({ ok: false, e }),
		}));
		expect(!bad.ok && bad.e.code === 'EnableSoftwareTokenMFAException', 'a wrong TOTP code is rejected');
		await new Promise((resolve, reject) => user.verifySoftwareToken(totp(secret), 'ref', {
			onSuccess: resolve, onFailure: reject,
		}));
		await cb(done => user.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, done));
		user.signOut();
		const again = await signIn(p, username);
		expect(again.res.kind === 'totp', `expected totpRequired, got ${again.res.kind}`);
		const wrong = await new Promise(resolve => again.user.sendMFACode(totp(secret, Date.now() - 300000),
			challengeCallbacks(resolve), 'SOFTWARE_TOKEN_MFA'));
		expect(wrong.kind === 'failure' && wrong.err.code === 'CodeMismatchException', `stale code rejected: ${wrong.kind}`);
		const done = await new Promise(resolve => again.user.sendMFACode(totp(secret),
			challengeCallbacks(resolve), 'SOFTWARE_TOKEN_MFA'));
		const session = expectSuccess(done, 'TOTP sign-in');
		expect(session.isValid(), 'valid session after TOTP');
		return {};
	},

	async custom_auth() {
		const p = pool('custom');
		const username = unique('cus');
		await signUpAndConfirm(p, username, `${username}@example.com`);
		// Passwordless: CUSTOM_AUTH -> CUSTOM_CHALLENGE (code from the outbox).
		const user = new CognitoUser({ Username: username, Pool: p });
		user.setAuthenticationFlowType('CUSTOM_AUTH');
		const first = await new Promise(resolve => user.initiateAuth(new AuthenticationDetails({ Username: username }), challengeCallbacks(resolve)));
		expect(first.kind === 'custom', `expected a custom challenge, got ${first.kind}`);
		const wrong = await new Promise(resolve => user.sendCustomChallengeAnswer('not-the-code', challengeCallbacks(resolve)));
		expect(wrong.kind === 'custom', `a wrong answer gets another challenge, got ${wrong.kind}`);
		const code = await outbox(username, 'custom_challenge');
		const ok = await new Promise(resolve => user.sendCustomChallengeAnswer(code, challengeCallbacks(resolve)));
		expectSuccess(ok, 'custom answer');
		// With a password: SRP_A -> PASSWORD_VERIFIER -> CUSTOM_CHALLENGE.
		const user2 = new CognitoUser({ Username: username, Pool: p });
		user2.setAuthenticationFlowType('CUSTOM_AUTH');
		const res = await authenticate(user2, new AuthenticationDetails({ Username: username, Password: PASSWORD }));
		expect(res.kind === 'custom', `SRP custom auth: expected custom challenge, got ${res.kind} ${res.err && res.err.message}`);
		const code2 = await outbox(username, 'custom_challenge');
		const ok2 = await new Promise(resolve => user2.sendCustomChallengeAnswer(code2, challengeCallbacks(resolve)));
		expectSuccess(ok2, 'custom answer after SRP');
		return {};
	},

	async forgot_password() {
		const p = pool('basic');
		const username = unique('fgt');
		const user = await signUpAndConfirm(p, username, `${username}@example.com`);
		await new Promise((resolve, reject) => user.forgotPassword({
			onSuccess: resolve, onFailure: reject, inputVerificationCode: resolve,
		}));
		const code = await outbox(username, 'forgot_password');
		const wrong = await new Promise(resolve => user.confirmPassword(code === '000000' ? '111111' : '000000', 'N3w-Passw0rd!', {
			onSuccess: () => resolve(null), onFailure: resolve,
		}));
		expect(wrong && wrong.code === 'CodeMismatchException', 'a wrong code is rejected');
		await new Promise((resolve, reject) => user.confirmPassword(code, 'N3w-Passw0rd!', { onSuccess: resolve, onFailure: reject }));
		const old = await signIn(p, username);
		expect(old.res.kind === 'failure' && old.res.err.code === 'NotAuthorizedException', 'old password no longer works');
		const fresh = await signIn(p, username, 'N3w-Passw0rd!');
		expectSuccess(fresh.res, 'sign-in with the new password');
		return {};
	},

	async global_sign_out() {
		const p = pool('basic');
		const username = unique('gso');
		await signUpAndConfirm(p, username, `${username}@example.com`);
		const { user, res } = await signIn(p, username);
		const session = expectSuccess(res, 'sign-in');
		await new Promise((resolve, reject) => user.globalSignOut({ onSuccess: resolve, onFailure: reject }));
		// A client still holding the old tokens: every use must now fail.
		const stale = new CognitoUser({ Username: username, Pool: p });
		stale.setSignInUserSession(session);
		const getUser = await new Promise(resolve => stale.getUserData((err, data) => resolve(err || data), { bypassCache: true }));
		expect(getUser && getUser.code === 'NotAuthorizedException', `GetUser with the old access token: ${JSON.stringify(getUser)}`);
		const refreshed = await new Promise(resolve => stale.refreshSession(session.getRefreshToken(), (err, s) => resolve(err || s)));
		expect(refreshed && refreshed.code === 'NotAuthorizedException', 'refresh with the old refresh token fails');
		return { getUser: getUser.message, refresh: refreshed.message };
	},
};

(async () => {
	try {
		const details = await scenarios[scenario]();
		console.log(JSON.stringify({ ok: true, scenario, ...details }));
		process.exit(0);
	} catch (err) {
		console.log(JSON.stringify({ ok: false, scenario, error: String(err && err.stack || err), calls }));
		process.exit(1);
	}
})();
