// The backend's side of the browser tests, in plain Node (fetch + node:crypto), so that a test can
// do what an application's server does around the page: sign service tokens and transaction auth
// tokens with the application's key, call the management API, and drive the emulator's admin API.
// Deliberately independent of the C++ SDK (the C++ side has its own checker, verify_token_check).
"use strict";

const crypto = require("node:crypto");

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

function decodeJwt(token) {
  const [header, payload] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")),
  };
}

function signEs256(payload, privateKeyPem) {
  const input = `${b64url(JSON.stringify({ alg: "ES256", typ: "JWT" }))}.${b64url(JSON.stringify(payload))}`;
  const signature = crypto.sign("sha256", Buffer.from(input), { key: privateKeyPem, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(signature)}`;
}

const nonce = () => crypto.randomBytes(12).toString("base64url").replace(/[-_]/g, "x").slice(0, 16);

/** A service token of API.md for `app` ({client_id, private_key}). */
function serviceToken(app, scope, { username, userId } = {}) {
  const payload = { client_id: app.client_id, type: scope, nonce: nonce(), iat: Math.floor(Date.now() / 1000) };
  if (username) payload.username = username;
  else if (userId) payload.user_id = userId;
  return signEs256(payload, app.private_key);
}

/** A transaction auth token (scope tx.create) binding `txPayload`. */
function txAuthToken(app, txPayload) {
  return signEs256({
    client_id: app.client_id, type: "tx.create", nonce: nonce(), iat: Math.floor(Date.now() / 1000),
    payload_hash: b64url(crypto.createHash("sha256").update(txPayload).digest()),
  }, app.private_key);
}

/** One HTTP call; answers {status, json, text}. Node's fetch sends no Origin: no CORS here. */
async function call(baseURL, method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
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
  return { status: response.status, text, json, headers: response.headers };
}

/** The backend's client for one emulator: management calls with fresh service tokens, admin calls. */
class Backend {
  constructor(emulator) {
    this.baseURL = emulator.baseURL;
    this.web = emulator.creds.web;
    this.management = emulator.creds.management;
  }

  async ok(method, path, body, headers) {
    const reply = await call(this.baseURL, method, path, body, headers);
    if (reply.status < 200 || reply.status > 299) {
      throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
    }
    return reply.json;
  }

  /** A management call (scope `scope`) with the management application's token. */
  manage(method, path, scope, body, app = this.management) {
    return this.ok(method, path, body && { client_id: app.client_id, ...body },
      { Authorization: `Bearer ${serviceToken(app, scope)}`, "X-Client-ID": app.client_id });
  }

  admin(method, path, body) {
    return this.ok(method, `/emulator${path}`, body);
  }

  getUser(username) {
    return this.manage("POST", "/manage/users/retrieve", "users.retrieve", { username });
  }

  async credentials(username) {
    return (await this.manage("POST", "/credentials/list", "credentials.list", { username })).credentials;
  }

  revokeCredential(username, uuid) {
    return this.manage("POST", "/credentials/revoke", "credentials.revoke", { username, credential: { uuid } });
  }

  deactivateUser(userId) {
    return this.manage("PUT", `/manage/users/${userId}/deactivate`, "users.deactivate");
  }

  deleteUser(username) {
    return this.manage("POST", "/manage/users/delete", "users.delete", { username });
  }

  /** An authorized code, as a backend makes for a logged-in user (generate_code, authorize=true). */
  generateCode(username, purpose, codeType = "short") {
    return this.manage("POST", `/codes/${codeType}/generate`, "codes.generate", { username, purpose, authorize: true });
  }
}

module.exports = { Backend, b64url, call, decodeJwt, serviceToken, signEs256, txAuthToken };
