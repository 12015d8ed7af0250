// The page of the passkey example. LoginID's browser SDK (@loginid/sdk) talks to LoginID (here the
// emulator) and to the device's authenticator; this page's own backend (passkey_web.cpp) hands out
// the tokens that allow each step and verifies every token the SDK brings back before it trusts it.
// Bundled by esbuild at build time into public/app.js.
import WebSDK from "@loginid/sdk";

import { $, backend, messages as serviceMessages, notify, stepsExplainedBy } from "../public/ui.js";

let sdk = null;
let serviceURL = "";

// ---- what to tell a person when something fails ----

// The SDK keeps only the service's error code (its own table turns most codes into "An unknown
// error has occurred"), so the page words each code itself.
const messages = {
  ...serviceMessages,
  not_found: "There is no account with that email here. Create one first?",
  code_invalid: "That code is wrong or was already used. Get a new one on your other device.",
  code_expired: "That code has expired. Get a new one on your other device.",
};

function explain(error) {
  if (error.name === "NavigatorError") {
    return "Your device did not use a passkey: the prompt was cancelled or timed out, or this device has no passkey for this account.";
  }
  if (error instanceof TypeError) {
    return `Cannot reach the sign-in service at ${serviceURL}. Is loginid-emulator running, and does it allow this page's origin (${location.origin})?`;
  }
  if (error instanceof SyntaxError) {
    return `The sign-in service at ${serviceURL} answered something that is not JSON. Is that URL really LoginID or loginid-emulator?`;
  }
  if (error.code && messages[error.code]) return messages[error.code];
  if (error.name === "BackendError") return `${error.message} (${error.code})`;
  if (error.code) return `The sign-in service refused the request (error code: ${error.code}).`;
  return error.message || String(error);
}

const step = stepsExplainedBy(explain);

/** A name for the passkey, so that the user can tell their devices apart. */
function deviceName() {
  const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "this device";
  const browser = /Firefox\//.test(navigator.userAgent) ? "Firefox" : /Edg\//.test(navigator.userAgent) ? "Edge"
    : /Chrom/.test(navigator.userAgent) ? "Chrome" : /Safari\//.test(navigator.userAgent) ? "Safari" : "Browser";
  return `${browser} on ${platform}`;
}

const formatTime = (iso) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

// ---- views ----

async function showSignedIn(user, how) {
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  $("who").hidden = false;
  $("who-name").textContent = user.username;
  $("welcome-name").textContent = user.username;
  $("welcome-how").textContent = how;
  $("pay-result").hidden = true;
  $("code-box").hidden = true;
  const { passkeys } = await backend("GET", "/api/passkeys");
  $("passkeys").replaceChildren(...passkeys.map((passkey) => {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = passkey.name || "Passkey";
    if (passkey.id === localStorage.getItem(thisDeviceKey)) {
      const mark = document.createElement("span");
      mark.className = "this-device";
      mark.textContent = "this device";
      name.append(mark);
    }
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = `added ${formatTime(passkey.created_at)}`;
    item.append(name, when);
    return item;
  }));
}

function showSignedOut() {
  $("signed-in").hidden = true;
  $("signed-out").hidden = false;
  $("who").hidden = true;
}

// Which of the account's passkeys this browser holds (the last one it registered or used), to
// mark it in the list. Only a label: the session never depends on it.
const thisDeviceKey = "passkey_web_this_device";

/** The SDK's result carries the user token: the backend verifies it and starts the session. */
async function startSession(username, result, how) {
  if (!result.jwt) throw new Error("the sign-in service returned no token");
  if (result.credential) localStorage.setItem(thisDeviceKey, result.credential.uuid);
  const { user } = await backend("POST", "/api/session", { username, jwt: result.jwt });
  await showSignedIn(user, how);
}

// ---- actions ----

async function register(event) {
  const username = $("username").value.trim();
  if (!$("sign-in-form").reportValidity()) return;
  await step(event.currentTarget, "Creating your passkey… follow your device's prompt.", "Could not create your account", async () => {
    const { token } = await backend("POST", "/api/passkey-token", { action: "register", username });
    const result = await sdk.registerWithFido2(username, { authorization_token: token, credential_name: deviceName() });
    await startSession(username, result, "Your account is ready, and this device has its passkey. The server verified your sign-in token.");
    notify("ok", "Account created", "You are signed in with your new passkey.");
  });
}

async function logIn(event) {
  event.preventDefault();
  const username = $("username").value.trim();
  await step($("login"), "Waiting for your passkey… follow your device's prompt.", "Could not log you in", async () => {
    const { token } = await backend("POST", "/api/passkey-token", { action: "login", username });
    const result = await sdk.authenticateWithFido2(username, { authorization_token: token });
    await startSession(username, result, "Signed in with your passkey. The server verified your sign-in token.");
    notify("ok", "Signed in", `Welcome back, ${username}.`);
  });
}

async function addDevice(event) {
  event.preventDefault();
  const username = $("add-username").value.trim();
  const code = $("add-code").value.trim();
  await step($("add-device"), "Creating a passkey on this device… follow your device's prompt.", "Could not add this device", async () => {
    const result = await sdk.addFido2CredentialWithCode(username, code, { credential_name: deviceName() });
    await startSession(username, result, "This device now has its own passkey for your account.");
    notify("ok", "Device added", "This device has a passkey now; you are signed in on it.");
  });
}

async function getCode(event) {
  await step(event.currentTarget, "Making a code…", "Could not make a code", async () => {
    const { code, expires_at: expiresAt } = await backend("POST", "/api/add-device-code", {});
    $("code").textContent = code;
    const until = new Date(expiresAt).toLocaleTimeString([], { timeStyle: "short" });
    $("code-expiry").textContent = `Type it on your other device before ${until}. It works once.`;
    $("code-box").hidden = false;
    $("notice").hidden = true;
  });
}

async function pay(event) {
  event.preventDefault();
  const username = $("who-name").textContent;
  await step($("pay"), "Confirm the payment with your passkey…", "The payment was not confirmed", async () => {
    $("pay-result").hidden = true;
    const payment = await backend("POST", "/api/payments", { amount: $("amount").value.trim(), payee: $("payee").value.trim() });
    const signed = await sdk.createAndConfirmTransaction(username, payment.tx_payload,
      { authorization_token: payment.authorization_token });
    const checked = await backend("POST", `/api/payments/${payment.payment_id}/confirm`, { jwt: signed.jwt });
    const result = $("pay-result");
    result.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = `✓ ${checked.tx_payload}`;
    const detail = document.createElement("div");
    detail.append("Confirmed with your passkey and checked by the server. Signed hash: ");
    const hash = document.createElement("code");
    hash.textContent = checked.tx_hash;
    detail.append(hash);
    result.append(title, detail);
    result.hidden = false;
    $("notice").hidden = true;
  });
}

async function logOut() {
  notify("busy", "Signing out…");
  await backend("DELETE", "/api/session").catch(() => {});
  showSignedOut();
  notify("ok", "Signed out", "See you soon.");
}

async function start() {
  const config = await backend("GET", "/api/config");
  serviceURL = config.base_url;
  sdk = new WebSDK(config.base_url, config.client_id);
  $("sign-in-form").addEventListener("submit", logIn);
  $("register").addEventListener("click", register);
  $("add-device-form").addEventListener("submit", addDevice);
  $("get-code").addEventListener("click", getCode);
  $("pay-form").addEventListener("submit", pay);
  $("logout").addEventListener("click", logOut);
  if (!window.PublicKeyCredential) {
    notify("error", "This browser has no passkeys", "Use a current Chrome, Edge, Safari or Firefox.");
  }
  try {
    const { user } = await backend("GET", "/api/session");
    await showSignedIn(user, "Welcome back.");
  } catch {
    showSignedOut();
  }
}

start().catch((error) => notify("error", "The page could not start", explain(error)));
