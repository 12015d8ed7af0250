// A fresh loginid-emulator for one test: port 0, a database in a new temp directory, the default
// applications' credentials read from the file it writes on first start. stop() ends the process
// (SIGTERM, then SIGKILL after 10 s) and removes the directory; an exit hook does the same for a
// test that dies before its own cleanup runs.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const running = new Set();
process.on("exit", () => {
  for (const emulator of running) emulator.killNow();
});
// A signal (ctest's timeout, Ctrl-C) must run the exit hook above too; Node's default would not.
for (const [signal, number] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]]) {
  process.once(signal, () => process.exit(128 + number));
}

class Emulator {
  constructor(child, dir) {
    this.child = child;
    this.dir = dir;
    this.stdout = "";
    this.stderr = "";
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /** The emulator's stderr (its log), for a failing test's message. */
  log() {
    return this.stderr.trim();
  }

  killNow() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  async stop() {
    running.delete(this);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts `bin` (default $LOGINID_EMULATOR_BIN) and resolves once it prints its listening line.
 * Resolves to {baseURL, creds: {base_url, web:{client_id, private_key}, management:{...}}, stop(), log()}.
 */
async function startEmulator({ bin = process.env.LOGINID_EMULATOR_BIN, args = [] } = {}) {
  if (!bin) throw new Error("LOGINID_EMULATOR_BIN is not set");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loginid-browser-"));
  const credsPath = path.join(dir, "creds.json");
  const child = spawn(bin, ["--host", "127.0.0.1", "--port", "0", "--db", path.join(dir, "db"),
    "--credentials-out", credsPath, "--log-level", "info", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const emulator = new Emulator(child, dir);
  running.add(emulator);
  child.stderr.setEncoding("utf8").on("data", (chunk) => { emulator.stderr += chunk; });
  child.stdout.setEncoding("utf8");

  const listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("loginid-emulator did not start within 20 s")), 20_000);
    child.stdout.on("data", (chunk) => {
      emulator.stdout += chunk;
      const match = /^listening on (http:\/\/\S+)$/m.exec(emulator.stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`loginid-emulator exited early (${code ?? signal}): ${emulator.log()}`));
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  }).catch(async (error) => {
    await emulator.stop();
    throw error;
  });

  emulator.baseURL = listening;
  emulator.creds = JSON.parse(fs.readFileSync(credsPath, "utf8"));
  emulator.credsPath = credsPath;
  return emulator;
}

module.exports = { startEmulator };
