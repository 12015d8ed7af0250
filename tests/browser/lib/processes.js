// The programs a browser test starts (loginid-emulator, the passkey_web example): spawned, ready
// once they print "listening on <url>", stopped with SIGTERM (SIGKILL after 10 s). An exit hook
// kills whatever a dying test left running, also on SIGINT/SIGTERM/SIGHUP (ctest's timeout), and
// where util-linux's setpriv is there (Debian: always) the kernel kills them if node itself is
// killed outright (PR_SET_PDEATHSIG), when no hook can run.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");

const setpriv = fs.existsSync("/usr/bin/setpriv") ? "/usr/bin/setpriv" : null;

const running = new Set();
process.on("exit", () => {
  for (const server of running) server.killNow();
});
for (const [signal, number] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]]) {
  process.once(signal, () => process.exit(128 + number));
}

class Server {
  constructor(name, child) {
    this.name = name;
    this.child = child;
    this.stdout = "";
    this.stderr = "";
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    running.add(this);
  }

  /** What it wrote to stderr (its log), for a failing test's message. */
  log() {
    return this.stderr.trim();
  }

  alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  killNow() {
    if (this.alive()) this.child.kill("SIGKILL");
  }

  /**
   * SIGTERM, then SIGKILL after 10 s. Resolves to a problem (a string) when the program had already
   * died, did not stop in time, or exited with a failure (e.g. a sanitizer's report at exit), else null.
   */
  async stop() {
    running.delete(this);
    const wasAlive = this.alive();
    if (wasAlive) this.child.kill("SIGTERM");
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.child.kill("SIGKILL");
    }, 10_000);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    if (!wasAlive) return `${this.name} had already exited (${code ?? signal}) before the test ended`;
    if (killed) return `${this.name} did not stop within 10 s of SIGTERM`;
    if (code !== 0) return `${this.name} exited with ${code ?? signal} when stopped`;
    return null;
  }
}

/** Starts `bin args` and resolves to a Server with `url` once it prints "listening on <url>". */
async function startServer(name, bin, args) {
  // setpriv sets the signal and execs the program: the pid stays the program's.
  const [file, argv] = setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", bin, ...args]] : [bin, args];
  const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"] });
  const server = new Server(name, child);
  child.stderr.setEncoding("utf8").on("data", (chunk) => { server.stderr += chunk; });
  child.stdout.setEncoding("utf8");
  try {
    server.url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s`)), 20_000);
      child.stdout.on("data", (chunk) => {
        server.stdout += chunk;
        const match = /^listening on (http:\/\/\S+)$/m.exec(server.stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited early (${code ?? signal}): ${server.log()}`));
      });
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

module.exports = { startServer };
