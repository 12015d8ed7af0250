// Every function of LoginID's published browser SDK (@loginid/sdk 0.13.2) in headless Chromium with
// a virtual authenticator, against a fresh loginid-emulator per test: what the SDK sends, what it
// gets back, and that the tokens it obtains verify with the C++ SDK (LoginID::verify_token /
// verify_transaction through verify_token_check) like an application's backend would check them.
//   run_browser_test.sh websdk.test.js   (ctest -R browser_websdk)
"use strict";

const assert = require("node:assert/strict");
const crypto = require("node:crypto");

const { browserTest, uniqueName } = require("./lib/fixture");
const { sdkCannotEcho } = require("./lib/browser");
const { b64url, call, decodeJwt, serviceToken, txAuthToken } = require("./lib/loginid");

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

const clientData = (encoded) => JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));

/** The authentication response of API.md, as the SDK returned it. */
function assertAuthenticated(result, world, username) {
  assert.equal(result.is_authenticated, true);
  assert.equal(result.user.username, username);
  assert.match(result.user.id, UUID);
  assert.equal(typeof result.user.namespace_id, "string");
  assert.equal(result.client.id, world.emulator.creds.web.client_id);
  assert.equal(typeof result.jwt, "string");
  const { header, payload } = decodeJwt(result.jwt);
  assert.equal(header.alg, "ES256");
  assert.equal(payload.aud, world.emulator.creds.web.client_id);
  assert.equal(payload.sub, result.user.id);
  assert.equal(payload.udata, username);
  return payload;
}

/** The C++ SDK accepts the user token for `username` and refuses it for another user. */
async function assertCppAccepts(world, jwt, username) {
  const verdict = await world.verifyWithCpp("token", jwt, username);
  assert.equal(verdict.ok, true, `LoginID::verify_token refused a browser-made token: ${verdict.reason}`);
  assert.equal(verdict.claims.udata, username);
  const other = await world.verifyWithCpp("token", jwt, "someone-else@example.com");
  assert.equal(other.ok, false, "verify_token must refuse the token for another username");
  assert.match(other.reason, /username/);
  return verdict.claims;
}

/** A challenge (or tx hash) the SDK's base64 decoder hands to the authenticator intact. */
function assertSdkDecodable(challenge) {
  assert.match(challenge, B64URL);
  assert.ok(!sdkCannotEcho(Buffer.from(challenge, "base64url")), `challenge ${challenge}: the SDK would corrupt it`);
}

browserTest("isFido2Supported: true with a user-verifying platform authenticator, false without", async (world) => {
  assert.deepEqual(await (await world.device()).sdk("isFido2Supported"), { result: true });
  assert.deepEqual(await (await world.device({ authenticator: null })).sdk("isFido2Supported"), { result: false });
});

browserTest("registerWithFido2: a new user with a passkey, its token accepted by LoginID::verify_token", async (world) => {
  const device = await world.device();
  const username = uniqueName("reg");
  const answer = await device.register(username, { credential_name: "Test laptop", display_name: "Reg User" });
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  const result = answer.result;
  const claims = assertAuthenticated(result, world, username);
  assert.equal(claims.action, "register");
  assert.match(result.credential.uuid, UUID);
  assert.equal(result.credential.type, "fido2");
  assert.equal(result.credential.name, "Test laptop");
  await assertCppAccepts(world, result.jwt, username);

  // What the SDK sent and got: no token (public init on the default web application), the
  // register_session it keeps in localStorage (null on the origin's first call; the last one is
  // the one that counts when a retry happened, see makePasskey), camelCase WebAuthn options.
  const inits = await device.exchanges("/register/fido2/init");
  assert.equal(inits[0].body.options.register_session, null);
  const init = inits.at(-1);
  assert.equal(init.headers.authorization, undefined);
  assert.deepEqual(init.body, {
    client_id: world.emulator.creds.web.client_id, username,
    options: { register_session: inits.length === 1 ? null : inits.at(-2).answer.register_session, display_name: "Reg User" },
  });
  assert.equal(init.status, 200);
  const options = init.answer.attestation_payload;
  assert.match(options.credential_uuid, UUID);
  assert.equal(options.rp.id, "localhost");
  assert.equal(options.user.name, username);
  assert.equal(options.user.displayName, "Reg User");
  assert.ok(options.pubKeyCredParams.some((p) => p.type === "public-key" && p.alg === -7));
  assertSdkDecodable(options.challenge);
  assertSdkDecodable(options.user.id);
  assert.equal(typeof init.answer.register_session, "string");
  assert.equal(await device.page.evaluate(() => localStorage.getItem("register_session")),
    init.answer.register_session);

  const complete = (await device.exchanges("/register/fido2/complete")).at(-1);
  assert.equal(complete.body.attestation_payload.challenge, options.challenge);
  assert.equal(complete.body.attestation_payload.credential_uuid, options.credential_uuid);
  assert.equal(complete.body.attestation_payload.credential_id, answer.credentialId);
  const data = clientData(complete.body.attestation_payload.client_data);
  assert.equal(data.type, "webauthn.create");
  assert.equal(data.challenge, options.challenge);
  assert.equal(data.origin, world.site.origin);
  assert.equal(complete.body.no_jwt, false);
  assert.deepEqual(complete.body.options, { credential_name: "Test laptop" });
  assert.equal(result.credential.uuid, options.credential_uuid);

  // The service keeps the passkey; the authenticator holds it for rp "localhost" and this user.
  const stored = await world.backend.credentials(username);
  assert.deepEqual(stored.map((c) => [c.uuid, c.type, c.status, c.name]),
    [[result.credential.uuid, "fido2", "active", "Test laptop"]]);
  const [held] = await device.authenticator.credentials();
  assert.equal(held.rpId, "localhost");
  assert.equal(held.userName, username);
  assert.equal(Buffer.from(held.userHandle, "base64").toString("base64url"), options.user.id);

  // A second account with the same name is refused; the SDK surfaces only the code.
  const again = await (await world.device()).sdk("registerWithFido2", username);
  assert.equal(again.error.name, "LoginSDK-Error");
  assert.equal(again.error.code, "user_already_exists");
});

browserTest("a passkey whose id the SDK cannot echo is replaced: the user is registered again and logs in", async (world) => {
  // About 1 in 128 of Chromium's credential ids end in a way the SDK's decoder corrupts; the tests
  // then delete the account and register again. Here the first id counts as such, so that this path
  // runs every time.
  const device = await world.device();
  const username = uniqueName("redo");
  const seen = [];
  const answer = await device.register(username, {}, (id) => seen.push(id) === 1 || sdkCannotEcho(id));
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  assert.ok(seen.length >= 2);
  assert.equal(answer.credentialId, seen.at(-1).toString("base64url"));
  const held = await device.authenticator.credentials();
  assert.deepEqual(held.map((c) => Buffer.from(c.credentialId, "base64").toString("base64url")), [answer.credentialId]);
  const stored = await world.backend.credentials(username);
  assert.deepEqual(stored.map((c) => c.uuid), [answer.result.credential.uuid]);
  const login = await device.sdk("authenticateWithFido2", username);
  assert.equal(login.error, undefined, JSON.stringify(login.error));
  assert.equal(login.result.credential.uuid, answer.result.credential.uuid);
  // The second registration sent the register_session the first one answered (from localStorage).
  const [first, second] = await device.exchanges("/register/fido2/init");
  assert.equal(first.body.options.register_session, null);
  assert.equal(second.body.options.register_session, first.answer.register_session);
});

browserTest("registerWithFido2 with authorization_token: required when public init is off, and it sticks",
  { emulatorArgs: ["--public-init", "off"] }, async (world) => {
    const device = await world.device();
    const username = uniqueName("token");
    const refused = await device.sdk("registerWithFido2", username);
    assert.equal(refused.error.code, "unauthorized");
    const [first] = await device.exchanges("/register/fido2/init");
    assert.equal(first.status, 401);
    assert.match(first.answer.message, /token/i);

    let token;  // a fresh one per attempt: a token is single use (see makePasskey for retries)
    const answer = await device.makePasskey(() => {
      token = serviceToken(world.emulator.creds.web, "auth.register", { username });
      return device.sdk("registerWithFido2", username, { authorization_token: token });
    }, () => world.backend.deleteUser(username));
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    assertAuthenticated(answer.result, world, username);
    const init = (await device.exchanges("/register/fido2/init")).at(-1);
    assert.equal(init.headers.authorization, `Bearer ${token}`);
    // The SDK keeps the header for every later request (a module-wide object): the complete call
    // carries the used token too, and the emulator ignores it there (API.md, complete calls).
    const complete = (await device.exchanges("/register/fido2/complete")).at(-1);
    assert.equal(complete.headers.authorization, `Bearer ${token}`);
    assert.equal(complete.status, 200);
  });

browserTest("authenticateWithFido2: passkey login; LoginID::verify_token accepts the token Chromium's authenticator made",
  async (world) => {
    const device = await world.device();
    const username = uniqueName("login");
    const registered = await device.register(username);
    assert.equal(registered.error, undefined, JSON.stringify(registered.error));
    const countBefore = (await device.authenticator.credentials())[0].signCount;

    await device.page.reload();  // a fresh page: no SDK state carried over from the registration
    const answer = await device.sdk("authenticateWithFido2", username);
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    const claims = assertAuthenticated(answer.result, world, username);
    assert.equal(claims.action, "login");
    assert.equal(answer.result.credential.uuid, registered.result.credential.uuid);
    const cpp = await assertCppAccepts(world, answer.result.jwt, username);
    assert.equal(cpp.sub, registered.result.user.id);

    const init = (await device.exchanges("/authenticate/fido2/init")).at(-1);
    assert.deepEqual(init.body, { client_id: world.emulator.creds.web.client_id, username });
    const options = init.answer.assertion_payload;
    assertSdkDecodable(options.challenge);
    assert.equal(options.rpId, "localhost");
    assert.deepEqual(options.allowCredentials.map((c) => [c.id, c.type]), [[registered.credentialId, "public-key"]]);
    const complete = (await device.exchanges("/authenticate/fido2/complete")).at(-1);
    const sent = complete.body.assertion_payload;
    assert.equal(sent.challenge, options.challenge);
    assert.equal(sent.credential_id, registered.credentialId);
    const data = clientData(sent.client_data);
    assert.equal(data.type, "webauthn.get");
    assert.equal(data.challenge, options.challenge);
    assert.equal(data.origin, world.site.origin);
    // authenticatorData: rpIdHash, then flags UP and UV, then the counter the authenticator kept.
    const authData = Buffer.from(sent.authenticator_data, "base64url");
    assert.deepEqual(authData.subarray(0, 32), crypto.createHash("sha256").update("localhost").digest());
    assert.equal(authData[32] & 0x05, 0x05);
    assert.ok(authData.readUInt32BE(33) > countBefore);

    // A second login works too (the counter grows again), with no_jwt honoured.
    const quiet = await device.sdk("authenticateWithFido2", username, { no_jwt: true });
    assert.equal(quiet.error, undefined, JSON.stringify(quiet.error));
    assert.equal(quiet.result.is_authenticated, true);
    assert.equal(quiet.result.jwt, undefined);

    // An unknown user gets the service's not_found.
    const unknown = await device.sdk("authenticateWithFido2", uniqueName("nobody"));
    assert.equal(unknown.error.code, "not_found");
  });

browserTest("addFido2CredentialWithCode: a second device joins with a code the backend made", async (world) => {
  const laptop = await world.device();
  const phone = await world.device();
  const username = uniqueName("add");
  const registered = await laptop.register(username, { credential_name: "Laptop" });
  assert.equal(registered.error, undefined, JSON.stringify(registered.error));

  let code;
  const added = await phone.makePasskey(async () => {
    code = (await world.backend.generateCode(username, "add_credential")).code;
    return phone.sdk("addFido2CredentialWithCode", username, code, { credential_name: "Phone" });
  }, (answer) => world.backend.revokeCredential(username, answer.result.credential.uuid));
  assert.equal(added.error, undefined, JSON.stringify(added.error));
  assertAuthenticated(added.result, world, username);
  assert.equal(added.result.credential.type, "fido2");
  assert.equal(added.result.credential.name, "Phone");
  await assertCppAccepts(world, added.result.jwt, username);

  const init = (await phone.exchanges("/credentials/fido2/init/code")).at(-1);
  assert.deepEqual(init.body, {
    client_id: world.emulator.creds.web.client_id, username, authentication_code: { code, type: "short" },
  });
  // The laptop's passkey is excluded, so an authenticator cannot hold two for one account.
  assert.ok(init.answer.attestation_payload.excludeCredentials.some((c) => c.id === registered.credentialId));
  const active = (await world.backend.credentials(username)).filter((c) => c.status === "active");
  assert.deepEqual(active.map((c) => c.name).sort(), ["Laptop", "Phone"]);

  // Both devices log in, each with its own passkey.
  for (const [device, expected] of [[phone, added.result.credential.uuid], [laptop, registered.result.credential.uuid]]) {
    const login = await device.sdk("authenticateWithFido2", username);
    assert.equal(login.error, undefined, JSON.stringify(login.error));
    assert.equal(login.result.credential.uuid, expected);
  }

  // The code was single use.
  const tablet = await world.device();
  const reused = await tablet.sdk("addFido2CredentialWithCode", username, code);
  assert.equal(reused.error.code, "code_invalid");
});

browserTest("selfGenerateCode: a logged-in device makes codes with its passkey, for a new device and a one-time login",
  async (world) => {
    const laptop = await world.device();
    const username = uniqueName("self");
    const registered = await laptop.register(username);
    assert.equal(registered.error, undefined, JSON.stringify(registered.error));

    // add_credential: the phone gets its own passkey with the code.
    const phone = await world.device();
    let generated;
    const added = await phone.makePasskey(async () => {
      generated = await laptop.sdk("selfGenerateCode", username, "short", "add_credential");
      assert.equal(generated.error, undefined, JSON.stringify(generated.error));
      return phone.sdk("addFido2CredentialWithCode", username, generated.result.code_data.code);
    }, (answer) => world.backend.revokeCredential(username, answer.result.credential.uuid));
    assert.equal(added.error, undefined, JSON.stringify(added.error));
    assertAuthenticated(added.result, world, username);
    const { code_data: codeData } = generated.result;
    assert.match(codeData.code, /^\d{6}$/);
    assert.equal(codeData.is_authorized, true);
    assert.ok(Date.parse(codeData.expire_at) > Date.now(), `expire_at ${codeData.expire_at}`);
    assert.equal(generated.result.is_authenticated, true);
    assert.equal(generated.result.user.username, username);

    const init = (await laptop.exchanges("/codes/short/generate/fido2/init")).at(-1);
    assert.deepEqual(init.body, { client_id: world.emulator.creds.web.client_id, username, purpose: "add_credential" });
    assertSdkDecodable(init.answer.assertion_payload.challenge);
    const complete = (await laptop.exchanges("/codes/short/generate/fido2/complete")).at(-1);
    assert.equal(complete.body.assertion_payload.challenge, init.answer.assertion_payload.challenge);
    assert.equal(complete.body.assertion_payload.credential_id, registered.credentialId);

    // temporary_authentication: a device without any passkey logs in once with the code.
    const kiosk = await world.device({ authenticator: null });
    const once = await laptop.sdk("selfGenerateCode", username, "long", "temporary_authentication");
    assert.equal(once.error, undefined, JSON.stringify(once.error));
    assert.match(once.result.code_data.code, /^[A-Za-z0-9]{16}$/);
    const login = await kiosk.sdk("authenticateCodeWait", username, once.result.code_data.code, "long");
    assert.equal(login.error, undefined, JSON.stringify(login.error));
    assertAuthenticated(login.result, world, username);
    await assertCppAccepts(world, login.result.jwt, username);
  });

browserTest("authenticateCodeWait: the page waits until the backend authorizes the code, then gets a token", async (world) => {
  const device = await world.device({ authenticator: null });
  const username = uniqueName("wait");
  const user = await world.backend.manage("POST", "/manage/users", "users.create", { username });
  const { code } = await world.backend.manage("POST", "/codes/short/generate", "codes.generate",
    { username, purpose: "temporary_authentication", authorize: false });

  const waiting = device.sdk("authenticateCodeWait", username, code, "short");
  // Authorize only once the page's long poll is parked at the emulator.
  for (let i = 0; i < 200; i++) {
    const health = await world.backend.admin("GET", "/health");
    if (health.waiters > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await world.backend.manage("POST", "/codes/short/authorize", "codes.authorize",
    { username, code, purpose: "temporary_authentication" });
  const answer = await waiting;
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  assertAuthenticated(answer.result, world, username);
  assert.equal(answer.result.user.id, user.id);
  await assertCppAccepts(world, answer.result.jwt, username);

  const [exchange] = await device.exchanges("/authenticate/code/wait");
  assert.deepEqual(exchange.body, {
    client_id: world.emulator.creds.web.client_id, username, authentication_code: { code, type: "short" },
    no_wait: false, no_jwt: false,
  });
  // Used: a second wait with the same code is refused.
  const again = await device.sdk("authenticateCodeWait", username, code, "short");
  assert.equal(again.error.code, "code_invalid");
});

browserTest("createAndConfirmTransaction: the passkey signs the tx hash; LoginID::verify_transaction accepts the token",
  async (world) => {
    const device = await world.device();
    const username = uniqueName("pay");
    const registered = await device.register(username);
    assert.equal(registered.error, undefined, JSON.stringify(registered.error));

    const txPayload = "Pay 25.00 EUR to Bob's Bikes";
    const token = txAuthToken(world.emulator.creds.web, txPayload);
    const answer = await device.sdk("createAndConfirmTransaction", username, txPayload, { authorization_token: token });
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    assert.equal(answer.result.success, true);
    const verdict = await world.verifyWithCpp("tx", answer.result.jwt, txPayload);
    assert.equal(verdict.ok, true, `LoginID::verify_transaction refused: ${verdict.reason}`);
    assert.equal(verdict.claims.sub, registered.result.user.id);
    const tampered = await world.verifyWithCpp("tx", answer.result.jwt, "Pay 9999.00 EUR to Mallory");
    assert.equal(tampered.ok, false);
    assert.match(tampered.reason, /hash/);

    // The WebAuthn challenge is the transaction hash: the authenticator signed exactly what the
    // backend recomputes from its own payload.
    const created = await device.exchange("/api/tx");
    assert.equal(created.headers.authorization, `Bearer ${token}`);
    assert.deepEqual(Object.keys(created.body).sort(), ["client_id", "nonce", "tx_payload"]);
    assert.equal(created.body.tx_payload, txPayload);
    const init = await device.exchange("/api/tx/init");
    assert.deepEqual(init.body, { client_id: world.emulator.creds.web.client_id, username, tx_id: created.answer.id });
    const challenge = init.answer.assertion_options.challenge;
    assertSdkDecodable(challenge);
    const claims = decodeJwt(answer.result.jwt).payload;
    assert.equal(claims.nonce, created.body.nonce);
    assert.equal(challenge, claims.tx_hash);
    assert.equal(claims.tx_hash, b64url(crypto.createHash("sha256")
      .update(txPayload + claims.nonce + claims.server_nonce).digest()));
    const complete = await device.exchange("/api/tx/complete");
    assert.equal(complete.body.key_handle, registered.credentialId);
    assert.equal(clientData(complete.body.client_data).challenge, claims.tx_hash);
  });

browserTest("confirmTransaction: the user confirms a transaction the backend created", async (world) => {
  const device = await world.device();
  const username = uniqueName("confirm");
  const registered = await device.register(username);
  assert.equal(registered.error, undefined, JSON.stringify(registered.error));

  const txPayload = "Transfer 120.00 EUR to savings";
  const web = world.emulator.creds.web;
  const created = await call(world.emulator.baseURL, "POST", "/tx",
    { client_id: web.client_id, tx_payload: txPayload, nonce: "backendNonce0001", username },
    { Authorization: `Bearer ${txAuthToken(web, txPayload)}`, "X-Client-ID": web.client_id });
  assert.equal(created.status, 200, created.text);

  const answer = await device.sdk("confirmTransaction", username, created.json.id);
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  assert.equal(answer.result.success, true);
  const verdict = await world.verifyWithCpp("tx", answer.result.jwt, txPayload);
  assert.equal(verdict.ok, true, `LoginID::verify_transaction refused: ${verdict.reason}`);
  assert.equal(verdict.claims.nonce, "backendNonce0001");
  assert.equal(verdict.claims.sub, registered.result.user.id);
  const init = await device.exchange("/api/tx/init");
  assert.equal(init.headers.authorization, undefined);  // nothing sticky on a fresh page
});

browserTest("registerWithPassword / authenticateWithPassword: with the backend's tokens; LoginID::verify_token accepts the result",
  async (world) => {
    const device = await world.device({ authenticator: null });
    const web = world.emulator.creds.web;
    const username = uniqueName("pw");
    const password = "correct horse battery staple 42";
    const registerToken = () => ({ authorization_token: serviceToken(web, "auth.register", { username }) });
    const loginToken = () => ({ authorization_token: serviceToken(web, "auth.login", { username }) });

    const mismatch = await device.sdk("registerWithPassword", username, password, `${password}!`, registerToken());
    assert.equal(mismatch.error.code, "password_mismatch");
    const weak = await device.sdk("registerWithPassword", username, "password", "password", registerToken());
    assert.equal(weak.error.code, "password_too_weak");
    assert.match((await device.exchanges("/register/password")).at(-1).answer.message, /common_password/);

    const token = registerToken();
    const registered = await device.sdk("registerWithPassword", username, password, password, { ...token });
    assert.equal(registered.error, undefined, JSON.stringify(registered.error));
    assert.equal(assertAuthenticated(registered.result, world, username).action, "register");
    await assertCppAccepts(world, registered.result.jwt, username);
    const sent = (await device.exchanges("/register/password")).at(-1);
    assert.equal(sent.headers.authorization, `Bearer ${token.authorization_token}`);
    assert.deepEqual(sent.body, {
      client_id: web.client_id, username, password, password_confirmation: password, no_jwt: false,
    });

    const login = await device.sdk("authenticateWithPassword", username, password, loginToken());
    assert.equal(login.error, undefined, JSON.stringify(login.error));
    assert.equal(assertAuthenticated(login.result, world, username).action, "login");
    const cpp = await assertCppAccepts(world, login.result.jwt, username);
    assert.equal(cpp.sub, registered.result.user.id);

    const wrong = await device.sdk("authenticateWithPassword", username, "not the password at all", loginToken());
    assert.equal(wrong.error.code, "credential_invalid");
    assert.match((await device.exchanges("/authenticate/password")).at(-1).answer.message, /wrong username or password/);
    // The token is what allows these calls from a page: the used (sticky) one is not enough.
    const noToken = await device.sdk("authenticateWithPassword", username, password);
    assert.equal(noToken.error.code, "unauthorized");
    // The emulator's log never holds a password.
    assert.ok(!world.emulator.log().includes(password));
  });
