// The portal's main-thread part: the boot line, which view shows, and two thin DOM helpers.
// Behaviour is Python (amazon_cognito_identity.web.portal, started by web/portal/portal.py in
// the worker of /cognito-auth.js, which renders what Python describes). Loaded before
// /cognito-auth.js so that it hears the boot from the start.
const $ = (sel) => document.querySelector(sel);
const stages = { fetch: 1, restore: 2, boot: 2, sdk: 3 };

document.addEventListener("cognito-auth-worker", (event) => {
  const py = event.detail; // for tests, measurements and the curious
  window.portal = { py, call: (method, params) => py.call(method, params) };
});
document.addEventListener("cognito-auth-progress", ({ detail }) => {
  $("#boot-progress").value = stages[detail.stage] ?? $("#boot-progress").value;
  $("#boot-text").textContent = detail.detail || detail.stage;
});
document.addEventListener("cognito-auth-fatal", ({ detail }) => {
  $("#boot-spinner").hidden = true;
  $("#boot-text").textContent = `Python failed to load: ${detail}`;
  document.body.dataset.state = "error";
});
document.addEventListener("cognito-auth-ready", ({ detail }) => {
  // Counted from navigation, as a person waits for it; the text shows this very mark.
  const ready = performance.mark("sdk-ready");
  $("#boot").dataset.ready = "true";
  $("#boot-progress").value = 4;
  $("#boot-spinner").hidden = true;
  $("#boot-text").textContent = `Python ready (${Math.round(ready.startTime)} ms)`;
  $("#sdk-version").textContent = `v${detail.sdk_version}`;
  $("#boot-mode").textContent = `boot: ${detail.mode}`;
  document.documentElement.dataset.bootMode = detail.mode;
});

// Python says when it has taken the page over and which view shows.
const portal = $("#portal");
portal.addEventListener("portal-ready", () => (document.body.dataset.state = "ready"));
portal.addEventListener("portal-view", ({ detail }) => {
  if (detail.view) {
    $("#account").hidden = detail.view !== "account";
    $("#portal-login").hidden = detail.view === "account";
    document.body.dataset.view = detail.view;
  }
  if (detail.outbox !== undefined) $("#outbox").hidden = !detail.outbox;
});

// "Use code" in the outbox fills the code field in view, which another component owns.
const shown = (selector) => [...document.querySelectorAll(selector)].find((el) => el.offsetParent);
document.addEventListener("cognito-outbox-use", ({ detail }) => {
  const user = shown('input[autocomplete="username"]');
  if (user && !user.value) user.value = detail.username;
  const code = shown('input[autocomplete="one-time-code"]');
  if (!code) return;
  code.value = detail.code;
  code.focus();
});

// A result shown next to a control is brought into view when it landed outside it.
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType !== 1 || !node.matches(".cog-msg, .cog-login-message")) continue;
      if (node.textContent) node.scrollIntoView({ block: "nearest" });
    }
  }
}).observe(portal, { childList: true, subtree: true });
