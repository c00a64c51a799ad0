// Build-time helper run by tools/fastboot.py under Node: makes the precompiled stdlib zip and
// the Pyodide memory snapshot with the very Pyodide build the browser will load, so the
// bytecode magic and the heap layout match, and the trimmed stdlib zip the snapshot boots
// with (what the snapshot did not import and a page may: encodings; the rest loads on
// demand through tools/fastboot_stdlib.py, installed before the snapshot). Usage:
//   node fastboot_node.mjs <pyodide_dir> <out_dir> <wheels,comma,sep> <preload,modules>
//        <fastboot_stdlib.py> <core,zip,prefixes>
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, outDir, wheelPath, preload, fallbackPy, corePrefixes] = process.argv.slice(2);
const { loadPyodide, version } = await import(
  pathToFileURL(join(resolve(pyodideDir), "pyodide.mjs")).href
);
const indexURL = resolve(pyodideDir) + "/";

// Step 1: compile every stdlib module to .pyc inside Pyodide itself.
const plain = await loadPyodide({ indexURL });
plain.runPython(`
import importlib._bootstrap_external as be, zipfile, io, marshal
src = zipfile.ZipFile('/lib/python314.zip')
out = io.BytesIO()
kept = compiled = 0
with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as dst:
    for info in sorted(src.infolist(), key=lambda i: i.filename):
        data = src.read(info)
        name = info.filename
        if name.endswith('.py'):
            try:
                code = compile(data, '/lib/python314.zip/' + name, 'exec', dont_inherit=True, optimize=0)
            except SyntaxError:
                code = None
            if code is not None:
                # mtime 0 / size 0: zipimport skips the staleness check when no source is beside it
                pyc = be._code_to_timestamp_pyc(code, 0, 0)
                zi = zipfile.ZipInfo(name + 'c', date_time=(1980, 1, 1, 0, 0, 0))
                zi.compress_type = zipfile.ZIP_STORED
                dst.writestr(zi, bytes(pyc))
                compiled += 1
                continue
        zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_STORED
        dst.writestr(zi, data)
        kept += 1
with open('/tmp/stdlib.pyc.zip', 'wb') as f:
    f.write(out.getvalue())
print('fastboot: compiled', compiled, 'kept', kept)
`);
const zipBytes = plain.FS.readFile("/tmp/stdlib.pyc.zip");
const zipPath = join(outDir, "python_stdlib.pyc.zip");
writeFileSync(zipPath, zipBytes);

// Step 2: boot on that zip, install the SDK wheel, import what the page needs, snapshot.
const snap = await loadPyodide({ indexURL, stdLibURL: zipPath, _makeSnapshot: true });
for (const wheel of wheelPath.split(",").filter(Boolean)) {
  snap.unpackArchive(new Uint8Array(readFileSync(wheel)), "wheel");
}
const mods = preload.split(",").filter(Boolean);
const loaded = snap.runPython(`
import importlib, json, pkgutil
names = json.loads(${JSON.stringify(JSON.stringify(mods))})
# every SDK submodule: the snapshot's heap holds imported modules, not the wheel's files
import amazon_cognito_identity as _sdk
names += [m.name for m in pkgutil.walk_packages(_sdk.__path__, 'amazon_cognito_identity.')]
ok = []
for name in names:
    try:
        importlib.import_module(name)
        ok.append(name)
    except Exception as exc:  # a module that needs a browser API is imported after boot instead
        print('fastboot: skip', name, type(exc).__name__, exc)
json.dumps(ok)
`);
// The on-demand loader for the modules the trimmed zip leaves out; then forget the full
// zip's directory, so the restored heap reads whichever zip is mounted at boot.
snap.runPython(`
import sys, types, zipfile, zipimport
src = ${JSON.stringify(JSON.stringify(readFileSync(fallbackPy, "utf8")))}
src = __import__("json").loads(src)
mod = types.ModuleType("_fastboot_stdlib")
mod.__file__ = "<fastboot>"
sys.modules["_fastboot_stdlib"] = mod
exec(compile(src, "_fastboot_stdlib.py", "exec"), mod.__dict__)
core = "/lib/python%d%d.zip" % sys.version_info[:2]
names = []
for member in zipfile.ZipFile(core).namelist():
    if member.endswith(".pyc"):
        name = member[:-4].replace("/", ".")
        names.append(name[: -len(".__init__")] if name.endswith(".__init__") else name)
mod.install(names)
sys.path_importer_cache.clear()
zipimport._zip_directory_cache.clear()
`);
const core = snap.runPython(`
import io, json, sys, zipfile
prefixes = tuple(p for p in ${JSON.stringify(corePrefixes || "")}.split(",") if p)
full = zipfile.ZipFile("/lib/python%d%d.zip" % sys.version_info[:2])
loaded = {getattr(m, "__file__", "") for m in list(sys.modules.values())}
out = io.BytesIO()
kept = []
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
    for info in full.infolist():
        path = full.filename + "/" + info.filename
        if info.filename.startswith(prefixes) and path not in loaded:
            dst.writestr(info, full.read(info))
            kept.append(info.filename)
with open("/tmp/stdlib.core.zip", "wb") as f:
    f.write(out.getvalue())
size = len(out.getvalue())
del out
import gc
gc.collect()
json.dumps({"members": len(kept), "bytes": size})
`);
writeFileSync(join(outDir, "python_stdlib.core.zip"), snap.FS.readFile("/tmp/stdlib.core.zip"));
snap.FS.unlink("/tmp/stdlib.core.zip");
const snapshot = snap.makeMemorySnapshot();
writeFileSync(join(outDir, "snapshot.bin"), snapshot);
writeFileSync(
  join(outDir, "node-result.json"),
  JSON.stringify({ pyodide_version: version, preloaded: JSON.parse(loaded), core: JSON.parse(core) }),
);
console.log("fastboot: snapshot", snapshot.length, "bytes; trimmed stdlib", core);
process.exit(0);
