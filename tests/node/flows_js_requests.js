// Records the requests amazon-cognito-identity-js (6.3.21) makes for scripted scenarios, so
// tests/flows/test_js_parity.py can compare them with the Python SDK's requests.
// Usage: node flows_js_requests.js SCENARIOS.json  -> prints one JSON line:
//   {"<scenario name>": [{"target": "...", "body": {...}}, ...], ...}
// Each scenario: {pool: {UserPoolId, ClientId}, username, steps: [{method, args, on}],
// responses: [{status, body}]}; args may hold "$CB" (the callback), {"$details": {...}},
// {"$refresh": "token"} and {"$attr": {Name, Value}}. `on` is "pool" for CognitoUserPool.
'use strict';
const fs = require('fs');
const path = require('path');
const sdk = require(path.join(__dirname, '..', '..', 'node_modules', 'amazon-cognito-identity-js'));

const { CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute,
	CognitoRefreshToken } = sdk;

let queue = [];
let recorded = [];
globalThis.fetch = async (url, options) => {
	const target = (options.headers['X-Amz-Target'] || '').split('.').pop();
	recorded.push({ target, body: JSON.parse(options.body || '{}') });
	const next = queue.shift() || { status: 500, body: { __type: 'ScriptExhausted' } };
	const text = JSON.stringify(next.body);
	return {
		ok: next.status >= 200 && next.status < 300,
		status: next.status,
		headers: { get: () => null },
		json: async () => JSON.parse(text),
	};
};

function settle(resolve) {
	// One object usable both as a node-style callback and as a handler map.
	const cb = (err, res) => resolve({ err: err ? err.code || String(err) : null, res });
	for (const name of ['onSuccess', 'mfaRequired', 'totpRequired', 'selectMFAType', 'mfaSetup',
		'newPasswordRequired', 'customChallenge', 'associateSecretCode', 'inputVerificationCode']) {
		cb[name] = (...args) => resolve({ handler: name, args });
	}
	cb.onFailure = err => resolve({ err: err.code || String(err) });
	return cb;
}

function materialise(arg, cb) {
	if (arg === '$CB') return cb;
	if (arg && typeof arg === 'object' && !Array.isArray(arg)) {
		if (arg.$details) return new AuthenticationDetails(arg.$details);
		if (arg.$refresh !== undefined) return new CognitoRefreshToken({ RefreshToken: arg.$refresh });
		if (arg.$attr) return new CognitoUserAttribute(arg.$attr);
	}
	if (Array.isArray(arg)) return arg.map(a => materialise(a, cb));
	return arg;
}

async function run(scenario) {
	queue = scenario.responses.map(r => r);
	recorded = [];
	const memory = {};
	const storage = {
		setItem: (k, v) => { memory[k] = String(v); },
		getItem: k => (k in memory ? memory[k] : null),
		removeItem: k => { delete memory[k]; },
		clear: () => { for (const k of Object.keys(memory)) delete memory[k]; },
	};
	const pool = new CognitoUserPool({ ...scenario.pool, Storage: storage });
	const user = new CognitoUser({ Username: scenario.username, Pool: pool, Storage: storage });
	for (const step of scenario.steps) {
		const target = step.on === 'pool' ? pool : user;
		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			const cb = settle(resolve);
			const args = step.args.map(a => materialise(a, cb));
			const out = target[step.method](...args);
			if (!step.args.includes('$CB')) resolve({ res: out });
		});
		// Let fire-and-forget requests (signOut's revoke) finish.
		// eslint-disable-next-line no-await-in-loop
		await new Promise(r => setTimeout(r, 20));
	}
	return recorded;
}

async function main() {
	const scenarios = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
	const out = {};
	for (const [name, scenario] of Object.entries(scenarios)) {
		// eslint-disable-next-line no-await-in-loop
		out[name] = await run(scenario);
	}
	process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch(e => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
