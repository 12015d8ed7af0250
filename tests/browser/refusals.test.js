// What the emulator must refuse when a real browser and LoginID's published browser SDK
// (@loginid/sdk 0.13.2) are in the game, each with the service's code and message: a page from an
// origin not allowed, a relayed (phished) assertion, a replayed assertion, an expired challenge, a
// cloned authenticator (counter going back), user verification required but not performed, a
// revoked credential, a deactivated user, another user's credential, another application's
// challenge. Tampering happens where an attacker would do it: in flight (Playwright routes), in a
// second authenticator, or from a server replaying what it captured.
//   run_browser_test.sh refusals.test.js   (ctest -R browser_refusals)
"use strict";

const assert = require("node:assert/strict");

const { addAuthenticator } = require("./lib/browser");
const { browserTest, uniqueName } = require("./lib/fixture");
const { call, serviceToken } = require("./lib/loginid");

/** The SDK call failed with the service's `code`, and the emulator's answer said `message`. */
async function assertRefused(device, answer, path, { status, code, message }) {
  assert.ok(answer.error, `expected a refusal, got ${JSON.stringify(answer.result)}`);
  assert.equal(answer.error.name, "LoginSDK-Error", JSON.stringify(answer.error));
  assert.equal(answer.error.code, code);
  const exchange = (await device.exchanges(path)).at(-1);
  assert.equal(exchange.status, status);
  assert.equal(exchange.answer.code, code);
  assert.match(exchange.answer.message, message);
}

/** A user with a passkey on `device` (a usable one: see Device.makePasskey). */
async function registered(world, device, stem) {
  const username = uniqueName(stem);
  const answer = await device.register(username);
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  return { username, userId: answer.result.user.id, credentialId: answer.credentialId, uuid: answer.result.credential.uuid };
}

/** Holds the page's request to `path` until `release()`; `reached` resolves when it is held. */
function holdRequest(device, path) {
  let release;
  let reached;
  const held = new Promise((resolve) => { release = resolve; });
  const arrived = new Promise((resolve) => { reached = resolve; });
  device.intercept(path, async (route) => {
    reached();
    await held;
    await route.continue();
  });
  return { reached: arrived, release };
}

/** Rewrites the JSON answer of the page's request to `path` with `change(json)`. */
function rewriteAnswer(device, path, change) {
  return device.intercept(path, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    await route.fulfill({ response, json: change(json) });
  });
}

browserTest("origin: a page from an origin the application does not allow is refused, readably", async (world) => {
  // http://127.0.0.1:<port> is not http://localhost:<port>: not among the defaults.
  const device = await world.device({ origin: `http://127.0.0.1:${world.site.port}` });
  const origin = `http://127.0.0.1:${world.site.port}`;
  const answer = await device.sdk("authenticateWithFido2", uniqueName("nobody"));
  await assertRefused(device, answer, "/authenticate/fido2/init",
    { status: 403, code: "origin_not_allowed", message: new RegExp(origin.replace(/\./g, "\\.")) });
  // The page itself can read the whole answer (CORS headers on the refusal): never a bare
  // "Failed to fetch" for a developer whose origin is not configured.
  const direct = await device.fetch("/authenticate/fido2/init",
    { client_id: world.emulator.creds.web.client_id, username: "x" });
  assert.equal(direct.status, 403, JSON.stringify(direct));
  assert.match(JSON.parse(direct.body).message, new RegExp(`--allowed-origin ${origin.replace(/\./g, "\\.")}`));
});

browserTest("origin: an assertion made on another origin and relayed by a phishing server is refused",
  { emulatorArgs: (world) => ["--allowed-origin", world.site.origin] }, async (world) => {
    const device = await world.device();
    const user = await registered(world, device, "phished");

    // The phishing page is on another localhost port: same rp id (the browser lets it ask for the
    // passkey), but an origin the application does not allow. Its server relays init and complete.
    const evil = await world.otherSite();
    const evilPage = await device.context.newPage();
    await evilPage.goto(`${evil.origin}/`);
    const web = world.emulator.creds.web;
    const init = await call(world.emulator.baseURL, "POST", "/authenticate/fido2/init",
      { client_id: web.client_id, username: user.username });
    assert.equal(init.status, 200, init.text);
    // Virtual authenticators belong to a page: give the phishing page one with the user's passkey.
    const evilAuthenticator = await addAuthenticator(evilPage);
    for (const credential of await device.authenticator.credentials()) await evilAuthenticator.addCredential(credential);
    const assertion = await evilPage.evaluate((options) => window.webauthnGet(options), init.json.assertion_payload);
    assert.equal(assertion.error, undefined, JSON.stringify(assertion.error));
    const complete = await call(world.emulator.baseURL, "POST", "/authenticate/fido2/complete",
      { client_id: web.client_id, username: user.username, assertion_payload: assertion });
    assert.equal(complete.status, 401, complete.text);
    assert.equal(complete.json.code, "credential_invalid");
    assert.match(complete.json.message, new RegExp(`clientDataJSON.origin is "${evil.origin}", which is not an allowed origin`));
  });

browserTest("replay: a captured assertion sent again is refused (the challenge is single use)", async (world) => {
  const device = await world.device();
  const user = await registered(world, device, "replay");
  const login = await device.sdk("authenticateWithFido2", user.username);
  assert.equal(login.error, undefined, JSON.stringify(login.error));
  const captured = (await device.exchanges("/authenticate/fido2/complete")).at(-1);

  const replayed = await call(world.emulator.baseURL, "POST", "/authenticate/fido2/complete", captured.body);
  assert.equal(replayed.status, 400, replayed.text);
  assert.equal(replayed.json.code, "challenge_invalid");
  assert.match(replayed.json.message, /already used/);
});

browserTest("expired challenge: an assertion completed after the challenge's lifetime is refused",
  { emulatorArgs: ["--challenge-ttl", "1"] }, async (world) => {
    const device = await world.device();
    const user = await registered(world, device, "late");
    const hold = holdRequest(device, "/authenticate/fido2/complete");
    const login = device.sdk("authenticateWithFido2", user.username);
    await hold.reached;
    await new Promise((resolve) => setTimeout(resolve, 2_500));  // past the 1 s lifetime, whatever the load
    hold.release();
    await assertRefused(device, await login, "/authenticate/fido2/complete",
      { status: 400, code: "challenge_invalid", message: /expired/ });
  });

browserTest("cloned authenticator: a signature counter that goes back is refused as a clone", async (world) => {
  const device = await world.device();
  const user = await registered(world, device, "clone");
  // The clone is taken now, with the counter of the registration.
  const [snapshot] = await device.authenticator.credentials();
  for (let i = 0; i < 2; i++) {
    const login = await device.sdk("authenticateWithFido2", user.username);
    assert.equal(login.error, undefined, JSON.stringify(login.error));
  }
  // Another "device" holds the copied key with the old counter.
  const clone = await world.device();
  await clone.authenticator.addCredential(snapshot);
  const answer = await clone.sdk("authenticateWithFido2", user.username);
  await assertRefused(clone, answer, "/authenticate/fido2/complete",
    { status: 401, code: "credential_invalid", message: /signCount is \d+, not greater than the stored \d+.*cloned/ });
});

browserTest("user verification: required by the service but not performed is refused", async (world) => {
  const device = await world.device();
  const user = await registered(world, device, "uv");
  // A tampered page (or a weak client) asks the authenticator for presence only.
  await rewriteAnswer(device, "/authenticate/fido2/init", (json) => {
    assert.equal(json.assertion_payload.userVerification, "required");
    json.assertion_payload.userVerification = "discouraged";
    return json;
  });
  await device.authenticator.setUserVerified(false);
  const answer = await device.sdk("authenticateWithFido2", user.username);
  await assertRefused(device, answer, "/authenticate/fido2/complete",
    { status: 401, code: "credential_invalid", message: /UV \(user verified\) clear, and user verification is required/ });
});

browserTest("revoked credential: a revoked passkey no longer logs in, even mid-ceremony", async (world) => {
  const device = await world.device();
  const user = await registered(world, device, "revoked");
  // Revoked between init and complete: the complete call must check it.
  const hold = holdRequest(device, "/authenticate/fido2/complete");
  const login = device.sdk("authenticateWithFido2", user.username);
  await hold.reached;
  await world.backend.revokeCredential(user.username, user.uuid);
  hold.release();
  await assertRefused(device, await login, "/authenticate/fido2/complete",
    { status: 401, code: "credential_invalid", message: /the credential is revoked/ });
});

browserTest("deactivated user: refused at init, and at complete when deactivated mid-ceremony", async (world) => {
  const device = await world.device();
  const user = await registered(world, device, "inactive");
  const hold = holdRequest(device, "/authenticate/fido2/complete");
  const midway = device.sdk("authenticateWithFido2", user.username);
  await hold.reached;
  await world.backend.deactivateUser(user.userId);
  hold.release();
  await assertRefused(device, await midway, "/authenticate/fido2/complete",
    { status: 403, code: "user_inactive", message: /deactivated|inactive/ });
  await device.page.unrouteAll();
  const answer = await device.sdk("authenticateWithFido2", user.username);
  await assertRefused(device, answer, "/authenticate/fido2/init",
    { status: 403, code: "user_inactive", message: /deactivated|inactive/ });
});

browserTest("another user's credential: Bob's passkey does not log in as Alice", async (world) => {
  const device = await world.device();
  const alice = await registered(world, device, "alice");
  const bob = await registered(world, device, "bob");
  // In flight, Alice's allowCredentials becomes Bob's credential: the authenticator signs Alice's
  // challenge with Bob's key.
  await rewriteAnswer(device, "/authenticate/fido2/init", (json) => {
    json.assertion_payload.allowCredentials = [{ id: bob.credentialId, type: "public-key" }];
    return json;
  });
  const answer = await device.sdk("authenticateWithFido2", alice.username);
  await assertRefused(device, answer, "/authenticate/fido2/complete",
    { status: 401, code: "credential_invalid", message: /not a credential of this user/ });
});

browserTest("another application's challenge: a challenge issued to one application does not complete at another",
  async (world) => {
    const device = await world.device();
    const user = await registered(world, device, "twoapps");
    // A second web application in the same namespace (so it knows the user).
    const namespaceId = (await world.backend.getUser(user.username)).namespace_id;
    const other = await world.backend.admin("POST", "/applications", { type: "web", namespace_id: namespaceId });
    const otherInit = await call(world.emulator.baseURL, "POST", "/authenticate/fido2/init",
      { client_id: other.client_id, username: user.username },
      { Authorization: `Bearer ${serviceToken(other, "auth.login", { username: user.username })}` });
    assert.equal(otherInit.status, 200, otherInit.text);
    // The page gets the other application's challenge; the SDK completes at its own application.
    await rewriteAnswer(device, "/authenticate/fido2/init", () => otherInit.json);
    const answer = await device.sdk("authenticateWithFido2", user.username);
    await assertRefused(device, answer, "/authenticate/fido2/complete",
      { status: 400, code: "challenge_invalid", message: /issued to another application/ });
  });
