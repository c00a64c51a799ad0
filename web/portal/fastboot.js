// Fast Pyodide boot for a Web Worker, shared by the portal's worker (web/portal/worker.js) and
// any page that runs the SDK off the main thread: the memory snapshot and the trimmed,
// precompiled stdlib that `build.py bundle` writes to /dist/fastboot/ when
// /dist/fastboot/manifest.json matches this Pyodide, the served wheel and the files' hashes;
// a plain boot otherwise.
//
// Files are checked once: bytes whose SHA-256 matched the manifest go to Cache Storage under
// their hash, and later boots take them from there without fetching or hashing again (a new
// bundle has new hashes, so it can never be mixed up with an old one). The restore starts
// while the files are still arriving: Pyodide fetches and compiles its wasm at the same time.
// Stdlib modules the trimmed zip lacks load on first import (tools/fastboot_stdlib.py).

const CACHE_NAME = "cognito-fastboot";

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

// The heap of a sparse snapshot (tools/fastboot.py encode_sparse): the runs of non-zero pages
// copied to their offsets in a zeroed buffer of the heap's length.
function inflateSparse(bytes) {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== "PYSPARSE") throw new Error("snapshot: not a sparse heap");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = view.getUint32(12, true);
  const count = view.getUint32(16, true);
  const heap = new Uint8Array(total);
  let pos = 20 + 8 * count;
  for (let i = 0; i < count; i++) {
    const off = view.getUint32(20 + 8 * i, true);
    const size = view.getUint32(24 + 8 * i, true);
    heap.set(bytes.subarray(pos, pos + size), off);
    pos += size;
  }
  return heap;
}

async function snapshotBoot(loadPyodide, indexURL, fast, wheelPromise, lap, dist, progress) {
  const base = dist + "fastboot/";
  const stats = { cached: 0, fetched: 0, hash_ms: 0 };
  // The trimmed stdlib (format 3) when the bundle made one; the rest loads on demand.
  const stdlib = fast.stdlib_core || fast.stdlib;
  const zipPromise = verified(base + stdlib.file, stdlib.sha256, stats);
  const snapPromise = verified(base + fast.snapshot.file, fast.snapshot.sha256, stats);
  // Any drift (new wheel, new stdlib zip, damaged download) would restore a heap that does
  // not match the files: such a snapshot fails later in odd ways, so refuse it up front.
  const checked = (async () => {
    const [zip, snap, wheel] = await Promise.all([zipPromise, snapPromise, wheelPromise]);
    lap("files_ms");
    if (wheel.sha256 !== fast.wheel.sha256) return { reason: "wheel changed since the snapshot" };
    if (!zip.ok) return { reason: "stdlib zip hash mismatch" };
    if (!snap.ok) return { reason: "snapshot hash mismatch" };
    const heap = fast.snapshot.encoding === "sparse" ? inflateSparse(snap.bytes) : snap.bytes;
    lap("inflate_ms");
    return { zip: zip.bytes, snap: heap };
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
  // A refusal can come before Pyodide awaits the snapshot: handled here, so it is never an
  // unhandled rejection (a page error); Pyodide still sees it and the catch below reports it.
  snapshot.catch(() => {});
  const stdLibURL = new URL(`${base}${stdlib.file}#sha256=${stdlib.sha256}`, self.location.href).href;
  served.set(stdLibURL, checked.then((got) => new Response(got.zip || new Uint8Array())));
  try {
    const py = await loadPyodide({ indexURL, stdLibURL, _loadSnapshot: snapshot });
    lap("restore_ms");
    if (fast.stdlib_core) {
      const full = new URL(base + fast.stdlib.file, self.location.href).href;
      py.pyimport("_fastboot_stdlib").configure(full, fast.stdlib.sha256);
    }
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

// Pyodide compiles its wasm inside loadPyodide only once the snapshot is there, after the
// files are read. On a return visit (Cache Storage holds checked files, so the wasm is in the
// HTTP cache and V8's code cache too) `precompile` starts that compile at once, overlapping
// the file reads; Pyodide's instantiateStreaming of that URL then gets the compiled module (a
// marked empty response answers its fetch). A first visit keeps Pyodide's own order: there
// the compile would compete with downloading and hashing for the CPU.
const PRECOMPILED = "x-fastboot-precompiled";
let precompiled = null; // Promise<WebAssembly.Module>

function precompile(indexURL) {
  const url = new URL("pyodide.asm.wasm", indexURL).href;
  precompiled = WebAssembly.compileStreaming(networkFetch(url)).catch(() =>
    // e.g. served without application/wasm: compile the bytes instead
    networkFetch(url)
      .then((resp) => resp.arrayBuffer())
      .then((bytes) => WebAssembly.compile(bytes)),
  );
  precompiled.catch(() => {}); // a failure falls back to Pyodide's own fetch below
  const marked = new Response(new Uint8Array(0), {
    headers: { "content-type": "application/wasm", [PRECOMPILED]: "1" },
  });
  served.set(url, Promise.resolve(marked));
  const native = WebAssembly.instantiateStreaming.bind(WebAssembly);
  WebAssembly.instantiateStreaming = async (source, imports) => {
    const resp = await source;
    if (!resp.headers.get(PRECOMPILED)) return native(resp, imports);
    let module;
    try {
      module = await precompiled;
    } catch {
      return native(networkFetch(url), imports);
    }
    return { module, instance: await WebAssembly.instantiate(module, imports) };
  };
}

// True when Cache Storage holds fast-boot files from an earlier visit (read in parallel with
// the manifests, so it costs the boot nothing).
const returnVisit = cachePromise.then(async (cache) => {
  try {
    return Boolean(cache) && (await cache.keys()).length > 0;
  } catch {
    return false;
  }
});

/**
 * Pyodide with the SDK, from the fast-boot files when they match, else a plain boot.
 * Options: pyodideUrl ("/vendor/pyodide.mjs"), dist ("/dist/"), configUrl ("/config.json"),
 * progress(stage, detail), deferUnpack (false). Resolves to {py, mode, reason, config,
 * timings, t0, unpack}: with deferUnpack and a snapshot boot, `unpack` is an async function
 * the caller runs once it has reported ready (it puts the wheels' files in place); else null.
 */
export async function bootPython({
  pyodideUrl: PYODIDE_URL = "/vendor/pyodide.mjs",
  dist: DIST = "/dist/",
  configUrl: CONFIG_URL = "/config.json",
  progress = () => {},
  deferUnpack = false,
} = {}) {
  const t0 = performance.now();
  const timings = { time_origin: performance.timeOrigin };
  // Each mark: milliseconds from the worker's start of boot to the end of that phase.
  const lap = (name) => (timings[name] = Math.round(performance.now() - t0));
  progress("fetch", "Loading Python runtime");
  const pyodideModule = import(PYODIDE_URL);
  const [distManifest, fastManifest, config] = await Promise.all([
    fetchJson(DIST + "manifest.json"),
    fetchJson(DIST + "fastboot/manifest.json"),
    CONFIG_URL ? fetchJson(CONFIG_URL) : null,
  ]);
  lap("manifests_ms");
  const name = wheelName(distManifest, fastManifest);
  if (!name) throw new Error("no SDK wheel named in " + DIST + "manifest.json");
  const wheelPromise = fetchBytes(DIST + name).then(async (bytes) => ({
    bytes,
    sha256: await sha256Hex(bytes),
  }));
  // Extra pure wheels (segno draws the TOTP QR code), fetched while Python restores.
  const extrasPromise = Promise.resolve(
    ((fastManifest && fastManifest.extra_wheels) || []).map((extra) => {
      const bytes = fetchBytes(DIST + "fastboot/" + extra.file);
      bytes.catch(() => {}); // reported when unpacked
      return [extra, bytes];
    }),
  );
  const { loadPyodide, version } = await pyodideModule;
  lap("import_ms");
  const indexURL = new URL(".", new URL(PYODIDE_URL, self.location.href)).href;
  if (!precompiled && (await returnVisit)) precompile(indexURL);
  timings.precompiled = precompiled ? 1 : 0;

  let py = null;
  let mode = "plain";
  let reason = "";
  if (!fastManifest) reason = "no fastboot manifest";
  else if (fastManifest.pyodide_version !== version) reason = "Pyodide version differs";
  else {
    try {
      const got = await snapshotBoot(
        loadPyodide, indexURL, fastManifest, wheelPromise, lap, DIST, progress,
      );
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
  // lazily imported submodules (and file reads: inspect, resources) still resolve.
  const partsBase = new URL(DIST + "parts/", self.location.href).href;
  const unpack = async () => {
    py.unpackArchive((await wheelPromise).bytes, "wheel");
    // The SDK's optional parts (tools/leanwheel.py) load from this DIST, wherever it is served
    // (a kit under /site/auth/); a bundle without parts has no _parts module.
    py.runPython(
      'try:\n  __import__("amazon_cognito_identity._parts", fromlist=["_"]).BASE = ' +
        `${JSON.stringify(partsBase)}\nexcept ImportError:\n  pass\n`,
    );
    // Extra pure wheels (segno draws the TOTP QR code); optional.
    for (const [extra, bytes] of await extrasPromise) {
      try {
        py.unpackArchive(await bytes, "wheel");
      } catch (err) {
        console.warn("optional wheel not loaded", extra.file, err);
      }
    }
  };
  let deferred = null;
  if (mode === "snapshot" && deferUnpack) {
    // Every SDK, part and segno module is imported in the snapshot already: the caller
    // unpacks the files right after it reports ready (before it answers its first call).
    deferred = unpack;
  } else {
    await unpack();
    lap("unpack_ms");
  }
  if (mode === "snapshot") {
    const stdlib = fastManifest.stdlib_core || fastManifest.stdlib;
    pruneCache([stdlib.sha256, fastManifest.snapshot.sha256]).catch(() => {});
  }
  return { py, mode, reason, config: config || {}, timings, t0, unpack: deferred };
}

