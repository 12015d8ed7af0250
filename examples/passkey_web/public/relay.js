// The relayed passkey flow of the example (relay.html): this page never talks to LoginID. It asks
// its backend (passkey_web.cpp) for the WebAuthn options, which the backend got from LoginID
// through the C++ SDK (register_fido2_init / authenticate_fido2_init), runs
// navigator.credentials.create / .get with them, and posts the browser's answer back; the backend
// relays it with register_fido2_complete / authenticate_fido2_complete (the SDK verifies the user
// token) and only then starts the session. No npm package and no bundler: served as is (an ES
// module, like ui.js, which it shares with the main page).
import { $, backend, messages as serviceMessages, notify, stepsExplainedBy } from "./ui.js";

// ---- base64url <-> bytes (LoginID's payloads carry binary values as unpadded base64url) ----

function toBytes(base64url) {
  const binary = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function toBase64url(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const withBinaryIds = (descriptors) => (descriptors || []).map((d) => ({ ...d, id: toBytes(d.id) }));

// ---- the two ceremonies ----

/** A new passkey from the options LoginID made (attestation_payload); answers what LoginID checks. */
async function createPasskey(payload) {
  const { challenge, credential_uuid: credentialUuid, user, excludeCredentials, ...rest } = payload;
  const credential = await navigator.credentials.create({
    publicKey: {
      ...rest,
      challenge: toBytes(challenge),
      user: { ...user, id: toBytes(user.id) },
      excludeCredentials: withBinaryIds(excludeCredentials),
    },
  });
  return {
    challenge, // LoginID's own string: it names the single-use challenge
    credential_uuid: credentialUuid,
    credential_id: toBase64url(credential.rawId),
    client_data: toBase64url(credential.response.clientDataJSON),
    attestation_data: toBase64url(credential.response.attestationObject),
  };
}

/** A signature by one of the user's passkeys over LoginID's challenge (assertion_payload). */
async function usePasskey(payload) {
  const { challenge, allowCredentials, ...rest } = payload;
  const credential = await navigator.credentials.get({
    publicKey: { ...rest, challenge: toBytes(challenge), allowCredentials: withBinaryIds(allowCredentials) },
  });
  return {
    challenge,
    credential_id: toBase64url(credential.rawId),
    client_data: toBase64url(credential.response.clientDataJSON),
    authenticator_data: toBase64url(credential.response.authenticatorData),
    signature: toBase64url(credential.response.signature),
  };
}

// ---- what to tell a person when something fails ----

const messages = {
  ...serviceMessages,
  not_found: "There is no account with that email here, or it has no passkey. Create one first?",
};

function explain(error) {
  if (error instanceof DOMException) {
    if (error.name === "InvalidStateError") return messages.credential_exists;
    return "Your device did not use a passkey: the prompt was cancelled or timed out, or this device has no passkey for this account.";
  }
  if (error instanceof TypeError) return "Cannot reach Acme Pay's server. Is passkey_web still running?";
  if (error.code && messages[error.code]) return messages[error.code];
  if (error.name === "BackendError") return `${error.message} (${error.code})`;
  return error.message || String(error);
}

const step = stepsExplainedBy(explain);

// ---- views ----

async function showSignedIn(user, how) {
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  $("who").hidden = false;
  $("who-name").textContent = user.username;
  $("welcome-name").textContent = user.username;
  $("welcome-how").textContent = how;
  const { passkeys } = await backend("GET", "/api/passkeys");
  $("passkeys").replaceChildren(...passkeys.map((passkey) => {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = passkey.name || "Passkey";
    item.append(name);
    return item;
  }));
}

function showSignedOut() {
  $("signed-in").hidden = true;
  $("signed-out").hidden = false;
  $("who").hidden = true;
}

// ---- actions ----

async function register() {
  const username = $("username").value.trim();
  if (!$("sign-in-form").reportValidity()) return;
  await step($("register"), "Creating your passkey… follow your device's prompt.", "Could not create your account", async () => {
    const { attestation_payload: options } = await backend("POST", "/api/relay/register/init", { username });
    const attestation = await createPasskey(options);
    const { user } = await backend("POST", "/api/relay/register/complete",
      { username, attestation_payload: attestation, credential_name: "Passkey on this device" });
    await showSignedIn(user, "Your account is ready. Our server relayed your new passkey to LoginID and verified the answer.");
    notify("ok", "Account created", "You are signed in with your new passkey.");
  });
}

async function logIn(event) {
  event.preventDefault();
  const username = $("username").value.trim();
  await step($("login"), "Waiting for your passkey… follow your device's prompt.", "Could not log you in", async () => {
    const { assertion_payload: options } = await backend("POST", "/api/relay/login/init", { username });
    const assertion = await usePasskey(options);
    const { user } = await backend("POST", "/api/relay/login/complete", { username, assertion_payload: assertion });
    await showSignedIn(user, "Signed in with your passkey. Our server relayed it to LoginID and verified the answer.");
    notify("ok", "Signed in", `Welcome back, ${username}.`);
  });
}

async function logOut() {
  notify("busy", "Signing out…");
  await backend("DELETE", "/api/session").catch(() => {});
  showSignedOut();
  notify("ok", "Signed out", "See you soon.");
}

async function start() {
  $("sign-in-form").addEventListener("submit", logIn);
  $("register").addEventListener("click", register);
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
