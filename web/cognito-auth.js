// Main-thread glue of the sign-in kit: starts Python in a Web Worker, runs the page's
// <script type="py-auth"> code there and renders what the Python components describe.
// Behaviour lives in Python (amazon_cognito_identity.web); this file only boots, bridges
// storage and events, and applies render operations (docs/web.md, "Python components").
// Every URL is relative to this file, so the kit works under any path.
import { PythonWorker } from "./portal/rpc.js";

const BASE = new URL(".", import.meta.url);
const INPUTS = new Set(["input", "select", "textarea"]);
const SVG_NS = "http://www.w3.org/2000/svg";
const mounted = new Map(); // mount selector -> element rendered by Python at least once
const pending = []; // submits made before Python took the form over: {root, form}
let failed = null; // why Python could not start (shown in every .cog-auth)

// ---- text the page shows before Python (overridable with data-text-* on .cog-auth) -------
function say(root, key, fallback) {
  return (root && root.dataset && root.dataset[key]) || fallback;
}

function messageBox(form) {
  let box = form.querySelector(".cog-login-message");
  if (!box) {
    box = document.createElement("p");
    box.className = "cog-login-message";
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "polite");
    const button = form.querySelector("button[type=submit], button:not([type])");
    form.insertBefore(box, button);
  }
  return box;
}

function showFailure(root) {
  const form = root.querySelector("form") || root;
  const box = messageBox(form);
  box.dataset.kind = "error";
  box.setAttribute("role", "alert");
  box.textContent = `${say(root, "textFailed", "Sign-in could not start")}: ${failed}`;
  form.removeAttribute("aria-busy");
}

// ---- early submits: the plain HTML form works before Python runs -------------------------
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    const root = form.closest(".cog-auth");
    if (!root || [...mounted.values()].includes(root)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (failed) return showFailure(root);
    if (!pending.some((p) => p.root === root)) pending.push({ root, form });
    form.setAttribute("aria-busy", "true");
    const box = messageBox(form);
    box.dataset.kind = "info";
    box.textContent = say(root, "textStarting", "Starting… your sign-in continues in a moment.");
  },
  true,
);

// ---- rendering ------------------------------------------------------------------------------
function formValues(form) {
  const values = {};
  if (!form) return values;
  for (const el of form.elements) {
    if (!el.name || ((el.type === "checkbox" || el.type === "radio") && !el.checked)) continue;
    values[el.name] = el.value;
  }
  return values;
}

function build(node, kept, mount, svg) {
  if (typeof node === "string") return document.createTextNode(node);
  const attrs = node.attrs || {};
  const inSvg = svg || node.tag === "svg";
  const key = `${node.tag}|${attrs.name || ""}`;
  let el = INPUTS.has(node.tag) && attrs.name ? kept.get(key) : undefined;
  if (el) kept.delete(key);
  else el = inSvg ? document.createElementNS(SVG_NS, node.tag) : document.createElement(node.tag);
  built.set(el, renders);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "value") el.value = value;
    else el.setAttribute(name, value);
  }
  for (const child of node.children || []) el.append(build(child, kept, mount, inSvg));
  for (const [type, handler] of Object.entries(node.on || {})) {
    el.addEventListener(type, (event) => {
      event.preventDefault();
      forward(mount, el, type, handler);
    });
    if (type === "submit") el.dataset.cogSubmit = handler;
  }
  return el;
}

function render(op) {
  const root = document.querySelector(op.mount);
  if (!root) return console.error(`cognito-auth: no element matches ${op.mount}`);
  renders += 1;
  const kept = new Map();
  for (const el of root.querySelectorAll("input[name], select[name], textarea[name]")) {
    const key = `${el.tagName.toLowerCase()}|${el.name}`;
    if (!kept.has(key)) kept.set(key, el);
  }
  const active = document.activeElement;
  const inside = active && root.contains(active);
  const selection = active && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null;
  root.replaceChildren(...op.nodes.map((node) => build(node, kept, op.mount, false)));
  const target = op.focus ? root.querySelector(op.focus) : null;
  // A render that names no focus leaves it where the person had it: on the same control
  // (same name or id) when the old one was replaced, so a keypress is never lost to <body>.
  const again = !target && inside && !active.isConnected ? sameControl(root, active) : null;
  if (target) target.focus();
  else if (again) again.focus();
  else if (active && active.isConnected && document.activeElement !== active) {
    active.focus();
    if (selection && selection[0] !== null) {
      try {
        active.setSelectionRange(selection[0], selection[1]);
      } catch {
        // inputs without a selection (email, number) refuse it
      }
    }
  }
  const first = !mounted.has(op.mount);
  mounted.set(op.mount, root);
  if (first) replay(op.mount, root);
}

function replay(mount, root) {
  for (let i = pending.length - 1; i >= 0; i--) {
    if (pending[i].root !== root) continue;
    pending.splice(i, 1);
    const form = root.querySelector("form[data-cog-submit]");
    if (form) forward(mount, form, "submit", form.dataset.cogSubmit);
  }
}

const busy = new Map(); // mount -> {type, at}: the event in flight and the render count then
const later = new Map(); // mount -> [el, type, handler]: the event to send once it is free
const built = new WeakMap(); // element -> the render that built it
let renders = 0;

// One action at a time per component (a second submit is dropped), but keystrokes in flight
// never swallow a submit, and the newest keystroke is sent once free: live feedback (password
// rules) always ends on what was typed last. A control that a render drew while the event was
// in flight (Python answers with the new view before its reply) is a new action, not a
// double submit: its click is sent once free ("Keep it" pressed as soon as it has the focus).
function queue(mount, el, type, handler) {
  const queued = later.get(mount);
  const current = busy.get(mount);
  // Clicks only: a form is rebuilt by every render, and Enter again must stay a double submit.
  const fresh = type === "click" && (built.get(el) ?? -1) > current.at;
  const keep = type === "input" ? !queued || queued[1] === "input" : current.type === "input" || fresh;
  if (keep) later.set(mount, [el, type, handler]);
}

function sameControl(root, el) {
  // By name or id; else the one element of the same tag, class and text (e.g. "Sign out").
  const found = refind(root, el);
  if (found) return found;
  const like = [...root.querySelectorAll(el.tagName)].filter(
    (c) => c.className === el.className && c.textContent === el.textContent,
  );
  return like.length === 1 ? like[0] : null;
}

function refind(root, el) {
  if (el.isConnected || !root) return el.isConnected ? el : null; // a render replaced it:
  const key = el.name || el.id; // the same control in the new tree
  if (key) return root.querySelector(`[name="${CSS.escape(key)}"], [id="${CSS.escape(key)}"]`);
  const active = document.activeElement;
  return el.tagName === "FORM" && root.contains(active) ? active.closest("form") : null;
}

async function forward(mount, el, type, handler) {
  if (busy.has(mount)) return queue(mount, el, type, handler);
  const form = el.tagName === "FORM" ? el : el.closest("form");
  busy.set(mount, { type, at: renders });
  if (form) form.setAttribute("aria-busy", "true");
  try {
    await python.call("ui_event", {
      mount,
      handler,
      type,
      values: formValues(form),
      target: el.name || el.id || null,
    });
  } catch (err) {
    console.error("cognito-auth:", err.message || err);
  } finally {
    busy.delete(mount);
    const root = document.querySelector(mount);
    if (root) for (const f of root.querySelectorAll("form[aria-busy]")) f.removeAttribute("aria-busy");
    const next = later.get(mount);
    later.delete(mount);
    const again = next && refind(root, next[0]);
    if (again) forward(mount, again, next[1], next[2]);
  }
}

function apply(op) {
  if (op.op === "render") render(op);
  else if (op.op === "text") {
    for (const el of document.querySelectorAll(op.selector)) el.textContent = op.text;
  } else if (op.op === "emit") {
    const root = document.querySelector(op.mount);
    if (root) root.dispatchEvent(new CustomEvent(op.name, { detail: op.detail, bubbles: true }));
  } else if (op.op === "log") (console[op.level] || console.log)(op.text);
}

// ---- boot -------------------------------------------------------------------------------------
function fail(message) {
  failed = message;
  console.error("cognito-auth:", message);
  for (const root of document.querySelectorAll(".cog-auth")) {
    if (!mounted.has(root)) showFailure(root);
  }
}

const python = new PythonWorker({
  workerUrl: new URL("portal/worker.js", BASE).href,
  pyodideUrl: new URL("vendor/pyodide.mjs", BASE).href,
  dist: new URL("dist/", BASE).href,
  // The pool settings are in the page's script: the worker's config is empty, and a data: URL
  // gives it that without a request (no 404 on sites without a /config.json).
  configUrl: "data:application/json,{}",
});
python.on("ui", apply);
python.on("fatal", fail);
python.on("ready", (info) => {
  const isolated = self.crossOriginIsolated ? "cross-origin isolated" : "not cross-origin isolated";
  const why = info.reason ? ` (${info.reason})` : "";
  console.info(
    `cognito-auth: Python ${info.sdk_version} ready in a Web Worker, ${info.mode} boot${why}, ` +
      `${Math.round(info.ms)} ms; page ${isolated}: the worker never touches the DOM, no headers needed`,
  );
});

// Pages that show the boot (the demo portal) follow it, and reach the worker, through DOM events.
for (const kind of ["progress", "ready", "fatal"]) {
  python.on(kind, (detail) => document.dispatchEvent(new CustomEvent(`cognito-auth-${kind}`, { detail })));
}
document.dispatchEvent(new CustomEvent("cognito-auth-worker", { detail: python }));

async function scriptSource(script) {
  if (!script.src) return script.textContent;
  const resp = await fetch(script.src);
  if (!resp.ok) throw new Error(`${script.src}: HTTP ${resp.status}`);
  return resp.text();
}

for (const [index, script] of [...document.querySelectorAll('script[type="py-auth"]')].entries()) {
  try {
    const code = await scriptSource(script);
    await python.call("run_script", { code, name: script.src || `<py-auth ${index + 1}>` });
  } catch (err) {
    fail(err.code && err.code !== err.message ? `${err.code}: ${err.message}` : err.message || String(err));
  }
}
