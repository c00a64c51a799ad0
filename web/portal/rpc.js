// Main-thread side of the worker runtime: starts the Pyodide worker, mirrors localStorage and
// document.cookie into it, applies the writes it posts back, and offers call(method, params).
// Plain ES module, no framework, nothing from a CDN.

export const KEY_PREFIX = "CognitoIdentityServiceProvider.";

function storageSeed() {
  const seed = {};
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith(KEY_PREFIX)) seed[key] = localStorage.getItem(key);
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
    if (msg.op === "set") localStorage.setItem(msg.key, msg.value);
    else if (msg.op === "remove") localStorage.removeItem(msg.key);
  } catch (err) {
    console.warn("storage write failed", err);
  }
}

export class PythonWorker {
  constructor({ workerUrl = "/portal/worker.js", pyodideUrl, dist, configUrl, config = {} } = {}) {
    const url = new URL(workerUrl, location.href);
    if (pyodideUrl) url.searchParams.set("pyodide", pyodideUrl);
    if (dist) url.searchParams.set("dist", dist);
    if (configUrl !== undefined) url.searchParams.set("config", configUrl); // "": none
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
