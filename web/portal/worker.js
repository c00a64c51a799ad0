// Module Web Worker that runs Pyodide and the SDK, so the page's main thread never blocks.
// Boot: web/portal/fastboot.js (snapshot when the fast-boot files match, plain otherwise).
// Then it answers RPC messages {id, method, params} with {id, result} or {id, error}. See
// web/portal/rpc.js for the main-thread side.
import { bootPython } from "./fastboot.js";

const params = new URL(self.location.href).searchParams;
const post = (msg) => self.postMessage(msg);
const progress = (stage, detail) => post({ type: "progress", stage, detail: detail || "" });

// Boot starts when the worker does; the page's init message only brings settings.
const booting = bootPython({
  pyodideUrl: params.get("pyodide") || "/vendor/pyodide.mjs",
  dist: params.get("dist") || "/dist/",
  configUrl: params.has("config") ? params.get("config") : "/config.json", // "": none
  progress,
  deferUnpack: true,
});
booting.catch(() => {}); // start() reports a failed boot

let app = null; // the Python WorkerApp
let gate = Promise.resolve(); // calls wait for it: the deferred unpack of a snapshot boot
const queue = [];

async function start(init) {
  try {
    const { py, mode, reason, config, timings, t0, unpack } = await booting;
    progress("sdk", "Loading the SDK");
    if (!init.config || Object.keys(init.config).length === 0) init.config = config;
    const worker = py.pyimport("amazon_cognito_identity.web.worker");
    app = worker.create_app(JSON.stringify(init), (text) => post(JSON.parse(text)));
    const info = JSON.parse(app.info());
    const ms = performance.now() - t0;
    timings.sdk_ms = Math.round(ms);
    post({ type: "ready", mode, reason, ms, timings, ...info });
    if (unpack) {
      // Calls wait for the wheels' files (all their modules are in the snapshot already).
      gate = unpack();
      await gate;
    }
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
    await gate;
    const reply = await app.handle(JSON.stringify(msg));
    post(JSON.parse(reply));
  } catch (err) {
    post({ id: msg.id, error: { name: "InternalError", code: "InternalError", message: String(err) } });
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg && msg.type === "init") start(msg);
  else if (msg && msg.type === "main-reply") {
    if (app !== null) app.main_reply(JSON.stringify(msg));
  } else if (msg && msg.type === "storage-event") {
    if (app !== null) app.storage_event(JSON.stringify(msg));
  } else handle(msg);
};
