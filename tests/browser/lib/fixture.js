// browserTest(name, body): one node:test test with its own fresh world: a loginid-emulator (port 0,
// temp database), the test page's server, and a headless Chromium (fresh profile). The body gets a
// World; everything started is stopped after the body, failed or not, and a failure prints the
// emulator's log.
"use strict";

const assert = require("node:assert/strict");
const test = require("node:test");
const { execFile } = require("node:child_process");

const { startEmulator } = require("./emulator");
const { startServer } = require("./processes");
const { addAuthenticator, launchChromium, sdkCannotEcho, startPageServer } = require("./browser");
const { Backend } = require("./loginid");

/** One browser "device": its own context (cookies, localStorage), page and virtual authenticator. */
class Device {
  constructor(world, context, page, authenticator) {
    this.world = world;
    this.context = context;
    this.page = page;
    this.authenticator = authenticator;
    this.recorded = [];
    // Every answer of the emulator to this page, with the request that asked for it: what the SDK
    // really sent (headers included) and what it got back, for the tests to assert on.
    page.on("response", (response) => {
      const request = response.request();
      if (!request.url().startsWith(`${world.emulator.baseURL}/`) || request.method() === "OPTIONS") return;
      this.recorded.push((async () => ({
        method: request.method(),
        path: new URL(request.url()).pathname,
        headers: await request.allHeaders(),
        body: request.postDataJSON(),
        status: response.status(),
        answer: await response.json().catch(() => null),
      }))());
    });
  }

  /** The recorded exchanges with the emulator, oldest first, optionally only those to `path`. */
  async exchanges(path) {
    const all = await Promise.all(this.recorded);
    return path === undefined ? all : all.filter((exchange) => exchange.path === path);
  }

  /**
   * Intercepts the page's requests to the emulator's `path`: `handler(route, request)` decides
   * (route.continue / route.fetch + route.fulfill, see Playwright's Route). For tampering tests.
   */
  intercept(path, handler) {
    return this.page.route((url) => url.href === this.world.emulator.baseURL + path, handler);
  }

  /** The one exchange with `path` (fails when there is not exactly one). */
  async exchange(path) {
    const found = await this.exchanges(path);
    if (found.length !== 1) throw new Error(`expected one exchange with ${path}, found ${found.length}`);
    return found[0];
  }

  /** Calls `new WebSDK(baseURL, clientID)[method](...args)` in the page: {result} or {error}. */
  sdk(method, ...args) {
    return this.sdkAs(this.world.emulator.creds.web.client_id, method, ...args);
  }

  sdkAs(clientId, method, ...args) {
    return this.page.evaluate(([base, client, m, a]) => window.sdkCall(base, client, m, a),
      [this.world.emulator.baseURL, clientId, method, args]);
  }

  /** POST from the page with fetch (CORS applies): {status, body} or {fetchError}. */
  fetch(path, body, headers) {
    return this.page.evaluate(([url, b, h]) => window.pageFetch(url, b, h),
      [this.world.emulator.baseURL + path, body, headers]);
  }

  /**
   * Runs `register` (an SDK call that makes a passkey) until the authenticator's new credential id
   * is one the published SDK can echo back. Its base64 decoder drops a 0x00 among an id's last bytes
   * (notes: ~1 in 128 of Chromium's 32-byte ids), so such a passkey could never log in through it:
   * a known limit of the SDK. `undo` removes the server side (e.g. deletes the user) before a retry.
   * Answers the SDK's {result|error} plus `credentialId` (base64url) of the usable credential.
   * `cannotEcho(idBytes)` decides (a test passes its own to exercise the retry).
   */
  async makePasskey(register, undo, cannotEcho = sdkCannotEcho) {
    for (let attempt = 1; ; attempt++) {
      const before = new Set((await this.authenticator.credentials()).map((c) => c.credentialId));
      const answer = await register();
      if (answer.error) return answer;
      const made = (await this.authenticator.credentials()).filter((c) => !before.has(c.credentialId));
      if (made.length !== 1) throw new Error(`expected one new credential in the authenticator, found ${made.length}`);
      const id = Buffer.from(made[0].credentialId, "base64");
      if (!cannotEcho(id) || attempt === 4) return { ...answer, credentialId: id.toString("base64url") };
      console.log(`# credential id ...${id.subarray(-2).toString("hex")}: the SDK cannot echo it; registering again`);
      await this.authenticator.removeCredential(made[0].credentialId);
      await undo(answer);
    }
  }

  /** registerWithFido2 for a new user, with a credential id the SDK can use (see makePasskey). */
  register(username, options, cannotEcho = sdkCannotEcho) {
    return this.makePasskey(() => this.sdk("registerWithFido2", username, options),
      () => this.world.backend.deleteUser(username), cannotEcho);
  }
}

class World {
  constructor() {
    this.cleanups = [];
  }

  onCleanup(fn) {
    this.cleanups.push(fn);
  }

  /** `emulatorArgs`: flags, or a function of the World (its `site` is up) that returns them. */
  async start(emulatorArgs) {
    this.site = await startPageServer();
    this.onCleanup(() => this.site.stop());
    const args = typeof emulatorArgs === "function" ? emulatorArgs(this) : emulatorArgs;
    this.emulator = await startEmulator({ args });
    this.onCleanup(() => this.emulator.stop());
    this.backend = new Backend(this.emulator);
    this.browser = await launchChromium();
    this.onCleanup(() => this.browser.close());
  }

  /**
   * A new device (browser context + page + virtual authenticator with `authenticator`'s options
   * over the defaults; null: none) with the test page open at `origin`.
   */
  async device({ origin = this.site.origin, url = `${origin}/`, authenticator = {} } = {}) {
    const context = await this.browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const auth = authenticator === null ? null : await addAuthenticator(page, authenticator);
    await page.goto(url);
    return new Device(this, context, page, auth);
  }

  /** The passkey web example (examples/passkey_web) on a free port, using this World's emulator. */
  async startExample() {
    const bin = process.env.LOGINID_PASSKEY_WEB_BIN;
    if (!bin) throw new Error("LOGINID_PASSKEY_WEB_BIN is not set");
    this.example = await startServer("passkey_web", bin, [this.emulator.credsPath, "--port", "0"]);
    this.onCleanup(() => this.example.stop());
    return this.example;
  }

  /** Another server of the test page, on another port (another origin); stopped with the World. */
  async otherSite() {
    const site = await startPageServer();
    this.onCleanup(() => site.stop());
    return site;
  }

  /** The C++ SDK's verdict on a token (tests/browser/verify_token_check.cpp). */
  verifyWithCpp(...args) {
    const checker = process.env.LOGINID_VERIFY_TOKEN_CHECK;
    if (!checker) throw new Error("LOGINID_VERIFY_TOKEN_CHECK is not set");
    return new Promise((resolve, reject) => {
      execFile(checker, [this.emulator.credsPath, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
        if (error && error.code !== 1) reject(new Error(`verify_token_check failed: ${error.message} ${stderr}`));
        else resolve(JSON.parse(stdout));
      });
    });
  }

  /** Stops everything, newest first; answers the problems seen (a program that failed at exit...). */
  async stop() {
    const problems = [];
    for (const fn of this.cleanups.reverse()) {
      try {
        const problem = await fn();
        if (typeof problem === "string") problems.push(problem);
      } catch (error) {
        problems.push(`cleanup: ${error.message}`);
      }
    }
    return problems;
  }
}

/** test(name) with a fresh World; `options.emulatorArgs` adds emulator flags. */
function browserTest(name, options, body) {
  if (typeof options === "function") [options, body] = [{}, options];
  test(name, { timeout: options.timeout ?? 180_000 }, async () => {
    const world = new World();
    let failure = null;
    try {
      await world.start(options.emulatorArgs ?? []);
      await body(world);
    } catch (error) {
      failure = error;
    }
    // Stopped before the logs are printed: a sanitizer reports at exit.
    const problems = await world.stop();
    if (failure || problems.length > 0) {
      if (world.emulator) console.error(`---- emulator log ----\n${world.emulator.log()}\n----`);
      if (world.example) console.error(`---- passkey_web log ----\n${world.example.log()}\n----`);
    }
    if (failure) throw failure;
    // The programs under test must also end well (exit 0 on SIGTERM, no sanitizer report).
    assert.deepEqual(problems, [], "stopping what the test started");
  });
}

let sequence = 0;
const uniqueName = (stem) => `${stem}-${process.pid}-${++sequence}@example.com`;

module.exports = { browserTest, uniqueName };
