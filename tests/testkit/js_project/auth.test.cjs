// A JS project's test that uses only the emulator's CLI: `node --test` in this folder.
// It starts `python -m cognito_emulator --config pools.json --port 0 --print-env`, reads the
// COGNITO_* lines up to the empty line, and drives amazon-cognito-identity-js against it.
// $PYTHON names the interpreter that has amazon-cognito-identity[emulator] (default: python3).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const {
	CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute,
} = require('amazon-cognito-identity-js');

let server;
const env = {};

before(async () => {
	server = spawn(process.env.PYTHON || 'python3', [
		'-m', 'cognito_emulator', '--config', path.join(__dirname, 'pools.json'),
		'--port', '0', '--print-env', '--quiet',
	], { stdio: ['ignore', 'pipe', 'inherit'] });
	const lines = readline.createInterface({ input: server.stdout });
	for await (const line of lines) {
		if (line === '') break;
		const [key, ...value] = line.split('=');
		env[key] = value.join('=');
	}
});

after(() => server.kill());

const pool = () => new CognitoUserPool({
	UserPoolId: env.COGNITO_USER_POOL_ID, ClientId: env.COGNITO_CLIENT_ID, endpoint: env.COGNITO_ENDPOINT,
});

function signIn(username, password) {
	const user = new CognitoUser({ Username: username, Pool: pool() });
	const details = new AuthenticationDetails({ Username: username, Password: password });
	return new Promise((resolve, reject) => user.authenticateUser(details, {
		onSuccess: resolve, onFailure: reject,
	}));
}

async function latestCode(username) {
	const url = `${env.COGNITO_ENDPOINT}_emulator/outbox?username=${encodeURIComponent(username)}`;
	const messages = await (await fetch(url)).json();
	return messages[messages.length - 1].code;
}

test('the printed variables name the declared pool and client', () => {
	assert.match(env.COGNITO_ENDPOINT, /^http:\/\/127\.0\.0\.1:\d+\/$/);
	assert.match(env.COGNITO_USER_POOL_ID, /^us-east-1_\w+$/);
	assert.equal(env.COGNITO_APP_USER_POOL_ID, env.COGNITO_USER_POOL_ID);
	assert.equal(env.COGNITO_APP_WEB_CLIENT_ID, env.COGNITO_CLIENT_ID);
});

test('a declared user signs in with SRP', async () => {
	const session = await signIn('alice', 'Alice-Passw0rd!');
	const claims = session.getIdToken().decodePayload();
	assert.equal(claims['cognito:username'], 'alice');
	assert.equal(claims.email, 'alice@example.com');
	assert.equal(claims.email_verified, true);
	await assert.rejects(signIn('alice', 'wrong-Passw0rd!'), { code: 'NotAuthorizedException' });
});

test('sign-up follows the declared password policy and sends a code', async () => {
	const attrs = [new CognitoUserAttribute({ Name: 'email', Value: 'bob@example.com' })];
	const signUp = (password) => new Promise((resolve, reject) => pool().signUp(
		'bob', password, attrs, null, (err, result) => (err ? reject(err) : resolve(result))));
	await assert.rejects(signUp('Sh0rt-pw!'), { code: 'InvalidPasswordException' });
	const result = await signUp('Bob-Passw0rd!');
	assert.equal(result.userConfirmed, false);
	const code = await latestCode('bob');
	await new Promise((resolve, reject) => result.user.confirmRegistration(
		code, true, (err, res) => (err ? reject(err) : resolve(res))));
	const session = await signIn('bob', 'Bob-Passw0rd!');
	assert.equal(session.getIdToken().decodePayload().email, 'bob@example.com');
});
