// Module Web Worker that runs Pyodide and the SDK, so the page's main thread never blocks.
// Boot: fast path (memory snapshot + precompiled stdlib zip from `build.py bundle`) when
// web/dist/fastboot/manifest.json matches this Pyodide, the served wheel and the files' hashes;
// a plain boot otherwise. Then it answers RPC messages {id, method, params} with
// {id, result} or {id, error}. See web/portal/rpc.js for the main-thread side.
//
// Files are checked once: bytes whose SHA-256 matched the manifest go to Cache Storage under
// their hash, and later boots take them from there without fetching or hashing again (a new
// bundle has new hashes, so it can never be mixed up with an old one). The restore starts
// while the files are still arriving: Pyodide fetches and compiles its wasm at the same time.

const params = new URL(self.location.href).searchParams;
const PYODIDE_URL = params.get("pyodide") || "/vendor/pyodide.mjs";
const DIST = params.get("dist") || "/dist/";
const CONFIG_URL = params.get("config") || "/config.json";
const CACHE_NAME = "cognito-fastboot";

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

// Cache Storage, or null where the browser has none (an insecure origin): then every boot
// fetches and checks as before.
const cachePromise = (async () => {
  try {
    return self.caches ? await caches.open(CACHE_NAME) : null;
  } catch {
    return null;
  }
})();
const cacheKey = (sha256) => new URL(`/__fastboot/${sha256}`, self.location.href).href;

// Bytes of `url` whose SHA-256 is `sha256`: {bytes, ok, cached}. `ok` is false (and nothing
// cached) when the download does not match.
async function verified(url, sha256, stats) {
  const cache = await cachePromise;
  if (cache) {
    try {
      const hit = await cache.match(cacheKey(sha256));
      if (hit) {
        stats.cached += 1;
        return { bytes: new Uint8Array(await hit.arrayBuffer()), ok: true };
      }
    } catch {
      // an unreadable entry: fetch it again
    }
  }
  const bytes = await fetchBytes(url);
  const t = performance.now();
  const ok = (await sha256Hex(bytes)) === sha256;
  stats.hash_ms += performance.now() - t;
  stats.fetched += 1;
  if (ok && cache) {
    cache.put(cacheKey(sha256), new Response(bytes)).catch(() => {});
  }
  return { bytes, ok };
}

// Drop cached files the current manifest no longer names (after boot, off the critical path).
async function pruneCache(keep) {
  const cache = await cachePromise;
  if (!cache) return;
  const wanted = new Set(keep.map(cacheKey));
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
}

async function snapshotBoot(loadPyodide, indexURL, fast, wheelPromise, lap) {
  const base = DIST + "fastboot/";
  const stats = { cached: 0, fetched: 0, hash_ms: 0 };
  const zipPromise = verified(base + fast.stdlib.file, fast.stdlib.sha256, stats);
  const snapPromise = verified(base + fast.snapshot.file, fast.snapshot.sha256, stats);
  // Any drift (new wheel, new stdlib zip, damaged download) would restore a heap that does
  // not match the files: such a snapshot fails later in odd ways, so refuse it up front.
  const checked = (async () => {
    const [zip, snap, wheel] = await Promise.all([zipPromise, snapPromise, wheelPromise]);
    lap("files_ms");
    if (wheel.sha256 !== fast.wheel.sha256) return { reason: "wheel changed since the snapshot" };
    if (!zip.ok) return { reason: "stdlib zip hash mismatch" };
    if (!snap.ok) return { reason: "snapshot hash mismatch" };
    return { zip: zip.bytes, snap: snap.bytes };
  })();
  const refused = new Error("refused");
  let outcome = null;
  // The restore starts now (Pyodide fetches and compiles its wasm meanwhile) and waits for
  // the checked snapshot; a refused one aborts it before anything runs. Pyodide fetches the
  // stdlib itself: that URL is answered with the checked bytes (see `served`).
  const snapshot = checked.then((got) => {
    outcome = got;
    if (!got.snap) throw refused;
    progress("restore", "Restoring Python snapshot");
    return got.snap;
  });
  const stdLibURL = new URL(`${base}${fast.stdlib.file}#sha256=${fast.stdlib.sha256}`, self.location.href).href;
  served.set(stdLibURL, checked.then((got) => new Response(got.zip || new Uint8Array())));
  try {
    const py = await loadPyodide({ indexURL, stdLibURL, _loadSnapshot: snapshot });
    lap("restore_ms");
    return { py, stats };
  } catch (err) {
    if (err === refused || (outcome && outcome.reason)) return { reason: outcome.reason, stats };
    throw err;
  } finally {
    served.delete(stdLibURL);
  }
}

// URLs answered from memory instead of the network: Pyodide fetches its stdlib by URL, and
// the fast path hands it bytes that were already checked.
const served = new Map();
const networkFetch = self.fetch.bind(self);
self.fetch = (input, init) => {
  const url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
  const hit = served.get(url);
  return hit ? hit.then((resp) => resp.clone()) : networkFetch(input, init);
};

async function boot() {
  const t0 = performance.now();
  const timings = { time_origin: performance.timeOrigin };
  // Each mark: milliseconds from the worker's start of boot to the end of that phase.
  const lap = (name) => (timings[name] = Math.round(performance.now() - t0));
  progress("fetch", "Loading Python runtime");
  const pyodideModule = import(PYODIDE_URL);
  const [distManifest, fastManifest, config] = await Promise.all([
    fetchJson(DIST + "manifest.json"),
    fetchJson(DIST + "fastboot/manifest.json"),
    fetchJson(CONFIG_URL),
  ]);
  lap("manifests_ms");
  const name = wheelName(distManifest, fastManifest);
  if (!name) throw new Error("no SDK wheel named in " + DIST + "manifest.json");
  const wheelPromise = fetchBytes(DIST + name).then(async (bytes) => ({
    bytes,
    sha256: await sha256Hex(bytes),
  }));
  const { loadPyodide, version } = await pyodideModule;
  lap("import_ms");
  const indexURL = new URL(".", new URL(PYODIDE_URL, self.location.href)).href;

  let py = null;
  let mode = "plain";
  let reason = "";
  if (!fastManifest) reason = "no fastboot manifest";
  else if (fastManifest.pyodide_version !== version) reason = "Pyodide version differs";
  else {
    try {
      const got = await snapshotBoot(loadPyodide, indexURL, fastManifest, wheelPromise, lap);
      timings.files_cached = got.stats.cached;
      timings.files_fetched = got.stats.fetched;
      timings.hash_ms = Math.round(got.stats.hash_ms);
      if (got.py) {
        py = got.py;
        mode = "snapshot";
      } else reason = got.reason;
    } catch (err) {
      reason = "fast path failed: " + (err && err.message ? err.message : String(err));
      py = null;
    }
  }
  if (py === null) {
    progress("boot", "Starting Python");
    py = await loadPyodide({ indexURL });
    lap("plain_boot_ms");
  }
  // The snapshot holds imported modules but not the files: unpack the wheel in both modes so
  // lazily imported submodules still resolve.
  py.unpackArchive((await wheelPromise).bytes, "wheel");
  // Extra pure wheels (segno draws the TOTP QR code); optional.
  for (const extra of (fastManifest && fastManifest.extra_wheels) || []) {
    try {
      py.unpackArchive(await fetchBytes(DIST + "fastboot/" + extra.file), "wheel");
    } catch (err) {
      console.warn("optional wheel not loaded", extra.file, err);
    }
  }
  lap("unpack_ms");
  if (mode === "snapshot") {
    pruneCache([fastManifest.stdlib.sha256, fastManifest.snapshot.sha256]).catch(() => {});
  }
  return { py, mode, reason, config: config || {}, timings, t0 };
}

// Boot starts when the worker does; the page's init message only brings settings.
const booting = boot();
booting.catch(() => {}); // start() reports a failed boot

let app = null; // the Python WorkerApp
const queue = [];

async function start(init) {
  try {
    const { py, mode, reason, config, timings, t0 } = await booting;
    progress("sdk", "Loading the SDK");
    if (!init.config || Object.keys(init.config).length === 0) init.config = config;
    const worker = py.pyimport("amazon_cognito_identity.web.worker");
    app = worker.create_app(JSON.stringify(init), (text) => post(JSON.parse(text)));
    const info = JSON.parse(app.info());
    const ms = performance.now() - t0;
    timings.sdk_ms = Math.round(ms);
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
