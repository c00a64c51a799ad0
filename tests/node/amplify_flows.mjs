// Drives Amplify v6 (aws-amplify 6.22.1, the reference client for choice-based and passwordless
// sign-in) against the Cognito emulator under Node.
// Usage: node amplify_flows.mjs <scenario> '<config json>'
// config: {endpoint, poolId, clientId, username, password?, email?, phone?}
// Prints one JSON line {ok, scenario, steps, calls, ...} and exits 0 on success, 1 on failure.
import { Amplify } from 'aws-amplify';
import { Hub } from 'aws-amplify/utils';
import {
	autoSignIn, confirmSignIn, confirmSignUp, fetchAuthSession, fetchMFAPreference, getCurrentUser,
	signIn, signOut, signUp, updateMFAPreference,
} from 'aws-amplify/auth';

const scenario = process.argv[2];
const config = JSON.parse(process.argv[3]);
const { endpoint, username, password } = config;

// Record every call Amplify makes (target, challenge, status) to check the flow it took.
const calls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, options = {}) => {
	const headers = options.headers || {};
	const target = (headers['x-amz-target'] || headers['X-Amz-Target'] || '').split('.').pop();
	const body = JSON.parse(options.body || '{}');
	const resp = await realFetch(url, options);
	calls.push({
		target,
		flow: body.AuthFlow || null,
		challenge: body.ChallengeName || null,
		preferred: (body.AuthParameters || {}).PREFERRED_CHALLENGE || null,
		answer: (body.ChallengeResponses || {}).ANSWER || null,
		session: Boolean(body.Session),
		status: resp.status,
	});
	return resp;
};

const events = [];
Hub.listen('auth', ({ payload }) => events.push(payload.event));

Amplify.configure({
	Auth: {
		Cognito: {
			userPoolId: config.poolId,
			userPoolClientId: config.clientId,
			userPoolEndpoint: endpoint,
			loginWith: { email: true },
		},
	},
});

async function outbox(kind) {
	const resp = await realFetch(`${endpoint}_emulator/outbox?username=${encodeURIComponent(username)}`);
	const items = (await resp.json()).filter(m => m.kind === kind);
	if (!items.length) throw new Error(`no ${kind} message for ${username}`);
	return items[items.length - 1];
}

const steps = [];
function step(result) {
	steps.push(result.nextStep ? result.nextStep.signInStep || result.nextStep.signUpStep : 'none');
	return result;
}

async function tokensOf() {
	const session = await fetchAuthSession();
	const access = session.tokens && session.tokens.accessToken;
	if (!access) throw new Error('signed in without an access token');
	return { sub: access.payload.sub, username: access.payload.username };
}

const scenarios = {
	// USER_AUTH with preferredChallenge EMAIL_OTP: the code from the outbox signs in.
	async email_otp() {
		step(await signIn({ username, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } }));
		const message = await outbox('email_otp');
		const done = step(await confirmSignIn({ challengeResponse: message.code }));
		return { signedIn: done.isSignedIn, destination: message.destination, ...(await tokensOf()) };
	},
	async sms_otp() {
		step(await signIn({ username, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'SMS_OTP' } }));
		const message = await outbox('sms_otp');
		const done = step(await confirmSignIn({ challengeResponse: message.code }));
		return { signedIn: done.isSignedIn, destination: message.destination, ...(await tokensOf()) };
	},
	// No preference: SELECT_CHALLENGE lists the factors; the user picks one, then another time
	// the password.
	async select_challenge() {
		const first = step(await signIn({ username, options: { authFlowType: 'USER_AUTH' } }));
		const available = first.nextStep.availableChallenges;
		step(await confirmSignIn({ challengeResponse: 'EMAIL_OTP' }));
		const message = await outbox('email_otp');
		const done = step(await confirmSignIn({ challengeResponse: message.code }));
		const who = await tokensOf();
		await signOut();
		step(await signIn({ username, options: { authFlowType: 'USER_AUTH' } }));
		step(await confirmSignIn({ challengeResponse: 'PASSWORD_SRP' }));
		const again = step(await confirmSignIn({ challengeResponse: password }));
		return { available, signedIn: done.isSignedIn && again.isSignedIn, ...who };
	},
	// USER_AUTH with PASSWORD: the password goes with InitiateAuth.
	async password() {
		const done = step(await signIn({ username, password, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'PASSWORD' } }));
		return { signedIn: done.isSignedIn, ...(await tokensOf()) };
	},
	// Email MFA: turned on through updateMFAPreference, then asked for after the password.
	async email_mfa() {
		step(await signIn({ username, password }));
		await updateMFAPreference({ email: 'PREFERRED' });
		const prefs = await fetchMFAPreference();
		await signOut();
		step(await signIn({ username, password }));
		const message = await outbox('email_mfa');
		const done = step(await confirmSignIn({ challengeResponse: message.code }));
		return { signedIn: done.isSignedIn, prefs, ...(await tokensOf()) };
	},
	// Email MFA set-up in a pool that requires MFA: the user gives an address, then its code.
	async email_mfa_setup() {
		const first = step(await signIn({ username, password }));
		const allowed = first.nextStep.allowedMFATypes || null;
		if (first.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION') {
			step(await confirmSignIn({ challengeResponse: 'EMAIL' }));
		}
		step(await confirmSignIn({ challengeResponse: config.email }));
		const message = await outbox('email_mfa');
		const done = step(await confirmSignIn({ challengeResponse: message.code }));
		const prefs = await fetchMFAPreference();
		return { signedIn: done.isSignedIn, allowed, prefs, destination: message.destination, ...(await tokensOf()) };
	},
	// signUp with autoSignIn, confirmSignUp with the code, then autoSignIn() without a password.
	async auto_sign_in() {
		const up = await signUp({
			username,
			password,
			options: {
				userAttributes: { email: config.email },
				autoSignIn: { authFlowType: 'USER_AUTH' },
			},
		});
		steps.push(up.nextStep.signUpStep);
		const message = await outbox('signup');
		const confirmed = await confirmSignUp({ username, confirmationCode: message.code });
		steps.push(confirmed.nextStep.signUpStep);
		const done = step(await autoSignIn());
		const user = await getCurrentUser();
		return { signedIn: done.isSignedIn, userId: user.userId, ...(await tokensOf()) };
	},
	// A wrong code is refused with Cognito's error name; the right one still works after it.
	async wrong_code() {
		step(await signIn({ username, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } }));
		const message = await outbox('email_otp');
		const wrong = String((Number(message.code) + 1) % 1000000).padStart(6, '0');
		let error = null;
		try {
			await confirmSignIn({ challengeResponse: wrong });
		} catch (err) {
			error = err.name;
		}
		const done = step(await confirmSignIn({ challengeResponse: message.code }));
		return { error, signedIn: done.isSignedIn };
	},
};

try {
	const details = await scenarios[scenario]();
	console.log(JSON.stringify({ ok: true, scenario, steps, calls, events, ...details }));
	process.exit(0);
} catch (err) {
	console.log(JSON.stringify({
		ok: false, scenario, steps, calls, events, error: String(err && err.stack || err), name: err && err.name,
	}));
	process.exit(1);
}
