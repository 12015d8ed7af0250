// Debian's Chromium, headless, driven by playwright-core, with a CDP WebAuthn virtual authenticator
// (CTAP2, internal transport, resident keys, user verification), and a tiny HTTP server that
// serves a test page plus the published @loginid/sdk bundled by esbuild at test time.
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const executablePath = process.env.LOGINID_CHROMIUM || "/usr/bin/chromium";

// No outside network on the test machines: nothing may phone home or wait for it. Playwright adds
// --headless and a fresh --user-data-dir (a temp profile it deletes on close) itself.
const chromiumFlags = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

async function launchChromium() {
  const { chromium } = require("playwright-core");
  return chromium.launch({ executablePath, headless: true, args: chromiumFlags, timeout: 60_000 });
}

/** The page script bundled with the SDK (IIFE), built once per process. */
const bundleCache = new Map();
function bundle(entry) {
  if (!bundleCache.has(entry)) {
    const esbuild = require("esbuild");
    const out = esbuild.buildSync({
      entryPoints: [entry], bundle: true, write: false, format: "iife", platform: "browser",
      target: "es2020", logLevel: "error",
    });
    bundleCache.set(entry, out.outputFiles[0].text);
  }
  return bundleCache.get(entry);
}

const pageHtml = `<!doctype html>
<html><head><meta charset="utf-8"><title>LoginID browser SDK test page</title></head>
<body><p>@loginid/sdk test page</p><script src="/websdk.js"></script></body></html>`;

/** Serves the test page on 127.0.0.1:<free port>; the page is opened as http://localhost:<port>. */
async function startPageServer(entry = path.join(__dirname, "..", "page", "websdk_page.js")) {
  const script = bundle(entry);
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, "http://localhost");
    if (url.pathname === "/websdk.js") {
      response.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store" });
      response.end(script);
    } else if (url.pathname === "/") {
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
      response.end(pageHtml);
    } else {
      response.writeHead(404, { "Content-Type": "text/plain" });
      response.end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    port,
    origin: `http://localhost:${port}`,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

const authenticatorOptions = {
  protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
  isUserVerified: true, automaticPresenceSimulation: true,
};

/** A virtual authenticator attached to `page` (one "device"); returns helpers around its CDP session. */
async function addAuthenticator(page, options = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { ...authenticatorOptions, ...options },
  });
  return {
    id: authenticatorId,
    cdp,
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
    addCredential: (credential) => cdp.send("WebAuthn.addCredential", { authenticatorId, credential }),
    removeCredential: (credentialId) => cdp.send("WebAuthn.removeCredential", { authenticatorId, credentialId }),
    setUserVerified: (isUserVerified) => cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified }),
    remove: () => cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId }),
  };
}

/** The bytes the published SDK's base64 decoder cannot round-trip (docs: its trailing-0x00 quirk). */
function sdkCannotEcho(bytes) {
  const tail = bytes.length % 3 === 1 ? bytes.subarray(-1) : bytes.subarray(-2);
  return tail.includes(0);
}

module.exports = { addAuthenticator, chromiumFlags, executablePath, launchChromium, sdkCannotEcho, startPageServer };
