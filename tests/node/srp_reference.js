// Reference oracle for the differential SRP tests: drives the pinned npm
// amazon-cognito-identity-js (lib/AuthenticationHelper, BigInteger, DateHelper) and answers
// JSON lines on stdin/stdout: {"op": name, "cases": [...]} -> {"ok": true, "results": [...]}.
// Anything the SDK computes inline in CognitoUser (x, the claim signature) is rebuilt here
// from the SDK's own helpers, line for line with CognitoUser.js.
'use strict';

const path = require('path');
const readline = require('readline');

const root = process.env.COGNITO_JS_ROOT ||
  path.join(__dirname, '..', '..', 'node_modules', 'amazon-cognito-identity-js');
const lib = (name) => require(path.join(root, 'lib', name));

const AuthenticationHelper = lib('AuthenticationHelper').default;
const BigInteger = lib('BigInteger').default;
const DateHelper = lib('DateHelper').default;
const WordArray = lib(path.join('utils', 'WordArray')).default;
const { Buffer } = require(require.resolve('buffer/', { paths: [root] }));
const { Sha256 } = require(require.resolve('@aws-crypto/sha256-js', { paths: [root] }));

// Deterministic random bytes: a queue of hex strings consumed by randomBytes(n).
const queue = [];
const originalRandom = WordArray.prototype.random;
WordArray.prototype.random = function random(nBytes) {
  if (queue.length === 0) return originalRandom.call(this, nBytes);
  const hex = queue.shift();
  if (hex.length !== nBytes * 2) throw new Error(`queued ${hex.length / 2} bytes, wanted ${nBytes}`);
  return { toString: () => hex };
};

// One helper built once (its constructor does a slow random modPow); cases get a child.
const base = new AuthenticationHelper('base');
function helperFor(poolName, aHex) {
  const h = Object.create(base);
  h.poolName = poolName;
  if (aHex !== undefined) {
    h.smallAValue = new BigInteger(aHex, 16);
    h.largeAValue = undefined;
    let failure = null;
    h.getLargeAValue((err) => { failure = err; });
    if (failure) throw failure;
  }
  return h;
}

const RealDate = Date;
function nowStringAt(ms) {
  global.Date = class extends RealDate {
    constructor(...args) { if (args.length === 0) super(ms); else super(...args); }
  };
  try { return new DateHelper().getNowString(); } finally { global.Date = RealDate; }
}

function sync(fn) {
  // The SDK's modPow-based APIs take node callbacks but run synchronously.
  let out; let error = null; let called = false;
  fn((err, value) => { called = true; error = err; out = value; });
  if (!called) throw new Error('callback was not called synchronously');
  if (error) throw error;
  return out;
}

function claimSignature(hkdf, poolName, userId, secretBlock, timestamp) {
  // As in CognitoUser.authenticateUserDefaultAuth / authenticateUserPlainUsernamePassword.
  const message = Buffer.concat([
    Buffer.from(poolName, 'utf8'),
    Buffer.from(userId, 'utf8'),
    Buffer.from(secretBlock, 'base64'),
    Buffer.from(timestamp, 'utf8'),
  ]);
  const hmac = new Sha256(hkdf);
  hmac.update(message);
  return Buffer.from(hmac.digestSync()).toString('base64');
}

const ops = {
  padHex: (hex) => base.padHex(new BigInteger(hex, 16)),
  k: () => base.k.toString(16),
  largeA: (aHex) => helperFor('p', aHex).largeAValue.toString(16),
  u: ([aHex, bHex]) => base.calculateU(new BigInteger(aHex, 16), new BigInteger(bHex, 16)).toString(16),
  // As in getPasswordAuthenticationKey.
  x: ([saltHex, poolName, userId, password]) => {
    const h = helperFor(poolName);
    const hash = h.hash(`${h.poolName}${userId}:${password}`);
    return new BigInteger(h.hexHash(h.padHex(new BigInteger(saltHex, 16)) + hash), 16).toString(16);
  },
  hkdf: ([ikmHex, saltHex]) =>
    Buffer.from(base.computehkdf(Buffer.from(ikmHex, 'hex'), Buffer.from(saltHex, 'hex'))).toString('hex'),
  key: ([poolName, aHex, userId, password, bHex, saltHex, secretBlock, timestamp]) => {
    const h = helperFor(poolName, aHex);
    const B = new BigInteger(bHex, 16);
    const salt = new BigInteger(saltHex, 16);
    let hkdf;
    try {
      hkdf = sync((cb) => h.getPasswordAuthenticationKey(userId, password, B, salt, cb));
    } catch (e) {
      return { error: String(e.message) };
    }
    return {
      A: h.largeAValue.toString(16),
      key: Buffer.from(hkdf).toString('hex'),
      signature: claimSignature(hkdf, poolName, userId, secretBlock, timestamp),
    };
  },
  device: ([groupKey, username, passwordBytesHex, saltBytesHex]) => {
    queue.push(passwordBytesHex, saltBytesHex);
    try {
      const h = helperFor('unused');
      sync((cb) => h.generateHashDevice(groupKey, username, cb));
      return {
        randomPassword: h.getRandomPassword(),
        salt: h.getSaltDevices(),
        verifier: h.getVerifierDevices(),
        // As in CognitoUser's ConfirmDevice call.
        saltB64: Buffer.from(h.getSaltDevices(), 'hex').toString('base64'),
        verifierB64: Buffer.from(h.getVerifierDevices(), 'hex').toString('base64'),
      };
    } finally {
      queue.length = 0;
    }
  },
  timestamp: (ms) => nowStringAt(ms),
  ping: () => 'pong',
};

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  let reply;
  try {
    const req = JSON.parse(line);
    const op = ops[req.op];
    if (!op) throw new Error(`unknown op ${req.op}`);
    reply = { ok: true, results: req.cases.map((c) => op(c)) };
  } catch (e) {
    reply = { ok: false, error: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
});
