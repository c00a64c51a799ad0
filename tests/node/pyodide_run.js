// Run a Python script inside real Pyodide (node_modules/pyodide) under Node, with the
// worktree's src/ mounted, and print what the script's last expression returns.
// Usage: node pyodide_run.js SCRIPT.py INPUT.json
// The page globals the SDK uses are provided: crypto (Node's WebCrypto), a Map-backed
// localStorage that returns null for missing keys, and a document whose cookie property
// behaves like a (simplified) browser cookie jar.
'use strict';

const fs = require('fs');
const path = require('path');

const repo = path.join(__dirname, '..', '..');
const { loadPyodide } = require(path.join(repo, 'node_modules', 'pyodide', 'pyodide.js'));

function fakeLocalStorage() {
  const map = new Map();
  return {
    getItem: (k) => (map.has(String(k)) ? map.get(String(k)) : null),
    setItem: (k, v) => { map.set(String(k), String(v)); },
    removeItem: (k) => { map.delete(String(k)); },
    clear: () => map.clear(),
    get length() { return map.size; },
  };
}

function fakeDocument() {
  const jar = new Map();
  return {
    get cookie() { return [...jar].map(([k, v]) => `${k}=${v}`).join('; '); },
    set cookie(text) {
      const [pair, ...attrs] = text.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) jar.delete(name);
      else if (name.length + value.length <= 4096) jar.set(name, value);
    },
  };
}

async function main() {
  const [script, inputPath] = process.argv.slice(2);
  globalThis.localStorage = fakeLocalStorage();
  globalThis.document = fakeDocument();
  const py = await loadPyodide({ indexURL: path.join(repo, 'node_modules', 'pyodide') });
  py.FS.mkdirTree('/sdk');
  py.FS.mount(py.FS.filesystems.NODEFS, { root: path.join(process.cwd(), 'src') }, '/sdk');
  py.globals.set('INPUT_JSON', fs.readFileSync(inputPath, 'utf8'));
  py.runPython("import sys; sys.path.insert(0, '/sdk')");
  const result = await py.runPythonAsync(fs.readFileSync(script, 'utf8'));
  process.stdout.write(String(result) + '\n');
}

main().catch((e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
