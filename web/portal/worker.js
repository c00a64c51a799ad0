// Module Web Worker that runs Pyodide and the SDK, so the page's main thread never blocks.
// Boot: fast path (memory snapshot + precompiled stdlib zip from `build.py bundle`) when
// web/dist/fastboot/manifest.json matches this Pyodide, the served wheel and the files' hashes;
// a plain boot otherwise. Then it answers RPC messages {id, method, params} with
// {id, result} or {id, error}. See web/portal/rpc.js for the main-thread side.

const params = new URL(self.location.href).searchParams;
const PYODIDE_URL = params.get("pyodide") || "/vendor/pyodide.mjs";
const DIST = params.get("dist") || "/dist/";
const CONFIG_URL = params.has("config") ? params.get("config") : "/config.json"; // "": none

const post = (msg) => self.postMessage(msg);
const progress = (stage, detail) => post({ type: "progress", stage, detail: detail || "" });

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function fetchBytes(url) {
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`${url}: HTTP ${resp.status}`);
  return new Uint8Array(await resp.arrayBuffer());
}

async function fetchJson(url) {
  const resp = await fetch(url, { cache: "no-cache" });
  if (!resp.ok) return null;
  try {
    return await resp.json();
  } catch {
    return null;
  }
}

// The wheel the bundle served: named by dist/manifest.json (foundation), else by fastboot's.
function wheelName(distManifest, fastManifest) {
  const w = distManifest && distManifest.wheel;
  if (typeof w === "string") return w.split("/").pop();
  if (w && typeof w === "object") return String(w.file || w.name || w.path).split("/").pop();
  return fastManifest && fastManifest.wheel ? fastManifest.wheel.file : null;
}

async function boot() {
  const t0 = performance.now();
  const timings = {};
  const lap = (name, since) => (timings[name] = Math.round(performance.now() - since));
  progress("fetch", "Loading Python runtime");
  const pyodideModule = import(PYODIDE_URL);
  const [distManifest, fastManifest, config] = await Promise.all([
    fetchJson(DIST + "manifest.json"),
    fetchJson(DIST + "fastboot/manifest.json"),
    CONFIG_URL ? fetchJson(CONFIG_URL) : null,
  ]);
  const name = wheelName(distManifest, fastManifest);
  if (!name) throw new Error("no SDK wheel named in " + DIST + "manifest.json");
  const wheelBytes = fetchBytes(DIST + name);
  const { loadPyodide, version } = await pyodideModule;
  const indexURL = new URL(".", new URL(PYODIDE_URL, self.location.href)).href;

  let py = null;
  let mode = "plain";
  let reason = "";
  if (!fastManifest) reason = "no fastboot manifest";
  else if (fastManifest.pyodide_version !== version) reason = "Pyodide version differs";
  else {
    try {
      const base = DIST + "fastboot/";
      let t = performance.now();
      const [zip, snap, wheel] = await Promise.all([
        fetchBytes(base + fastManifest.stdlib.file),
        fetchBytes(base + fastManifest.snapshot.file),
        wheelBytes,
      ]);
      // Any drift (new wheel, new stdlib zip, damaged download) would restore a heap that does
      // not match the files: such a snapshot fails later in odd ways, so refuse it up front.
      lap("fetch_ms", t);
      t = performance.now();
      const [zipHash, snapHash, wheelHash] = await Promise.all([
        sha256Hex(zip),
        sha256Hex(snap),
        sha256Hex(wheel),
      ]);
      lap("hash_ms", t);
      if (wheelHash !== fastManifest.wheel.sha256) reason = "wheel changed since the snapshot";
      else if (zipHash !== fastManifest.stdlib.sha256) reason = "stdlib zip hash mismatch";
      else if (snapHash !== fastManifest.snapshot.sha256) reason = "snapshot hash mismatch";
      else {
        progress("restore", "Restoring Python snapshot");
        const stdLibURL = URL.createObjectURL(new Blob([zip], { type: "application/zip" }));
        t = performance.now();
        py = await loadPyodide({ indexURL, stdLibURL, _loadSnapshot: snap });
        lap("restore_ms", t);
        mode = "snapshot";
      }
    } catch (err) {
      reason = "fast path failed: " + (err && err.message ? err.message : String(err));
      py = null;
    }
  }
  if (py === null) {
    progress("boot", "Starting Python");
    const t = performance.now();
    py = await loadPyodide({ indexURL });
    lap("plain_boot_ms", t);
  }
  // The snapshot holds imported modules but not the files: unpack the wheel in both modes so
  // lazily imported submodules still resolve.
  py.unpackArchive(await wheelBytes, "wheel");
  // Extra pure wheels (segno draws the TOTP QR code); optional.
  for (const extra of (fastManifest && fastManifest.extra_wheels) || []) {
    try {
      py.unpackArchive(await fetchBytes(DIST + "fastboot/" + extra.file), "wheel");
    } catch (err) {
      console.warn("optional wheel not loaded", extra.file, err);
    }
  }
  return { py, mode, reason, config: config || {}, timings, ms: performance.now() - t0 };
}

let app = null; // the Python WorkerApp
const queue = [];

async function start(init) {
  try {
    const { py, mode, reason, config, timings, ms } = await boot();
    progress("sdk", "Loading the SDK");
    if (!init.config || Object.keys(init.config).length === 0) init.config = config;
    const worker = py.pyimport("amazon_cognito_identity.web.worker");
    app = worker.create_app(JSON.stringify(init), (text) => post(JSON.parse(text)));
    const info = JSON.parse(app.info());
    post({ type: "ready", mode, reason, ms, timings, ...info });
    for (const msg of queue.splice(0)) handle(msg);
  } catch (err) {
    post({ type: "fatal", message: err && err.message ? err.message : String(err) });
  }
}

async function handle(msg) {
  if (app === null) {
    queue.push(msg);
    return;
  }
  try {
    const reply = await app.handle(JSON.stringify(msg));
    post(JSON.parse(reply));
  } catch (err) {
    post({ id: msg.id, error: { name: "InternalError", code: "InternalError", message: String(err) } });
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg && msg.type === "init") start(msg);
  else if (msg && msg.type === "storage-event") {
    if (app !== null) app.storage_event(JSON.stringify(msg));
  } else handle(msg);
};
