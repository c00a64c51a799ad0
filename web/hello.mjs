// Boots Pyodide from our own server and installs the SDK wheel built by `build.py bundle`.
// Nothing here touches a CDN: /vendor/ holds the Pyodide core, /dist/ the SDK wheel.
import { loadPyodide } from "/vendor/pyodide.mjs";

/** Loads Pyodide, installs the SDK wheel named in /dist/manifest.json, returns both. */
export async function loadSdk() {
  const manifestResponse = await fetch("/dist/manifest.json", { cache: "no-cache" });
  if (!manifestResponse.ok) {
    throw new Error(`/dist/manifest.json: HTTP ${manifestResponse.status} (run python build.py bundle)`);
  }
  const manifest = await manifestResponse.json();
  const pyodide = await loadPyodide({ indexURL: "/vendor/" });
  const wheelResponse = await fetch(`/dist/${manifest.wheel}`);
  if (!wheelResponse.ok) {
    throw new Error(`/dist/${manifest.wheel}: HTTP ${wheelResponse.status}`);
  }
  // unpackArchive rejects on a bad archive (loadPackage only logs), and the import below
  // proves the package really landed on sys.path.
  pyodide.unpackArchive(await wheelResponse.arrayBuffer(), "wheel");
  const sdk = pyodide.pyimport("amazon_cognito_identity");
  const version = String(sdk.__version__);
  sdk.destroy();
  if (version !== manifest.version) {
    throw new Error(`imported SDK ${version} but the manifest says ${manifest.version}`);
  }
  return { pyodide, version, manifest };
}

/** Writes the SDK version (or the error) into #sdk-version and marks the body's data-state. */
export async function showSdkVersion() {
  const out = document.getElementById("sdk-version");
  const started = performance.now();
  try {
    const runtime = await loadSdk();
    const { version } = runtime;
    window.sdkRuntime = runtime; // for tests and the console: sdkRuntime.pyodide.runPython(...)
    out.textContent = `amazon_cognito_identity ${version}`;
    document.getElementById("boot-time").textContent =
      `Pyodide + SDK ready in ${((performance.now() - started) / 1000).toFixed(1)} s`;
    document.body.dataset.state = "ready";
  } catch (err) {
    out.textContent = `failed to load the SDK: ${err}`;
    document.body.dataset.state = "error";
    console.error(err);
  }
}
