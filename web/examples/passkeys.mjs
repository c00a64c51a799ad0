// The passkeys / hosted-page example: the page's buttons call the Python functions of
// passkeys_page.py (SDK in Pyodide, main thread: WebAuthn needs the page's navigator).
import { loadSdk } from "/hello.mjs";

const $ = (id) => document.getElementById(id);

function say(text) {
  $("status").textContent = text;
  $("error").textContent = "";
}

function fail(text) {
  $("error").textContent = text;
}

async function main() {
  const { pyodide } = await loadSdk();
  const config = await (await fetch("/config.json", { cache: "no-cache" })).text();
  const source = await (await fetch("/examples/passkeys_page.py")).text();
  pyodide.globals.set("CONFIG_JSON", config);
  await pyodide.runPythonAsync(source);
  const run = pyodide.globals.get("run");
  const call = async (name, ...args) => {
    const reply = JSON.parse(await run(name, ...args));
    if (!reply.ok) throw new Error(reply.error);
    return reply.value;
  };

  async function show() {
    const who = await call("current");
    $("signin").hidden = Boolean(who);
    $("account").hidden = !who;
    if (!who) return;
    $("who").textContent = `Signed in as ${who}`;
    const list = $("passkeys");
    list.replaceChildren();
    for (const key of await call("list_passkeys")) {
      const item = document.createElement("li");
      item.textContent = `${key.name} (${key.rp})`;
      list.append(item);
    }
  }

  const guarded = (fn) => async (event) => {
    event?.preventDefault();
    try {
      await fn();
    } catch (err) {
      fail(err.message);
    }
  };

  $("signin").addEventListener("submit", guarded(async () => {
    say("Signing in…");
    await call("sign_in", $("username").value, $("password").value);
    say("Signed in with your password.");
    await show();
    $("add-passkey").focus();
  }));
  $("passkey-signin").addEventListener("click", guarded(async () => {
    say("Waiting for your passkey…");
    await call("passkey_sign_in", $("username").value);
    say("Signed in with your passkey.");
    await show();
    $("signout").focus();
  }));
  $("hosted").addEventListener("click", guarded(async () => {
    say("Going to the hosted page…");
    await call("hosted_sign_in");
  }));
  $("add-passkey").addEventListener("click", guarded(async () => {
    say("Creating a passkey…");
    await call("add_passkey");
    say("Passkey added.");
    await show();
  }));
  $("signout").addEventListener("click", guarded(async () => {
    await call("sign_out");
    say("Signed out.");
    await show();
    $("username").focus();
  }));

  if (new URLSearchParams(location.search).has("code") || new URLSearchParams(location.search).has("error")) {
    try {
      await call("hosted_callback", location.href);
      history.replaceState(null, "", location.pathname);
      say("Signed in on the hosted page.");
    } catch (err) {
      fail(err.message);
    }
  } else {
    say("Ready.");
  }
  await show();
  document.body.dataset.state = "ready";
}

main().catch((err) => {
  fail(`The page could not start: ${err.message}`);
  document.body.dataset.state = "error";
});
