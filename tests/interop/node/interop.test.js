// Drives every function of the published LoginID Node server SDK (@loginid/node-sdk 0.8.3, classes
// LoginId and LoginIdManagement) against a live loginid-emulator and checks the values it gets back.
//
//   LOGINID_EMULATOR_CREDENTIALS=<the emulator credentials file> node --test interop.test.js
//
// The credentials file is the one the emulator writes on first start (docs/emulator.md): base_url and
// the default web and management applications' client ids and private keys. run_interop.sh starts a
// fresh emulator and runs this file; ctest runs run_interop.sh (label `interop`).
//
// Where the SDK lacks the end user's side of a flow (it has no waitCode, and a person confirms a
// transaction), the test plays that side with plain HTTP: POST /authenticate/code/wait as the web
// SDK would, and the emulator's admin API (POST /emulator/tx/{id}/confirm) as the user would.
//
// Tests run in file order and share one emulator. Order matters once: the SDK keeps its request
// headers in one module-wide object that every call merges into (utils/http.js,
// Object.assign(defaultHeaders, headers)), so an X-Client-ID set by one client object stays on the
// next request of another; see the last test.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const fs = require("node:fs");

const { LoginId, LoginIdManagement } = require("@loginid/node-sdk");
const { SDKError } = require("@loginid/node-sdk/errors");

const credentialsPath = process.env.LOGINID_EMULATOR_CREDENTIALS;
if (!credentialsPath) {
  console.error("LOGINID_EMULATOR_CREDENTIALS must name the emulator's credentials file");
  process.exit(2);
}
const creds = JSON.parse(fs.readFileSync(credentialsPath, "utf8"));
const baseURL = creds.base_url;
const web = new LoginId(creds.web.client_id, creds.web.private_key, baseURL);
const mgmt = new LoginIdManagement(creds.management.client_id, creds.management.private_key, baseURL);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Identifiers shaped like LoginID's (API.md): namespace ids of 16 hex digits, client ids of 88
// base64url characters ending in "==".
const NAMESPACE_ID = /^[0-9a-f]{16}$/;
const CLIENT_ID = /^[A-Za-z0-9_-]{86}==$/;
const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const NONCE16 = /^[A-Za-z0-9]{16}$/;

// ---- helpers: plain HTTP (Node's own fetch, not the SDK's node-fetch, so no header sharing) ----

async function call(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(baseURL + path, init);
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (a PEM, an empty 204)
  }
  return { status: response.status, text, json };
}

async function admin(method, path, body) {
  const reply = await call(method, path, body);
  assert.ok(reply.status >= 200 && reply.status < 300, `${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.json;
}

const b64url = (buffer) => Buffer.from(buffer).toString("base64url");

function decodeJwt(token) {
  const [header, payload, signature] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")),
    signature,
  };
}

/** ES256 check of a compact JWS with Node's crypto (independent of the SDK's jsrsasign). */
function es256Verifies(token, publicKeyPem) {
  const [header, payload, signature] = token.split(".");
  return crypto.verify(
    "sha256",
    Buffer.from(`${header}.${payload}`),
    { key: publicKeyPem, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
}

function signEs256(header, payload, privateKeyPem) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = crypto.sign("sha256", Buffer.from(input), { key: privateKeyPem, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(signature)}`;
}

/** The token with one signature character changed (in the middle: the last one may be padding bits). */
function tamperSignature(token) {
  const parts = token.split(".");
  const sig = parts[2];
  const i = 20;
  parts[2] = sig.slice(0, i) + (sig[i] === "A" ? "B" : "A") + sig.slice(i + 1);
  return parts.join(".");
}

/** The token with its payload re-encoded after `change`, the original signature kept. */
function tamperPayload(token, change) {
  const parts = token.split(".");
  const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  change(payload);
  parts[1] = b64url(JSON.stringify(payload));
  return parts.join(".");
}

/** Asserts that `promise` rejects with the SDK's error carrying the emulator's code (and message). */
async function rejectsWith(promise, code, messagePattern) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof SDKError, `expected SDKError, got ${err && err.stack}`);
    assert.equal(err.code, code, `code of "${err.message}"`);
    assert.equal(typeof err.message, "string");
    assert.ok(err.message.length > 0, "the message is not empty");
    if (messagePattern) assert.match(err.message, messagePattern);
    return true;
  });
}

const applications = async () => (await admin("GET", "/emulator/applications")).applications;
const publicKeyOf = async (clientId) => (await applications()).find((a) => a.client_id === clientId).public_key;

let sequence = 0;
const uniqueName = (stem) => `${stem}-${process.pid}-${++sequence}@example.com`;

/** The end user's side of a code login, as the web SDK does it (the Node SDK has no waitCode). */
async function waitCode(username, code, type) {
  return call("POST", "/authenticate/code/wait", {
    client_id: creds.web.client_id,
    username,
    authentication_code: { code, type },
  });
}

/** A user token the emulator issued through a code login: generateCode + authorizeCode + wait. */
async function loginWithCode(username, userId) {
  const generated = await mgmt.generateCode(userId, "short", "temporary_authentication", false);
  await mgmt.authorizeCode(userId, generated.code, "short", "temporary_authentication");
  const answer = await waitCode(username, generated.code, "short");
  assert.equal(answer.status, 200, answer.text);
  return answer.json.jwt;
}

// ---- LoginId: tokens the SDK makes ----

test("generateServiceToken: ES256 token with the API.md claims, signed by the application's key", async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = mgmt.generateServiceToken("users.retrieve");
  const { header, payload } = decodeJwt(token);
  assert.deepEqual(header, { alg: "ES256", typ: "JWT" });
  assert.deepEqual(Object.keys(payload).sort(), ["client_id", "iat", "nonce", "type"]);
  assert.equal(payload.client_id, creds.management.client_id);
  assert.equal(payload.type, "users.retrieve");
  assert.match(payload.nonce, NONCE16);
  assert.ok(Math.abs(payload.iat - now) <= 5, `iat ${payload.iat} vs now ${now}`);
  assert.ok(es256Verifies(token, await publicKeyOf(creds.management.client_id)));

  // username wins over user_id (the SDK's rule); user_id alone; an explicit nonce.
  const withBoth = decodeJwt(mgmt.generateServiceToken("users.create", undefined, "ann", "an-id", "fixedNonce123")).payload;
  assert.equal(withBoth.username, "ann");
  assert.equal(withBoth.user_id, undefined);
  assert.equal(withBoth.nonce, "fixedNonce123");
  const withId = decodeJwt(mgmt.generateServiceToken("users.create", "ES256", undefined, "an-id")).payload;
  assert.equal(withId.user_id, "an-id");
  assert.equal(withId.username, undefined);
});

test("generateServiceToken: the emulator accepts the token once, for its scope only", async () => {
  const username = uniqueName("svc");
  const created = await mgmt.addUserWithoutCredentials(username);
  const headers = (token) => ({ Authorization: `Bearer ${token}`, "X-Client-ID": creds.management.client_id });

  const token = mgmt.generateServiceToken("users.retrieve", undefined, username);  // extra username claim is fine
  const first = await call("POST", "/manage/users/retrieve", { username }, headers(token));
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.id, created.id);
  const replay = await call("POST", "/manage/users/retrieve", { username }, headers(token));
  assert.equal(replay.status, 401);
  assert.equal(replay.json.code, "unauthorized");
  assert.match(replay.json.message, /replay/);

  const otherScope = await call("POST", "/manage/users/retrieve", { username },
    headers(mgmt.generateServiceToken("users.create")));
  assert.equal(otherScope.status, 403);
  assert.equal(otherScope.json.code, "forbidden");
});

test("generateTxAuthToken: tx.create token with payload_hash, accepted by POST /tx", async () => {
  const txPayload = "Pay 10.00 EUR to ACME";
  const token = web.generateTxAuthToken(txPayload, "bob", "txNonce");
  const { header, payload } = decodeJwt(token);
  assert.deepEqual(header, { alg: "ES256", typ: "JWT" });
  assert.equal(payload.type, "tx.create");
  assert.equal(payload.client_id, creds.web.client_id);
  assert.equal(payload.username, "bob");
  assert.equal(payload.nonce, "txNonce");
  assert.equal(payload.payload_hash, b64url(crypto.createHash("sha256").update(txPayload).digest()));
  assert.ok(es256Verifies(token, await publicKeyOf(creds.web.client_id)));

  // The body's nonce need not be the token's: createTx itself sends two different ones.
  const fresh = web.generateTxAuthToken(txPayload);
  const headers = { Authorization: `Bearer ${fresh}`, "X-Client-ID": creds.web.client_id };
  const created = await call("POST", "/tx",
    { client_id: creds.web.client_id, tx_type: "text", tx_payload: txPayload, nonce: "bodyNonce" }, headers);
  assert.equal(created.status, 200, created.text);
  assert.match(created.json.id, UUID);
  // The payload_hash binds the token to its payload.
  const other = await call("POST", "/tx",
    { client_id: creds.web.client_id, tx_payload: "Pay 9999.00 EUR to ACME", nonce: "bodyNonce" },
    { Authorization: `Bearer ${web.generateTxAuthToken(txPayload)}`, "X-Client-ID": creds.web.client_id });
  assert.equal(other.status, 401);
  assert.equal(other.json.code, "unauthorized");
  assert.match(other.json.message, /payload_hash/);
});

// ---- LoginIdManagement: users ----

test("addUserWithoutCredentials / getUserId: user shape, case-insensitive lookup, 409 and 404", async () => {
  const username = uniqueName("Alice");
  const user = await mgmt.addUserWithoutCredentials(username);
  assert.deepEqual(Object.keys(user).sort(), [
    "client_id", "contacts", "created_at", "id", "namespace_id", "status", "type", "updated_at", "username",
  ]);
  assert.match(user.id, UUID);
  assert.match(user.namespace_id, NAMESPACE_ID);
  assert.equal(user.client_id, creds.management.client_id);
  assert.match(user.client_id, CLIENT_ID);
  assert.equal(user.type, "user");
  assert.deepEqual(user.contacts, []);
  assert.equal(user.username, username);
  assert.equal(user.status, "active");
  assert.match(user.created_at, RFC3339_MS);
  assert.match(user.updated_at, RFC3339_MS);

  assert.equal(await mgmt.getUserId(username), user.id);
  assert.equal(await mgmt.getUserId(username.toUpperCase()), user.id);
  await rejectsWith(mgmt.addUserWithoutCredentials(username.toLowerCase()), "user_already_exists");
  await rejectsWith(mgmt.getUserId(uniqueName("nobody")), "not_found", /user not found/);
  await rejectsWith(mgmt.addUserWithoutCredentials(""), "bad_request", /username/);
});

test("deactivateUserById / activateUserById: status changes and a deactivated user cannot log in", async () => {
  const username = uniqueName("dora");
  const { id } = await mgmt.addUserWithoutCredentials(username);
  const deactivated = await mgmt.deactivateUserById(id);
  assert.equal(deactivated.id, id);
  assert.equal(deactivated.username, username);
  assert.equal(deactivated.status, "inactive");

  const code = await mgmt.generateCode(id, "short", "temporary_authentication", true);
  const refused = await waitCode(username, code.code, "short");
  assert.equal(refused.status, 403);
  assert.equal(refused.json.code, "user_inactive");

  const activated = await mgmt.activateUserById(id);
  assert.equal(activated.status, "active");
  assert.equal(activated.id, id);
  assert.ok(activated.updated_at >= deactivated.updated_at);

  await rejectsWith(mgmt.activateUserById("not-a-uuid"), "bad_request", /user_id: not a UUID/);
  await rejectsWith(mgmt.deactivateUserById(crypto.randomUUID()), "not_found");
});

test("deleteUserById / deleteUserByUsername: the user, its codes and credentials are gone", async () => {
  const byId = uniqueName("del-id");
  const first = await mgmt.addUserWithoutCredentials(byId);
  await admin("POST", `/emulator/users/${first.id}/credentials`, { name: "Key" });
  await mgmt.generateCode(first.id, "long", "add_credential", false);
  assert.equal(await mgmt.deleteUserById(first.id), undefined);  // 204: the SDK resolves with nothing
  await rejectsWith(mgmt.getUserId(byId), "not_found");
  assert.deepEqual((await admin("GET", `/emulator/credentials?user_id=${first.id}`)).credentials, []);
  assert.deepEqual((await admin("GET", `/emulator/codes?user_id=${first.id}`)).codes, []);
  await rejectsWith(mgmt.deleteUserById(first.id), "not_found");

  const byName = uniqueName("Del-Name");
  const second = await mgmt.addUserWithoutCredentials(byName);
  assert.equal(await mgmt.deleteUserByUsername(byName.toUpperCase()), undefined);
  await rejectsWith(mgmt.getUserId(byName), "not_found");
  const users = (await admin("GET", "/emulator/users")).users;
  assert.ok(!users.some((u) => u.id === second.id));
  await rejectsWith(mgmt.deleteUserByUsername(byName), "not_found");
});

// ---- LoginIdManagement: codes, and LoginId.verifyToken on the token a code login yields ----

test("generateCode: short, long and phrase codes, pre-authorized or not", async () => {
  const { id } = await mgmt.addUserWithoutCredentials(uniqueName("codes"));
  const shapes = { short: /^[0-9]{6}$/, long: /^[A-Za-z0-9]{16}$/, phrase: /^[a-z]+(-[a-z]+){3}$/ };
  for (const [type, shape] of Object.entries(shapes)) {
    const code = await mgmt.generateCode(id, type, "temporary_authentication", false);
    assert.deepEqual(Object.keys(code).sort(), ["code", "expires_at", "is_authorized"]);
    assert.match(code.code, shape);
    assert.equal(code.is_authorized, false);
    assert.match(code.expires_at, RFC3339_MS);
    const expiresIn = Date.parse(code.expires_at) - Date.now();
    assert.ok(expiresIn > 200_000 && expiresIn <= 301_000, `expires in ${expiresIn} ms (default 300 s)`);
  }
  const pre = await mgmt.generateCode(id, "short", "add_credential", true);
  assert.equal(pre.is_authorized, true);

  await rejectsWith(mgmt.generateCode(id, "medium", "temporary_authentication", false), "invalid_code_type");
  await rejectsWith(mgmt.generateCode(id, "short", "world_domination", false), "bad_request", /purpose/);
  await rejectsWith(mgmt.generateCode(crypto.randomUUID(), "short", "temporary_authentication", false), "not_found");
});

test("authorizeCode + wait: a code login yields a user token that verifyToken accepts", async () => {
  const username = uniqueName("carol");
  const { id } = await mgmt.addUserWithoutCredentials(username);
  const generated = await mgmt.generateCode(id, "short", "temporary_authentication", false);
  const authorized = await mgmt.authorizeCode(id, generated.code, "short", "temporary_authentication");
  assert.deepEqual(authorized, { expires_at: generated.expires_at, is_authorized: true });

  const answer = await waitCode(username, generated.code, "short");
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.json.is_authenticated, true);
  assert.deepEqual(answer.json.user, { id, username, namespace_id: answer.json.user.namespace_id });
  const jwt = answer.json.jwt;
  const { header, payload } = decodeJwt(jwt);
  assert.equal(header.alg, "ES256");
  assert.match(header.kid, UUID);
  assert.equal(payload.sub, id);
  assert.equal(payload.udata, username);
  assert.equal(payload.aud, creds.web.client_id);
  assert.equal(payload.iss, "loginid.io");
  assert.equal(payload.exp, undefined, "LoginID's user tokens carry no exp");

  assert.equal(await web.verifyToken(jwt), true);
  assert.equal(await web.verifyToken(jwt, username), true);
  assert.equal(await mgmt.verifyToken(jwt, username), true);  // LoginIdManagement inherits it
  assert.equal(await web.verifyToken(jwt, "someone-else@example.com"), false);

  // The code is single use: authorizing it again is code_invalid.
  await rejectsWith(mgmt.authorizeCode(id, generated.code, "short", "temporary_authentication"), "code_invalid");
  await rejectsWith(mgmt.authorizeCode(id, "000000", "short", "temporary_authentication"), "code_invalid");
});

test("verifyToken: tampered, foreign-key and unknown-kid tokens are refused", async () => {
  const username = uniqueName("erin");
  const { id } = await mgmt.addUserWithoutCredentials(username);
  const jwt = await loginWithCode(username, id);
  assert.equal(await web.verifyToken(jwt), true);

  assert.equal(await web.verifyToken(tamperSignature(jwt)), false);
  assert.equal(await web.verifyToken(tamperPayload(jwt, (p) => { p.udata = "mallory@example.com"; })), false);
  assert.equal(await web.verifyToken(tamperPayload(jwt, (p) => { p.sub = crypto.randomUUID(); }), username), false);

  // Signed by another key (the web application's own) under the emulator's kid: the signature fails.
  const { header, payload } = decodeJwt(jwt);
  assert.equal(await web.verifyToken(signEs256(header, payload, creds.web.private_key)), false);
  // An unknown kid: /certs answers 404 {code:not_found}, which the SDK raises.
  await rejectsWith(web.verifyToken(signEs256({ ...header, kid: crypto.randomUUID() }, payload,
    creds.web.private_key)), "not_found", /kid/);
  // Not ES256: refused by the SDK itself before any request.
  await rejectsWith(web.verifyToken(signEs256({ ...header, alg: "RS256" }, payload, creds.web.private_key)),
    "unsupported_algorithm");
});

test("verifyToken: tokens issued before a signing-key rotation still verify", async () => {
  const username = uniqueName("rot");
  const { id } = await mgmt.addUserWithoutCredentials(username);
  const before = await loginWithCode(username, id);
  const { kid } = await admin("POST", "/emulator/keys/rotate");
  const after = await loginWithCode(username, id);
  assert.notEqual(decodeJwt(before).header.kid, kid);
  assert.equal(decodeJwt(after).header.kid, kid);
  assert.equal(await web.verifyToken(before, username), true);
  assert.equal(await web.verifyToken(after, username), true);
});

test("invalidateAllCodes: every live code of that type and purpose is gone", async () => {
  const { id } = await mgmt.addUserWithoutCredentials(uniqueName("inval"));
  const a = await mgmt.generateCode(id, "short", "temporary_authentication", false);
  const b = await mgmt.generateCode(id, "short", "temporary_authentication", false);
  const keep = await mgmt.generateCode(id, "long", "temporary_authentication", false);

  const before = Date.now();
  const answer = await mgmt.invalidateAllCodes(id, "short", "temporary_authentication");
  assert.deepEqual(Object.keys(answer), ["deleted_at"]);
  assert.match(answer.deleted_at, RFC3339_MS);
  assert.ok(Math.abs(Date.parse(answer.deleted_at) - before) < 5000);

  const left = (await admin("GET", `/emulator/codes?user_id=${id}`)).codes;
  assert.deepEqual(left.map((c) => c.code), [keep.code]);
  for (const code of [a.code, b.code]) {
    await rejectsWith(mgmt.authorizeCode(id, code, "short", "temporary_authentication"), "code_invalid");
  }
  const kept = await mgmt.authorizeCode(id, keep.code, "long", "temporary_authentication");
  assert.equal(kept.is_authorized, true);
  await rejectsWith(mgmt.invalidateAllCodes(id, "medium", "temporary_authentication"), "invalid_code_type");
});

// ---- LoginIdManagement: credentials ----

test("getCredentials / renameCredential / revokeCredential", async () => {
  const { id } = await mgmt.addUserWithoutCredentials(uniqueName("frank"));
  assert.deepEqual(await mgmt.getCredentials(id), { user_id: id, credentials: [] });

  // The end user registers a FIDO2 key (a browser's job; the emulator's admin API acts it out).
  const added = await admin("POST", `/emulator/users/${id}/credentials`, { name: "YubiKey" });
  const listed = await mgmt.getCredentials(id);  // GET /credentials?user_id=
  assert.equal(listed.user_id, id);
  assert.equal(listed.credentials.length, 1);
  const [credential] = listed.credentials;
  assert.deepEqual(Object.keys(credential).sort(), ["created_at", "name", "status", "type", "updated_at", "uuid"]);
  assert.equal(credential.uuid, added.uuid);
  assert.equal(credential.type, "fido2");
  assert.equal(credential.status, "active");
  assert.equal(credential.name, "YubiKey");

  const renamed = await mgmt.renameCredential(id, added.uuid, "Office key");
  assert.equal(renamed.user_id, id);
  assert.equal(renamed.credential.uuid, added.uuid);
  assert.equal(renamed.credential.name, "Office key");
  assert.equal(renamed.credential.status, "active");

  const revoked = await mgmt.revokeCredential(id, added.uuid);
  assert.equal(revoked.user_id, id);
  assert.equal(revoked.credential.uuid, added.uuid);
  assert.equal(revoked.credential.status, "revoked");
  assert.equal(revoked.credential.name, "Office key");
  const after = await mgmt.getCredentials(id);
  assert.deepEqual(after.credentials.map((c) => [c.uuid, c.status, c.name]), [[added.uuid, "revoked", "Office key"]]);

  await rejectsWith(mgmt.renameCredential(id, crypto.randomUUID(), "x"), "not_found", /credential not found/);
  await rejectsWith(mgmt.revokeCredential(id, "not-a-uuid"), "bad_request", /credential\.uuid/);
  await rejectsWith(mgmt.renameCredential(id, added.uuid, ""), "bad_request", /credential\.name/);
  await rejectsWith(mgmt.getCredentials(crypto.randomUUID()), "not_found", /user not found/);
  await rejectsWith(mgmt.getCredentials("not-a-uuid"), "bad_request", /user_id: not a UUID/);
});

test("namespaces: a management application of another namespace sees none of these users", async () => {
  const { id } = await mgmt.addUserWithoutCredentials(uniqueName("ns"));
  const ns = await admin("POST", "/emulator/namespaces", { name: "interop-other" });
  const app = await admin("POST", "/emulator/applications", { type: "management", namespace_id: ns.id });
  const foreign = new LoginIdManagement(app.client_id, app.private_key, baseURL);
  // Only calls that send their own X-Client-ID here (see the header note at the top of this file).
  await rejectsWith(foreign.getCredentials(id), "not_found", /user not found/);
  await rejectsWith(foreign.deactivateUserById(id), "not_found");
  await rejectsWith(foreign.deleteUserById(id), "not_found");
  assert.equal((await mgmt.activateUserById(id)).status, "active");  // untouched; X-Client-ID back to mgmt
});

// initAddCredentialWithoutCode: the FIDO2 force init. The answer is the WebAuthn creation options a
// page hands to navigator.credentials.create (API.md "FIDO2 / WebAuthn"); the credential exists only
// once a page completes it, so nothing is created here.
test("initAddCredentialWithoutCode: creation options for the user's new passkey", async () => {
  const { id } = await mgmt.addUserWithoutCredentials(uniqueName("fido"));
  const { attestation_payload: options } = await mgmt.initAddCredentialWithoutCode(id);
  assert.match(options.credential_uuid, UUID);
  assert.equal(Buffer.from(options.challenge, "base64url").length, 32);
  assert.equal(options.rp.id, "localhost");
  assert.equal(Buffer.from(options.user.id, "base64url").toString(), id);  // the user handle is the user id
  assert.equal(options.pubKeyCredParams[0].alg, -7);
  assert.equal(options.authenticatorSelection.userVerification, "required");
  assert.deepEqual(options.excludeCredentials, []);
  await rejectsWith(mgmt.initAddCredentialWithoutCode(crypto.randomUUID()), "not_found", /user not found/);
  assert.deepEqual((await mgmt.getCredentials(id)).credentials, []);  // nothing was half-created
});

// Document scan is not emulated: after the usual token, scope, user and namespace checks the
// emulator answers 501 {"code":"not_implemented"}; never another 5xx, never a hang.
test("initDocScan / evaluateDocScan / completeDocScan: 501 not_implemented (document scan is not emulated)", async () => {
  const username = uniqueName("docscan");
  const { id } = await mgmt.addUserWithoutCredentials(username);
  const credential = await admin("POST", `/emulator/users/${id}/credentials`, { name: "Key" });
  // The AuthID flow has a person scan an identity document in an iFrame of AuthID's; nothing in
  // the emulator can stand in for that, so init, evaluate and complete answer 501 not_implemented
  // (after the usual checks), with a message that says so.
  await rejectsWith(mgmt.initDocScan(username), "not_implemented", /document scan \(AuthID\) is not emulated/);
  await rejectsWith(mgmt.evaluateDocScan(id, credential.uuid), "not_implemented", /not emulated/);
  await rejectsWith(mgmt.completeDocScan(id, credential.uuid, true), "not_implemented", /not emulated/);
  await rejectsWith(mgmt.completeDocScan(id, crypto.randomUUID()), "not_found", /credential not found/);
  await rejectsWith(mgmt.initDocScan(uniqueName("nobody")), "not_found", /user not found/);
  const [unchanged] = (await mgmt.getCredentials(id)).credentials;
  assert.equal(unchanged.status, "active");
});

// ---- Functions the Node SDK lacks (password login, recovery codes, public-key login), called the way
// a backend with this SDK does: a service token from generateServiceToken, the request by hand ----

const withToken = (client, scope) => ({ Authorization: `Bearer ${client.generateServiceToken(scope)}` });

test("register / authenticate with a password using generateServiceToken; verifyToken accepts the token", async () => {
  const username = uniqueName("pat");
  const password = "a passphrase long enough";
  const body = { client_id: creds.web.client_id, username, password, password_confirmation: password };
  const registered = await call("POST", "/register/password", body, withToken(web, "auth.register"));
  assert.equal(registered.status, 200, registered.text);
  assert.equal(registered.json.credential.type, "password");
  assert.equal(await web.verifyToken(registered.json.jwt, username), true);

  const login = (name, pw) =>
    call("POST", "/authenticate/password", { client_id: creds.web.client_id, username: name, password: pw },
         withToken(web, "auth.login"));
  const ok = await login(username, password);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(await web.verifyToken(ok.json.jwt, username), true);
  assert.equal(decodeJwt(ok.json.jwt).payload.action, "login");

  // Wrong password and unknown user: the same answer.
  const wrong = await login(username, "not it at all");
  const unknown = await login(uniqueName("nobody"), "not it at all");
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.json, unknown.json);
  assert.equal(wrong.json.code, "credential_invalid");
  assert.equal(wrong.text.includes("not it at all"), false, "the password is never echoed");

  const weak = await call("POST", "/register/password",
                          { ...body, username: uniqueName("weak"), password: "password1", password_confirmation: "password1" },
                          withToken(web, "auth.register"));
  assert.equal(weak.status, 400);
  assert.equal(weak.json.code, "password_too_weak");
  assert.match(weak.json.message, /common_password/);
  const mismatch = await call("POST", "/register/password",
                              { ...body, username: uniqueName("typo"), password_confirmation: password + "!" },
                              withToken(web, "auth.register"));
  assert.equal(mismatch.json.code, "password_mismatch");
});

test("generate a recovery code using generateServiceToken (credentials.add_recovery)", async () => {
  const username = uniqueName("rory");
  const { id } = await mgmt.addUserWithoutCredentials(username);
  const reply = await call("POST", "/credentials/recovery-code", { client_id: creds.management.client_id, user_id: id },
                           { ...withToken(mgmt, "credentials.add_recovery"), "X-Client-ID": creds.management.client_id });
  assert.equal(reply.status, 200, reply.text);
  assert.deepEqual(Object.keys(reply.json).sort(), ["code", "created_at"]);
  assert.match(reply.json.code, /^[a-z]+(-[a-z]+){11}$/);
  const [listed] = (await mgmt.getCredentials(id)).credentials;
  assert.equal(listed.type, "recovery_code");
});

test("public-key login: the complete call ignores a token without a type, as the SDKs send", async () => {
  const username = uniqueName("pkey");
  const { id } = await mgmt.addUserWithoutCredentials(username);
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicPem = publicKey.export({ type: "spki", format: "pem" });
  const added = await call("POST", "/credentials/publickey",
                           { client_id: creds.management.client_id, user_id: id, publickey_alg: "ES256", publickey: publicPem },
                           { ...withToken(mgmt, "credentials.force_add"), "X-Client-ID": creds.management.client_id });
  assert.equal(added.status, 200, added.text);
  const init = await call("POST", "/authenticate/publickey/init",
                          { client_id: creds.web.client_id, username, publickey: publicPem, publickey_alg: "ES256" },
                          withToken(web, "auth.login"));
  assert.equal(init.status, 200, init.text);
  assert.deepEqual(Object.keys(init.json).sort(), ["challenge_id", "server_nonce"]);
  const assertion = signEs256({ alg: "ES256", typ: "JWT" }, { server_nonce: init.json.server_nonce },
                              privateKey.export({ type: "pkcs8", format: "pem" }));
  // generateServiceToken(undefined) signs a token with no type: the complete call does not care.
  const done = await call("POST", "/authenticate/publickey/complete",
                          { client_id: creds.web.client_id, username, challenge_id: init.json.challenge_id, assertion },
                          { Authorization: `Bearer ${web.generateServiceToken(undefined)}` });
  assert.equal(done.status, 200, done.text);
  assert.equal(await web.verifyToken(done.json.jwt, username), true);
});

// ---- LoginId: transactions (web application) ----

test("createTx + confirm + verifyTransaction", async () => {
  const username = uniqueName("tx");
  await mgmt.addUserWithoutCredentials(username);
  const txPayload = `Transfer 25.00 USD to account 1234 (${process.pid})`;

  // createTx signs its tx token with a random nonce and sends another random one in the body.
  const txId = await web.createTx(txPayload, username, "clientChosenNonce");
  assert.match(txId, UUID);
  const stored = (await admin("GET", `/emulator/transactions?client_id=${encodeURIComponent(creds.web.client_id)}`))
    .transactions.find((t) => t.id === txId);
  assert.deepEqual(
    { tx_type: stored.tx_type, tx_payload: stored.tx_payload, nonce: stored.nonce, username: stored.username,
      status: stored.status },
    { tx_type: "text", tx_payload: txPayload, nonce: "clientChosenNonce", username, status: "pending" });

  // The user confirms (the emulator's admin API acts as the user); the answer is the tx token.
  const { token } = await admin("POST", `/emulator/tx/${txId}/confirm`);
  const claims = decodeJwt(token).payload;
  assert.equal(claims.nonce, "clientChosenNonce");
  assert.equal(claims.aud, creds.web.client_id);
  assert.equal(claims.udata, username);
  assert.equal(claims.tx_hash,
    b64url(crypto.createHash("sha256").update(txPayload + claims.nonce + claims.server_nonce).digest()));

  assert.equal(await web.verifyTransaction(token, txPayload), true);
  assert.equal(await web.verifyTransaction(token, txPayload + " "), false);
  assert.equal(await web.verifyTransaction(tamperSignature(token), txPayload), false);
  assert.equal(await web.verifyTransaction(tamperPayload(token, (p) => { p.server_nonce = "x"; }), txPayload), false);
  assert.equal(await web.verifyToken(token, username), true);

  // Without a nonce argument createTx makes one; the transaction and its confirmation still verify.
  const second = await web.createTx(txPayload);
  const stored2 = (await admin("GET", `/emulator/transactions?client_id=${encodeURIComponent(creds.web.client_id)}`))
    .transactions.find((t) => t.id === second);
  assert.match(stored2.nonce, NONCE16);
  assert.equal(stored2.username, undefined);
  const confirmed = await admin("POST", `/emulator/tx/${second}/confirm`);
  assert.equal(await web.verifyTransaction(confirmed.token, txPayload), true);
  // A user token carries no tx_hash: it is not a transaction confirmation.
  const loginToken = await loginWithCode(username, await mgmt.getUserId(username));
  assert.equal(await web.verifyTransaction(loginToken, txPayload), false);

  // The management application may create transactions too (LoginIdManagement extends LoginId).
  const byMgmt = await mgmt.createTx(txPayload);
  const confirmedByMgmt = await admin("POST", `/emulator/tx/${byMgmt}/confirm`);
  assert.equal(decodeJwt(confirmedByMgmt.token).payload.aud, creds.management.client_id);
  assert.equal(await mgmt.verifyTransaction(confirmedByMgmt.token, txPayload), true);
  await rejectsWith(web.createTx(""), "bad_request", /tx_payload/);
});

// The SDK merges every call's headers into one module-wide object, so a call that sends no
// X-Client-ID (generateCode, authorizeCode, invalidateAllCodes, renameCredential, revokeCredential,
// and the unsupported flows) carries the X-Client-ID of the previous call, whichever client object
// made it. After the web application's createTx, the management application's generateCode sends
// X-Client-ID: <web client id> with body client_id: <management client id>. The emulator refuses
// that (API.md: when both are sent they must name the same application); it does not guess which
// one the caller meant. An application that uses both classes in one process must call a method
// that sends X-Client-ID (e.g. getUserId) on the management object first.
test("SDK quirk: a stale X-Client-ID from another client object is refused with 401", async () => {
  const username = uniqueName("stale");
  const { id } = await mgmt.addUserWithoutCredentials(username);
  await web.createTx("leaves X-Client-ID: <web client id> behind");
  await rejectsWith(mgmt.generateCode(id, "short", "temporary_authentication", false), "unauthorized",
    /X-Client-ID header and body client_id name different applications/);
  assert.deepEqual((await admin("GET", `/emulator/codes?user_id=${id}`)).codes, []);  // no state change

  assert.equal(await mgmt.getUserId(username), id);  // sends X-Client-ID: <management client id> again
  const code = await mgmt.generateCode(id, "short", "temporary_authentication", false);
  assert.match(code.code, /^[0-9]{6}$/);
});
