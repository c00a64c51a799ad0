// Main-thread side of the worker runtime: starts the Pyodide worker, mirrors localStorage and
// document.cookie into it, applies the writes it posts back, and offers call(method, params).
// Plain ES module, no framework, nothing from a CDN.

export const KEY_PREFIX = "CognitoIdentityServiceProvider.";

function storageSeed(area = "local") {
  const seed = {};
  try {
    const store = area === "session" ? sessionStorage : localStorage;
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i);
      if (key && key.startsWith(KEY_PREFIX)) seed[key] = store.getItem(key);
    }
  } catch {
    // storage disabled (privacy mode): the worker then keeps its mirror only
  }
  return seed;
}

function writeCookie(key, value, attrs) {
  let text = `${encodeURIComponent(key)}=${value === null ? "" : encodeURIComponent(value)}`;
  const a = attrs || {};
  text += `; path=${a.path || "/"}`;
  if (a.domain) text += `; domain=${a.domain}`;
  const days = value === null ? -1 : (a.expires ?? 365);
  text += `; expires=${new Date(Date.now() + days * 864e5).toUTCString()}`;
  if (a.secure) text += "; secure";
  if (a.same_site) text += `; samesite=${a.same_site}`;
  document.cookie = text;
}

function applyStorage(msg) {
  if (msg.area === "cookie") {
    writeCookie(msg.key, msg.op === "set" ? msg.value : null, msg.attrs);
    return;
  }
  try {
    const store = msg.area === "session" ? sessionStorage : localStorage;
    if (msg.op === "set") store.setItem(msg.key, msg.value);
    else if (msg.op === "remove") store.removeItem(msg.key);
  } catch (err) {
    console.warn("storage write failed", err);
  }
}

// ---- main-thread calls: the few browser APIs a worker lacks, run for it --------------------
// The worker posts {type: "main", call, op, args} (amazon_cognito_identity.web.bridge.MainThread)
// and gets {type: "main-reply", call, result} or {..., error: {name, message}}. Generic glue:
// bytes travel as {$bytes: base64} both ways; which members are bytes and what they mean
// (WebAuthn's options and credentials) is Python's business.
function fromWire(value) {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "$bytes") {
    return Uint8Array.from(atob(value.$bytes), (c) => c.charCodeAt(0));
  }
  return Object.fromEntries(keys.map((k) => [k, fromWire(value[k])]));
}

function toWire(value, depth = 0) {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value instanceof ArrayBuffer ? value : value.buffer, value.byteOffset || 0, value.byteLength);
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    return { $bytes: btoa(text) };
  }
  if (value === null || typeof value !== "object" || depth > 8) return value ?? null;
  if (Array.isArray(value)) return value.map((v) => toWire(v, depth + 1));
  // Platform objects (a PublicKeyCredential) keep their members as prototype accessors: a
  // for-in walk reads them; a getter method without parameters (getTransports) is read as a
  // member named after it (transports).
  const out = {};
  for (const key in value) {
    const member = value[key];
    if (typeof member !== "function") out[key] = toWire(member, depth + 1);
    else if (/^get[A-Z]/.test(key) && member.length === 0) {
      try {
        out[key[3].toLowerCase() + key.slice(4)] = toWire(member.call(value), depth + 1);
      } catch {
        // an optional getter the browser refuses for this credential (an unknown algorithm)
      }
    }
  }
  return out;
}

function failure(name, message) {
  return Object.assign(new Error(message), { name });
}

export const MAIN_OPS = {
  async credentials({ method, options }) {
    if (method !== "create" && method !== "get") throw failure("TypeError", `no credentials.${method}`);
    if (!self.isSecureContext) {
      throw failure("SecurityError", "WebAuthn needs a secure context: HTTPS, or http://localhost");
    }
    if (!self.PublicKeyCredential || !navigator.credentials) {
      throw failure("NotSupportedError", "this browser has no WebAuthn");
    }
    return navigator.credentials[method]({ publicKey: options });
  },
  assign({ url }) {
    location.assign(url);
    return null;
  },
  replace({ url }) {
    history.replaceState(history.state, "", url);
    return location.href;
  },
  location() {
    return location.href;
  },
};

async function runMain(worker, msg) {
  const op = Object.hasOwn(MAIN_OPS, msg.op) ? MAIN_OPS[msg.op] : null;
  let reply;
  try {
    if (!op) throw failure("NotSupportedError", `the page has no main-thread call ${msg.op}`);
    reply = { result: toWire(await op(fromWire(msg.args || {}))) };
  } catch (err) {
    reply = { error: { name: (err && err.name) || "Error", message: (err && err.message) || String(err) } };
  }
  worker.postMessage({ type: "main-reply", call: msg.call, ...reply });
}

export class PythonWorker {
  constructor({ workerUrl = "/portal/worker.js", pyodideUrl, dist, configUrl, config = {} } = {}) {
    const url = new URL(workerUrl, location.href);
    if (pyodideUrl) url.searchParams.set("pyodide", pyodideUrl);
    if (dist) url.searchParams.set("dist", dist);
    if (configUrl) url.searchParams.set("config", configUrl);
    this.worker = new Worker(url, { type: "module" });
    this.pending = new Map();
    this.nextId = 1;
    this.listeners = { progress: [], ready: [], fatal: [] };
    this.info = null;
    this.ready = new Promise((resolve, reject) => {
      this._resolveReady = resolve;
      this._rejectReady = reject;
    });
    this.worker.onmessage = (event) => this._onMessage(event.data);
    this.worker.onerror = (event) => this._fatal(event.message || "worker failed to start");
    this.worker.postMessage({
      type: "init",
      config,
      storage: storageSeed(),
      session: storageSeed("session"),
      cookies: document.cookie,
    });
    // Another tab changed storage: keep the worker's mirror in step.
    addEventListener("storage", (event) => {
      if (event.key === null || event.key.startsWith(KEY_PREFIX)) {
        this.worker.postMessage({ type: "storage-event", area: "local", key: event.key, value: event.newValue });
      }
    });
  }

  on(kind, fn) {
    (this.listeners[kind] ||= []).push(fn);
  }

  _emit(kind, payload) {
    for (const fn of this.listeners[kind] || []) fn(payload);
  }

  _fatal(message) {
    this._emit("fatal", message);
    this._rejectReady(new Error(message));
  }

  _onMessage(msg) {
    if (msg.type === "storage") applyStorage(msg);
    else if (msg.type === "main") runMain(this.worker, msg);
    else if (msg.type === "progress") this._emit("progress", msg);
    else if (msg.type === "ready") {
      this.info = msg;
      this._emit("ready", msg);
      this._resolveReady(msg);
    } else if (msg.type === "fatal") this._fatal(msg.message);
    else if (msg.type && msg.id === undefined) this._emit(msg.type, msg); // e.g. "ui" (components)
    else if (msg.id !== undefined && this.pending.has(msg.id)) {
      const { resolve, reject } = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) {
        const err = new Error(msg.error.message);
        Object.assign(err, msg.error);
        reject(err);
      } else resolve(msg.result);
    }
  }

  // Call a Python method in the worker. The current storage rides along so that writes made
  // on this page by other code (e.g. the JS SDK) are seen by the Python side.
  call(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, params, storage: storageSeed(), cookies: document.cookie });
    });
  }
}
