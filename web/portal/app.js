// Demo account portal, main thread. Shows the forms at once, boots Python in a Web Worker
// (rpc.js / worker.js) and calls the SDK there. No framework, nothing from a CDN.
import { PythonWorker } from "./rpc.js";
import { h, field, form, card, qrSvg } from "./dom.js";

const $ = (sel) => document.querySelector(sel);
const views = $("#views");
const statusEl = $("#status");
let config = {};
let currentUsername = "";
let signingInUser = "";
let outboxVersion = 0;

// ---------------------------------------------------------------- status and progress
function setStatus(text, kind = "notice") {
  statusEl.textContent = text || "";
  statusEl.className = `status ${text ? kind : ""}`;
}

function showError(err) {
  const code = err && (err.code || err.name);
  const message = err && err.message ? err.message : String(err);
  setStatus(code && code !== message ? `${code}: ${message}` : message, "error");
}

const bootStages = { fetch: 1, restore: 2, boot: 2, sdk: 3 };
function onProgress(p) {
  $("#boot-progress").value = bootStages[p.stage] ?? $("#boot-progress").value;
  $("#boot-text").textContent = p.detail || p.stage;
}

// Busy indicator for a call (sign-in runs SRP): disables the form and shows a spinner.
async function busy(formEl, label, fn) {
  const buttons = formEl ? formEl.querySelectorAll("button") : [];
  buttons.forEach((b) => (b.disabled = true));
  if (formEl) formEl.setAttribute("aria-busy", "true");
  const spin = h("span", { class: "busy", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), " ", label);
  if (formEl) formEl.append(spin);
  try {
    return await fn();
  } catch (err) {
    showError(err);
    return undefined;
  } finally {
    spin.remove();
    buttons.forEach((b) => (b.disabled = false));
    if (formEl) formEl.removeAttribute("aria-busy");
  }
}

// ---------------------------------------------------------------- worker
async function loadConfig() {
  try {
    const resp = await fetch("/config.json", { cache: "no-cache" });
    if (resp.ok) return await resp.json();
  } catch {
    // fall through: the page reports the missing config below
  }
  return {};
}

const configPromise = loadConfig();
const py = new PythonWorker({ config: {} });
py.on("progress", onProgress);
py.on("fatal", (message) => {
  $("#boot-text").textContent = "Python failed to load";
  $("#boot-spinner").hidden = true;
  setStatus(message, "error");
});
py.on("ready", (info) => {
  performance.mark("sdk-ready");
  $("#boot-progress").value = 4;
  $("#boot-spinner").hidden = true;
  $("#boot-text").textContent = `Python ready (${Math.round(info.ms)} ms)`;
  $("#boot").dataset.ready = "true";
  $("#sdk-version").textContent = `v${info.sdk_version}`;
  $("#boot-mode").textContent = `boot: ${info.mode}`;
  document.documentElement.dataset.bootMode = info.mode;
  document.body.dataset.state = "ready";
});

async function call(method, params) {
  return py.call(method, params);
}

// ---------------------------------------------------------------- view switching
function show(view, focusSel) {
  document.querySelectorAll("[data-view]").forEach((el) => (el.hidden = el !== view));
  const target = focusSel ? view.querySelector(focusSel) : view.querySelector("input, select, button");
  if (target) target.focus();
}

function replaceView(id, el) {
  const old = document.getElementById(id);
  if (old && old !== $("#view-signin")) old.remove();
  views.append(el);
  return el;
}

function showSignIn() {
  show($("#view-signin"));
}

// ---------------------------------------------------------------- sign-in and challenges
// SRP's first step (A = g^a mod N) needs no input: compute it while the password is typed.
$("#signin-password").addEventListener("focus", () => py.call("prewarm", {}).catch(() => {}), { once: true });
$("#form-signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = event.currentTarget;
  setStatus("");
  const username = f.username.value.trim();
  signingInUser = username;
  const result = await busy(f, "Signing in…", () =>
    call("sign_in", { username, password: f.password.value, custom: f.custom.checked }),
  );
  if (result) handleAuthResult(result);
});

function handleAuthResult(result) {
  if (result.state === "signed_in") {
    $("#form-signin").reset();
    setStatus("Signed in.");
    renderAccount();
    return;
  }
  renderChallenge(result);
}

function renderChallenge(result) {
  const d = result.details || {};
  if (result.state === "SMS_MFA" || result.state === "CUSTOM_CHALLENGE") devPanel(signingInUser);
  const answer = (params) => (f) =>
    busy(f, "Checking…", () => call("answer_challenge", { challenge: result.state, ...params })).then((r) => {
      if (r) handleAuthResult(r);
    });
  let view;
  switch (result.state) {
    case "SMS_MFA":
    case "SOFTWARE_TOKEN_MFA": {
      const sms = result.state === "SMS_MFA";
      const hint = sms ? `Enter the code sent to ${d.CODE_DELIVERY_DESTINATION || "your phone"}.` : "Enter the code from your authenticator app.";
      view = card("view-challenge", sms ? "SMS code" : "Authenticator code",
        h("p", {}, hint),
        form("form-mfa", [...field("mfa-code", "Code", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", required: true }),
          h("button", { type: "submit" }, "Verify")], (data, f) => answer({ answer: data.get("code") })(f)));
      break;
    }
    case "SELECT_MFA_TYPE": {
      const options = (d.MFAS_CAN_CHOOSE ? JSON.parse(d.MFAS_CAN_CHOOSE) : ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]);
      view = card("view-challenge", "Choose a second factor",
        form("form-select-mfa", [
          h("label", { for: "mfa-type" }, "Second factor"),
          h("select", { id: "mfa-type", name: "mfa_type" }, options.map((o) => h("option", { value: o }, o === "SMS_MFA" ? "SMS code" : o === "SOFTWARE_TOKEN_MFA" ? "Authenticator app (TOTP)" : o))),
          h("button", { type: "submit" }, "Continue")], (data, f) => answer({ answer: data.get("mfa_type") })(f)));
      break;
    }
    case "NEW_PASSWORD_REQUIRED": {
      const required = d.required_attributes || [];
      view = card("view-challenge", "Choose a new password",
        h("p", {}, "Your account needs a new password before you can continue."),
        form("form-new-password", [
          ...field("new-password", "New password", { name: "password", type: "password", autocomplete: "new-password", required: true }),
          ...required.flatMap((name) => field(`attr-${name}`, name, { name: `attr:${name}`, required: true })),
          h("button", { type: "submit" }, "Set password")], (data, f) => {
          const attributes = {};
          for (const [k, v] of data.entries()) if (k.startsWith("attr:")) attributes[k.slice(5)] = v;
          return answer({ answer: data.get("password"), attributes })(f);
        }));
      break;
    }
    case "CUSTOM_CHALLENGE": {
      const shown = Object.entries(d).filter(([k]) => k !== "USERNAME");
      view = card("view-challenge", "Custom challenge",
        h("dl", { id: "custom-params" }, shown.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])),
        form("form-custom", [...field("custom-answer", "Answer", { name: "answer", required: true }),
          h("button", { type: "submit" }, "Answer")], (data, f) => answer({ answer: data.get("answer") })(f)));
      break;
    }
    case "MFA_SETUP": {
      view = card("view-challenge", "Set up an authenticator app",
        h("p", {}, "This account must use an authenticator app. Scan the code, then enter a code to finish signing in."));
      const box = h("div", { id: "challenge-totp" });
      view.append(box);
      replaceView("view-challenge", view);
      show(view);
      renderTotpSetup(box, "challenge_totp_setup", (code, name) => call("answer_challenge", { challenge: "MFA_SETUP", answer: code, device_name: name }), handleAuthResult);
      return;
    }
    default:
      view = card("view-challenge", "Unsupported step", h("p", {}, `The pool asked for ${result.state}.`));
  }
  view.append(h("nav", { class: "links" }, h("a", { href: "#signin", onclick: (e) => { e.preventDefault(); showSignIn(); } }, "Back to sign in")));
  replaceView("view-challenge", view);
  show(view);
}

// ---------------------------------------------------------------- TOTP setup (QR drawn in the page)
async function renderTotpSetup(box, method, verify, after) {
  box.replaceChildren(h("p", {}, h("span", { class: "spinner", "aria-hidden": "true" }), " Preparing…"));
  let setup;
  try {
    setup = await call(method, {});
  } catch (err) {
    showError(err);
    box.replaceChildren();
    return;
  }
  const qr = h("div", { id: "qr" });
  if (setup.qr) qr.append(qrSvg(setup.qr, "QR code for your authenticator app"));
  box.replaceChildren(
    qr,
    h("p", {}, "Or type this secret: ", h("code", { class: "secret", id: "totp-secret" }, setup.secret)),
    form("form-totp-verify", [
      ...field("totp-code", "Code from the app", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", required: true }),
      ...field("totp-device-name", "Device name (optional)", { name: "device_name" }),
      h("button", { type: "submit" }, "Verify and enable")], async (data, f) => {
      const r = await busy(f, "Verifying…", () => verify(data.get("code"), data.get("device_name") || "My phone"));
      if (r) after(r);
    }),
  );
  box.querySelector("#totp-code").focus();
}

// ---------------------------------------------------------------- sign-up, confirm, forgot
function renderSignUp() {
  const view = card("view-signup", "Create an account",
    form("form-signup", [
      ...field("signup-username", "Username", { name: "username", autocomplete: "username", required: true }),
      ...field("signup-email", "Email", { name: "email", type: "email", autocomplete: "email", required: true }),
      ...field("signup-phone", "Phone (optional, +15555550100)", { name: "phone_number", type: "tel", autocomplete: "tel" }),
      ...field("signup-password", "Password", { name: "password", type: "password", autocomplete: "new-password", required: true }),
      h("button", { type: "submit" }, "Sign up")], async (data, f) => {
      const username = data.get("username").trim();
      const r = await busy(f, "Creating account…", () => call("sign_up", {
        username, password: data.get("password"), email: data.get("email"), phone_number: data.get("phone_number") || null,
      }));
      if (!r) return;
      setStatus(r.user_confirmed ? "Account created. You can sign in." : `Account created. A code was sent to ${r.destination || "you"}.`);
      if (r.user_confirmed) showSignIn();
      else renderConfirm(username);
    }),
    h("nav", { class: "links" }, h("a", { href: "#signin", onclick: back }, "Back to sign in")));
  replaceView("view-signup", view);
  show(view);
}

function renderConfirm(username = "") {
  const view = card("view-confirm", "Confirm your account",
    form("form-confirm", [
      ...field("confirm-username", "Username", { name: "username", value: username, autocomplete: "username", required: true }),
      ...field("confirm-code", "Confirmation code", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", required: true }),
      h("div", { class: "row" },
        h("button", { type: "submit" }, "Confirm"),
        h("button", { type: "button", class: "secondary", id: "confirm-resend", onclick: async (e) => {
          const f = e.target.form;
          const r = await busy(f, "Sending…", () => call("resend_code", { username: f.username.value.trim() }));
          if (r) setStatus(`A new code was sent to ${r.destination || "you"}.`);
        } }, "Resend code"))], async (data, f) => {
      const r = await busy(f, "Confirming…", () => call("confirm_sign_up", { username: data.get("username").trim(), code: data.get("code").trim() }));
      if (r === undefined) return;
      setStatus("Account confirmed. You can sign in now.");
      $("#signin-username").value = data.get("username").trim();
      show($("#view-signin"), "#signin-password");
    }),
    h("nav", { class: "links" }, h("a", { href: "#signin", onclick: back }, "Back to sign in")));
  replaceView("view-confirm", view);
  show(view, username ? "#confirm-code" : "#confirm-username");
  devPanel(username);
}

function renderForgot() {
  const step2 = h("div", { id: "forgot-step2", hidden: true });
  const view = card("view-forgot", "Reset your password",
    form("form-forgot", [
      ...field("forgot-username", "Username", { name: "username", autocomplete: "username", required: true }),
      h("button", { type: "submit" }, "Send code")], async (data, f) => {
      const username = data.get("username").trim();
      const r = await busy(f, "Sending code…", () => call("forgot_password", { username }));
      if (!r) return;
      setStatus(`A code was sent to ${r.destination || "you"}.`);
      step2.hidden = false;
      step2.replaceChildren(form("form-forgot-confirm", [
        ...field("forgot-code", "Code", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", required: true }),
        ...field("forgot-new-password", "New password", { name: "password", type: "password", autocomplete: "new-password", required: true }),
        h("button", { type: "submit" }, "Set new password")], async (d2, f2) => {
        const ok = await busy(f2, "Saving…", () => call("confirm_password", { username, code: d2.get("code").trim(), password: d2.get("password") }));
        if (ok === undefined) return;
        setStatus("Password changed. Sign in with the new password.");
        $("#signin-username").value = username;
        show($("#view-signin"), "#signin-password");
      }));
      step2.querySelector("#forgot-code").focus();
      devPanel(username);
    }),
    step2,
    h("nav", { class: "links" }, h("a", { href: "#signin", onclick: back }, "Back to sign in")));
  replaceView("view-forgot", view);
  show(view);
}

function back(event) {
  event.preventDefault();
  setStatus("");
  showSignIn();
}

// ---------------------------------------------------------------- emulator dev panel
function devPanel(username = "") {
  if (!config.emulator || !config.endpoint) return;
  let panel = $("#dev-panel");
  if (!panel) {
    const table = h("table", { id: "outbox" });
    panel = h("section", { class: "card", id: "dev-panel", "aria-label": "Emulator outbox" },
      h("h2", {}, "Emulator outbox (dev only)"),
      h("p", {}, "Codes the emulator would have sent by SMS or email."),
      form("form-outbox", [
        ...field("outbox-username", "Username", { name: "username" }),
        h("button", { type: "submit", class: "secondary" }, "Show codes")], (data) => refreshOutbox(data.get("username").trim())),
      table);
    $("main").append(panel);
  }
  if (username) {
    $("#outbox-username").value = username;
    refreshOutbox(username);
  }
}

async function refreshOutbox(username) {
  const table = $("#outbox");
  const url = new URL("_emulator/outbox", config.endpoint);
  if (username) url.searchParams.set("username", username);
  if (config.userPoolId) url.searchParams.set("pool_id", config.userPoolId);
  try {
    const resp = await fetch(url);
    const rows = await resp.json();
    table.replaceChildren(
      h("tr", {}, h("th", {}, "User"), h("th", {}, "Kind"), h("th", {}, "Code"), h("th", {}, "To")),
      ...rows.slice().reverse().map((r) => h("tr", { dataset: { kind: r.kind } }, h("td", {}, r.username), h("td", {}, r.kind), h("td", { class: "code" }, r.code), h("td", {}, r.destination || ""))),
    );
    table.dataset.version = String(++outboxVersion);
  } catch (err) {
    table.replaceChildren(h("tr", {}, h("td", {}, `Outbox unavailable: ${err}`)));
  }
}

// ---------------------------------------------------------------- signed-in account view
async function renderAccount() {
  let me;
  try {
    me = await call("current_user", {});
  } catch (err) {
    showError(err);
    return;
  }
  if (!me) {
    showSignIn();
    return;
  }
  currentUsername = me.username;
  const attrsTable = h("table", { id: "attributes" });
  const devicesTable = h("table", { id: "devices" });
  const totpBox = h("div", { id: "totp-setup" });
  const view = card("view-account", "Your account",
    h("p", {}, "Signed in as ", h("strong", { id: "account-username" }, me.username)),
    h("h3", {}, "Profile"),
    attrsTable,
    form("form-update-attr", [
      ...field("attr-name", "Attribute name", { name: "name", required: true, placeholder: "e.g. name or custom:team" }),
      ...field("attr-value", "Value", { name: "value" }),
      h("div", { class: "row" },
        h("button", { type: "submit" }, "Save attribute"),
        h("button", { type: "button", class: "secondary", id: "attr-delete", onclick: (e) => attrAction(e, "delete") }, "Delete attribute"),
        h("button", { type: "button", class: "secondary", id: "attr-verify", onclick: (e) => attrAction(e, "verify") }, "Send verification code"))],
      async (data, f) => {
        const ok = await busy(f, "Saving…", () => call("update_attributes", { attributes: { [data.get("name").trim()]: data.get("value") } }));
        if (ok !== undefined) { setStatus("Attribute saved."); loadAttributes(attrsTable); }
      }),
    form("form-verify-attr", [
      ...field("verify-attr-name", "Attribute to verify", { name: "name", value: "email" }),
      ...field("verify-attr-code", "Verification code", { name: "code", inputmode: "numeric" }),
      h("button", { type: "submit" }, "Verify attribute")], async (data, f) => {
      const ok = await busy(f, "Verifying…", () => call("verify_attribute", { name: data.get("name").trim(), code: data.get("code").trim() }));
      if (ok !== undefined) { setStatus("Attribute verified."); loadAttributes(attrsTable); }
    }),
    h("h3", {}, "Password"),
    form("form-change-password", [
      ...field("old-password", "Current password", { name: "old", type: "password", autocomplete: "current-password", required: true }),
      ...field("change-new-password", "New password", { name: "new", type: "password", autocomplete: "new-password", required: true }),
      h("button", { type: "submit" }, "Change password")], async (data, f) => {
      const ok = await busy(f, "Changing…", () => call("change_password", { old_password: data.get("old"), new_password: data.get("new") }));
      if (ok !== undefined) { f.reset(); setStatus("Password changed."); }
    }),
    h("h3", {}, "Two-factor authentication"),
    form("form-mfa-prefs", [
      h("label", { for: "mfa-pref" }, "Second factor at sign-in"),
      h("select", { id: "mfa-pref", name: "pref" },
        h("option", { value: "none" }, "Off"),
        h("option", { value: "sms" }, "SMS code"),
        h("option", { value: "totp" }, "Authenticator app (TOTP)"),
        h("option", { value: "both" }, "SMS or app: ask at sign-in")),
      h("button", { type: "submit" }, "Save MFA preference")], async (data, f) => {
      const ok = await busy(f, "Saving…", () => call("set_mfa_preference", { preferred: data.get("pref") }));
      if (ok !== undefined) setStatus("MFA preference saved.");
    }),
    h("button", { type: "button", class: "secondary", id: "totp-start", onclick: () =>
      renderTotpSetup(totpBox, "totp_setup", (code, name) => call("totp_verify", { code, device_name: name }), () => {
        totpBox.replaceChildren(h("p", { class: "notice" }, "Authenticator app enabled."));
        setStatus("Authenticator app enabled.");
      }) }, "Set up authenticator app"),
    totpBox,
    h("h3", {}, "Devices"),
    devicesTable,
    h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", id: "device-remember", onclick: async (e) => {
        const ok = await busy(e.target.parentElement, "Saving…", () => call("remember_device", {}));
        if (ok !== undefined) { setStatus("This device is remembered."); loadDevices(devicesTable); }
      } }, "Remember this device"),
      h("button", { type: "button", class: "secondary", id: "device-refresh", onclick: () => loadDevices(devicesTable) }, "Refresh devices")),
    h("h3", {}, "Session"),
    h("div", { class: "row" },
      h("button", { type: "button", id: "sign-out", onclick: () => signOut("sign_out", "Signed out.") }, "Sign out"),
      h("button", { type: "button", class: "secondary", id: "global-sign-out", onclick: () => signOut("global_sign_out", "Signed out on every device.") }, "Sign out everywhere"),
      h("button", { type: "button", class: "danger", id: "delete-account", onclick: deleteAccount }, "Delete account")),
  );
  replaceView("view-account", view);
  show(view, "#attr-name");
  loadAttributes(attrsTable);
  loadDevices(devicesTable);
  call("get_mfa", {}).then((m) => {
    const both = m.enabled.length > 1 && !m.preferred;
    $("#mfa-pref").value = both ? "both" : m.preferred === "SOFTWARE_TOKEN_MFA" ? "totp" : m.preferred === "SMS_MFA" ? "sms" : "none";
  }, () => {});
}

async function attrAction(event, action) {
  const f = event.target.form;
  const name = f.name.value.trim();
  if (!name) { setStatus("Enter an attribute name.", "error"); return; }
  if (action === "delete") {
    const ok = await busy(f, "Deleting…", () => call("delete_attributes", { names: [name] }));
    if (ok !== undefined) { setStatus(`Attribute ${name} deleted.`); loadAttributes($("#attributes")); }
  } else {
    const r = await busy(f, "Sending…", () => call("request_attribute_verification", { name }));
    if (r !== undefined) {
      setStatus(`A verification code was sent to ${r.destination || "you"}.`);
      $("#verify-attr-name").value = name;
      $("#verify-attr-code").focus();
      devPanel(currentUsername);
    }
  }
}

async function loadAttributes(table) {
  try {
    const attrs = await call("get_attributes", {});
    table.replaceChildren(h("tr", {}, h("th", {}, "Attribute"), h("th", {}, "Value")),
      ...attrs.map((a) => h("tr", {}, h("td", {}, a.name), h("td", {}, a.value))));
  } catch (err) {
    showError(err);
  }
}

async function loadDevices(table) {
  try {
    const devices = await call("list_devices", {});
    table.replaceChildren(h("tr", {}, h("th", {}, "Device"), h("th", {}, "Name"), h("th", {}, "Status"), h("th", {}, "")),
      ...devices.map((d) => h("tr", {}, h("td", {}, d.key), h("td", {}, d.name || ""), h("td", {}, (d.remembered ? "remembered" : "not remembered") + (d.current ? " (this device)" : "")),
        h("td", {}, h("button", { type: "button", class: "secondary", "aria-label": `Forget device ${d.name || d.key}`, onclick: async (e) => {
          const ok = await busy(e.target.parentElement, "Forgetting…", () => call("forget_device", { device_key: d.key }));
          if (ok !== undefined) { setStatus("Device forgotten."); loadDevices(table); }
        } }, "Forget")))));
  } catch (err) {
    showError(err);
  }
}

async function signOut(method, message) {
  try {
    await call(method, {});
    setStatus(message);
    currentUsername = "";
    document.getElementById("view-account")?.remove();
    showSignIn();
  } catch (err) {
    showError(err);
  }
}

async function deleteAccount() {
  const box = h("form", { id: "form-delete" },
    h("p", {}, "Type DELETE to remove your account for good."),
    ...field("delete-confirm", "Confirmation", { name: "confirm", required: true }),
    h("button", { type: "submit", class: "danger" }, "Delete my account"));
  box.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (box.confirm.value !== "DELETE") { setStatus("Type DELETE to confirm.", "error"); return; }
    const ok = await busy(box, "Deleting…", () => call("delete_user", {}));
    if (ok !== undefined) {
      setStatus("Account deleted.");
      document.getElementById("view-account")?.remove();
      showSignIn();
    }
  });
  $("#delete-account").after(box);
  box.querySelector("input").focus();
}

// ---------------------------------------------------------------- navigation
function route() {
  const hash = location.hash.slice(1);
  setStatus("");
  if (hash === "signup") renderSignUp();
  else if (hash === "forgot") renderForgot();
  else if (hash === "confirm") renderConfirm();
  else showSignIn();
}
$("#link-signup").addEventListener("click", (e) => { e.preventDefault(); history.replaceState(null, "", "#signup"); route(); });
$("#link-forgot").addEventListener("click", (e) => { e.preventDefault(); history.replaceState(null, "", "#forgot"); route(); });
$("#link-confirm").addEventListener("click", (e) => { e.preventDefault(); history.replaceState(null, "", "#confirm"); route(); });

// ---------------------------------------------------------------- start
configPromise.then(async (cfg) => {
  config = cfg;
  $("#backend").textContent = cfg.emulator ? `emulator ${cfg.endpoint}` : cfg.userPoolId ? `pool ${cfg.userPoolId}` : "no /config.json";
  if (cfg.emulator) devPanel();
  await py.ready;
  // A session left from a previous visit (or by the JS SDK on this origin) opens the account.
  const me = await call("current_user", {}).catch(() => null);
  if (me) renderAccount();
});
if (location.hash && location.hash !== "#signin") route();
window.portal = { py, call };
