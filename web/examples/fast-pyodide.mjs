// Pyodide for PyScript pages, booting from the precompiled stdlib that `python build.py bundle`
// writes to /dist/fastboot/ (about twice as fast to import: no compile at start-up). Use it as
// the interpreter: <script type="py" config='{"interpreter": "/examples/fast-pyodide.mjs"}'>.
// Falls back to Pyodide's own stdlib when the bundle is missing or made for another Pyodide.
import * as pyodide from "/vendor/pyodide.mjs";

export const version = pyodide.version;

// PyScript derives indexURL from this module's URL; Pyodide's files live in /vendor/.
const indexURL = new URL("/vendor/", import.meta.url).href;
let stdLibURL = null;
try {
  const resp = await fetch("/dist/fastboot/manifest.json", { cache: "no-cache" });
  const manifest = resp.ok ? await resp.json() : null;
  if (manifest && manifest.pyodide_version === version && manifest.stdlib) {
    stdLibURL = new URL("/dist/fastboot/" + manifest.stdlib.file, import.meta.url).href;
  }
} catch {
  stdLibURL = null; // no fast-boot bundle: Pyodide's own stdlib
}

/** loadPyodide with this site's indexURL and, when it matches, the precompiled stdlib. */
export function loadPyodide(options = {}) {
  return pyodide.loadPyodide({ ...options, indexURL, ...(stdLibURL ? { stdLibURL } : {}) });
}
