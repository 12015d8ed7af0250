// The backend-relayed passkey flow of the passkey web example (examples/passkey_web, relay.html),
// in headless Chromium with a virtual authenticator: the page talks only to its C++ backend, which
// gets the WebAuthn options from the emulator through the C++ SDK (register_fido2_init,
// authenticate_fido2_init), hands the browser's answer back with register_fido2_complete /
// authenticate_fido2_complete (the SDK verifies the user token) and only then starts a session.
// Asserted: the tokens verify with LoginID::verify_token for the right user, the passkey and the
// sign counter the emulator stored are the authenticator's, the page never reaches the emulator;
// and the relay's refusals (a replayed assertion, a tampered signature, a payload missing a member)
// come back as the service's or the SDK's error, 4xx, with no token or signature in them.
// A transaction is not relayed: the SDK has no function for /api/tx/init|complete (the published
// Python SDK has none either); passkey_web.test.js confirms payments through @loginid/sdk.
//   run_browser_test.sh passkey_web_relay.test.js   (ctest -R browser_passkey_web_relay)
"use strict";

const assert = require("node:assert/strict");

const { browserTest, uniqueName } = require("./lib/fixture");
const { fill, notice, screenshot } = require("./lib/example_page");

const clientData = (encoded) => JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));

/** Runs `action` (clicks in the page) and answers the backend's exchange on `path` it caused. */
async function exchangeDuring(device, path, action) {
  const [response] = await Promise.all([
    device.page.waitForResponse((r) => new URL(r.url()).pathname === path),
    action(),
  ]);
  return { status: response.status(), body: await response.json(), sent: response.request().postDataJSON() };
}

/** The emulator's record of the user's one passkey (admin API: includes the stored sign counter). */
async function storedPasskey(world, userId) {
  const { credentials } = await world.backend.admin("GET", `/credentials?user_id=${userId}`);
  assert.equal(credentials.length, 1);
  return credentials[0];
}

/** The user token of a relayed answer verifies with the C++ SDK for this user, and only for them. */
async function assertTokenIsFor(world, jwt, username, userId) {
  const verdict = await world.verifyWithCpp("token", jwt, username);
  assert.equal(verdict.ok, true, `LoginID::verify_token refused the relayed token: ${verdict.reason}`);
  assert.equal(verdict.claims.sub, userId);
  assert.equal(verdict.claims.udata, username);
  assert.equal(verdict.claims.aud, world.emulator.creds.web.client_id);
  const other = await world.verifyWithCpp("token", jwt, "someone-else@example.com");
  assert.equal(other.ok, false, "verify_token must refuse the token for another username");
  return verdict.claims;
}

/** A refusal reads well and gives nothing away: 4xx, {error:{code, message}}, no token or signature. */
function assertCleanRefusal(answer, status, code, { message, secrets }) {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error.code, code);
  assert.match(answer.body.error.message, message);
  const text = JSON.stringify(answer.body);
  for (const secret of secrets) assert.ok(!text.includes(secret), "a refusal must not echo a token or a signature");
}

browserTest("passkey_web relayed: register and log in through the backend and the C++ SDK; refusals come back clean",
  async (world) => {
    const example = await world.startExample();
    const device = await world.device({ url: `${example.url}/relay.html` });
    const toEmulator = [];
    device.page.on("request", (request) => {
      if (request.url().startsWith(world.emulator.baseURL)) toEmulator.push(request.url());
    });
    const username = uniqueName("relay");
    await device.page.locator("#signed-out").waitFor({ state: "visible" });

    // 1. Create an account: init and complete relayed by the backend; the session starts.
    await fill(device, { username });
    const registered = await exchangeDuring(device, "/api/relay/register/complete", () => device.page.click("#register"));
    const created = await notice(device);
    assert.equal(created.kind, "ok", `${created.title}: ${created.text}`);
    assert.equal(created.title, "Account created");
    assert.equal(registered.status, 200);
    const user = await world.backend.getUser(username);
    assert.deepEqual(registered.body.user, { user_id: user.id, username });
    assert.equal(registered.body.action, "register");
    const registerClaims = await assertTokenIsFor(world, registered.body.jwt, username, user.id);
    assert.equal(registerClaims.action, "register");
    // What the page relayed: the browser's attestation for the emulator's challenge, on this origin.
    const attestation = registered.sent.attestation_payload;
    assert.deepEqual(Object.keys(attestation).sort(),
      ["attestation_data", "challenge", "client_data", "credential_id", "credential_uuid"]);
    const createData = clientData(attestation.client_data);
    assert.equal(createData.type, "webauthn.create");
    assert.equal(createData.origin, example.url);
    assert.equal(createData.challenge, attestation.challenge);
    // The emulator stored the authenticator's passkey, under the uuid and name the backend answered.
    const [made] = await device.authenticator.credentials();
    const credentialId = Buffer.from(made.credentialId, "base64").toString("base64url");
    assert.equal(attestation.credential_id, credentialId);
    let stored = await storedPasskey(world, user.id);
    assert.equal(stored.fido2.credential_id, credentialId);
    assert.equal(stored.uuid, registered.body.credential.id);
    assert.equal(stored.uuid, attestation.credential_uuid);
    assert.equal(stored.name, "Passkey on this device");
    assert.deepEqual(await device.page.locator("#passkeys .name").allTextContents(), ["Passkey on this device"]);
    await screenshot(device, "1-account-created");

    // 2. Log out, log in: the assertion is relayed, the counter moves, the token is for the same user.
    await device.page.click("#logout");
    assert.equal((await notice(device)).title, "Signed out");
    const counterBefore = (await device.authenticator.credentials())[0].signCount;
    const loggedIn = await exchangeDuring(device, "/api/relay/login/complete", () => device.page.click("#login"));
    const welcome = await notice(device);
    assert.equal(welcome.kind, "ok", `${welcome.title}: ${welcome.text}`);
    assert.equal(loggedIn.status, 200);
    assert.deepEqual(loggedIn.body.user, { user_id: user.id, username });
    assert.equal(loggedIn.body.action, "login");
    assert.equal(loggedIn.body.credential.id, stored.uuid);
    assert.notEqual(loggedIn.body.jwt, registered.body.jwt);
    assert.equal((await assertTokenIsFor(world, loggedIn.body.jwt, username, user.id)).action, "login");
    const assertion = loggedIn.sent.assertion_payload;
    assert.equal(assertion.credential_id, credentialId);
    assert.equal(clientData(assertion.client_data).type, "webauthn.get");
    assert.equal(clientData(assertion.client_data).origin, example.url);
    const counterAfter = (await device.authenticator.credentials())[0].signCount;
    assert.ok(counterAfter > counterBefore, `the authenticator's counter moved (${counterBefore} -> ${counterAfter})`);
    stored = await storedPasskey(world, user.id);
    assert.equal(stored.fido2.sign_count, counterAfter, "the emulator stored the counter of the relayed assertion");
    assert.notEqual(stored.fido2.last_used_at, null);
    const session = await device.page.evaluate(async () => (await fetch("/api/session")).json());
    assert.deepEqual(session.user, { user_id: user.id, username });
    await screenshot(device, "2-logged-in");

    // 3. Refused: the same assertion again (its challenge is single use), as an attacker who caught it
    // would send it (the browser context's cookies; no page needed).
    const relay = (body) => device.context.request.post(`${example.url}/api/relay/login/complete`, { data: body })
      .then(async (r) => ({ status: r.status(), body: await r.json() }));
    const secrets = [loggedIn.body.jwt, registered.body.jwt, assertion.signature, world.emulator.creds.web.private_key];
    const replayed = await relay(loggedIn.sent);
    assertCleanRefusal(replayed, 400, "challenge_invalid", { message: /challenge/, secrets });

    // 4. Refused: a signature changed on its way to the backend. The page says so, no session starts,
    // and the emulator's counter stays where the last good assertion left it.
    await device.page.click("#logout");
    await notice(device);
    await device.page.route(`${example.url}/api/relay/login/complete`, async (route) => {
      const body = route.request().postDataJSON();
      const signature = Buffer.from(body.assertion_payload.signature, "base64url");
      signature[10] ^= 0x01;  // inside r of the DER signature
      body.assertion_payload.signature = signature.toString("base64url");
      await route.continue({ postData: JSON.stringify(body) });
    });
    const tampered = await exchangeDuring(device, "/api/relay/login/complete", () => device.page.click("#login"));
    await device.page.unroute(`${example.url}/api/relay/login/complete`);
    assertCleanRefusal(tampered, 401, "credential_invalid", {
      message: /signature/, secrets: [...secrets, tampered.sent.assertion_payload.signature],
    });
    const refusedNotice = await notice(device);
    assert.equal(refusedNotice.kind, "error");
    assert.equal(refusedNotice.title, "Could not log you in");
    assert.match(refusedNotice.text, /could not be verified/);
    await screenshot(device, "3-tampered-signature-refused");
    const noSession = await device.page.evaluate(async () => (await fetch("/api/session")).status);
    assert.equal(noSession, 401);
    assert.equal((await storedPasskey(world, user.id)).fido2.sign_count, counterAfter);

    // 5. Refused before it leaves the backend: the SDK's own check names the missing member.
    const { client_data: _dropped, ...incomplete } = loggedIn.sent.assertion_payload;
    const missing = await relay({ username, assertion_payload: incomplete });
    assertCleanRefusal(missing, 400, "bad_request", { message: /assertion_payload\.client_data/, secrets });

    // Relayed means relayed: the page never called the emulator. No log holds a token, and the
    // backend's log (which has a line for each refusal) no signature.
    assert.deepEqual(toEmulator, []);
    assert.deepEqual(await device.exchanges(), []);
    assert.match(example.log(), /credential_invalid/);
    for (const jwt of [registered.body.jwt, loggedIn.body.jwt]) {
      assert.ok(!example.log().includes(jwt), "passkey_web's log holds a user token");
      assert.ok(!world.emulator.log().includes(jwt), "the emulator's log holds a user token");
    }
    for (const signature of [assertion.signature, tampered.sent.assertion_payload.signature]) {
      assert.ok(!example.log().includes(signature), "passkey_web's log holds a signature");
    }
  });
