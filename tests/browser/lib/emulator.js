// A fresh loginid-emulator for one test: port 0, a database in a new temp directory, the default
// applications' credentials read from the file it writes on first start. stop() ends the process
// and removes the directory.
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const { startServer } = require("./processes");

/**
 * Starts `bin` (default $LOGINID_EMULATOR_BIN) with extra `args`. Resolves to {baseURL, creds:
 * {base_url, web:{client_id, private_key}, management:{...}}, credsPath, stop(), log()}.
 */
async function startEmulator({ bin = process.env.LOGINID_EMULATOR_BIN, args = [] } = {}) {
  if (!bin) throw new Error("LOGINID_EMULATOR_BIN is not set");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loginid-browser-"));
  const credsPath = path.join(dir, "creds.json");
  let server;
  try {
    server = await startServer("loginid-emulator", bin, ["--host", "127.0.0.1", "--port", "0",
      "--db", path.join(dir, "db"), "--credentials-out", credsPath, "--log-level", "info", ...args]);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    baseURL: server.url,
    creds: JSON.parse(fs.readFileSync(credsPath, "utf8")),
    credsPath,
    log: () => server.log(),
    /** Resolves to a problem (see Server.stop) or null. */
    stop: async () => {
      const problem = await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      return problem;
    },
  };
}

module.exports = { startEmulator };
