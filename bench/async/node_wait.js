'use strict';
// The Node baseline of bench/async/run.sh: the same N concurrent wait_code calls from Node, as a
// Node backend makes them. The published Node SDK (@loginid/node-sdk 0.8.3) has no wait-code call,
// so each is Node's built-in fetch sending the request the C++ SDK sends (POST
// /authenticate/code/wait, no service token: API.md's auth is optional there). The answers' JWTs
// get the checks of the published SDK's verifyToken(jwt, username): an ES256 signature by the key
// GET /certs?kid= returns, and udata == username; with Node's crypto and the key fetched once,
// since verifyToken itself (pure-JS jsrsasign, one /certs fetch per call) takes tens of
// milliseconds a token here: minutes for 10,000, with the event loop blocked meanwhile.
//   node node_wait.js URL CREDENTIALS CODES_FILE
// Prints, like bench_async_wait: "peak calls=N threads=T rss_growth=B" once every call is parked at
// the emulator (GET /emulator/health), then "done answered=A failed=F" after the authorize burst
// (run.sh runs it once it sees the peak line). Needs Node 18+ (fetch); no package.
// Every request besides the N calls (warm-up, health polls, /certs) goes on a connection of its own
// (Connection: close): a kept-alive connection left by them would carry the first call, and on a
// loaded machine Node can need longer than the emulator's advertised idle timeout (Keep-Alive:
// timeout=5) to set up 10,000 fetches, so the emulator closes that connection as advertised before
// the call is written, and undici does not retry a POST: a lost call (answered=N-1).
const fs = require('fs');
const crypto = require('crypto');

const PARK_GUARD_MS = 300_000;    // all calls parked within this, or the run fails
const ANSWER_GUARD_MS = 300_000;  // all calls answered within this after the burst

const [url, credentialsPath, codesPath] = process.argv.slice(2);
if (!codesPath) {
  console.error('usage: node node_wait.js URL CREDENTIALS CODES_FILE');
  process.exit(2);
}
const web = JSON.parse(fs.readFileSync(credentialsPath, 'utf8')).web;
const codes = fs.readFileSync(codesPath, 'utf8').trim().split('\n').map((line) => {
  const [username, code] = line.split(' ');
  return { username, code };
});
const n = codes.length;

/** VmRSS (bytes) and Threads of this process, from /proc/self/status (as for the C++ processes). */
function sample() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)[1]);
  return { rss: field('VmRSS') * 1024, threads: field('Threads') };
}

/** A request on a connection of its own, closed after the answer (see the top of this file). */
const ownConnection = { Connection: 'close' };

async function waiters() {
  try {
    return (await (await fetch(`${url}/emulator/health`, { headers: ownConnection })).json()).waiters;
  } catch {
    return -1;  // the emulator is busy: ask again
  }
}

function waitCode(username, code, extraHeaders = {}) {
  return fetch(`${url}/authenticate/code/wait`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...extraHeaders },
    body: JSON.stringify({ client_id: web.client_id, username, authentication_code: { code, type: 'short' } }),
  }).then(async (response) => {
    const body = await response.json();
    if (response.status !== 200) throw new Error(`${response.status} ${body.code}: ${body.message}`);
    if (typeof body.jwt !== 'string') throw new Error('no JWT in the answer');
    return body.jwt;
  });
}

const base64url = (text) => Buffer.from(text, 'base64url');
const publicKeys = new Map();  // kid -> KeyObject, from GET /certs?kid= (PEM), as verifyToken gets it

/** The published SDK's verifyToken(jwt, username) checks: ES256 by the service's key, udata. */
async function verify(jwt, username) {
  const [header, payload, signature] = jwt.split('.');
  const { alg, kid } = JSON.parse(base64url(header));
  if (alg !== 'ES256') return false;
  if (!publicKeys.has(kid)) {
    const pem = await (await fetch(`${url}/certs?kid=${kid}`, { headers: ownConnection })).text();
    publicKeys.set(kid, crypto.createPublicKey(pem));
  }
  const signed = crypto.verify('sha256', Buffer.from(`${header}.${payload}`), {
    key: publicKeys.get(kid), dsaEncoding: 'ieee-p1363',
  }, base64url(signature));
  return signed && JSON.parse(base64url(payload)).udata === username;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function guard(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang guard: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  // Warm-up, before the baseline (as the C++ processes do): a user that does not exist. On its own
  // connection, so that no kept-alive connection is left for the first call.
  await waiters();
  await waitCode('warm-up-nobody', '000000', ownConnection).catch(() => {});
  const jwts = new Array(n).fill(null);
  const errors = new Array(n).fill(null);
  let finished = 0;

  const waitersBefore = await waiters();
  if (waitersBefore < 0) throw new Error('GET /emulator/health failed');
  const before = sample();
  const calls = codes.map(({ username, code }, i) =>
    waitCode(username, code).then(
      (jwt) => { jwts[i] = jwt; finished++; },
      (error) => { errors[i] = error.cause ? `${error.message}: ${error.cause.code ?? error.cause.message}` : error.message; finished++; },
    ));
  const giveUp = Date.now() + PARK_GUARD_MS;
  while ((await waiters()) - waitersBefore + finished < n) {
    if (Date.now() > giveUp) throw new Error('hang guard: the calls did not all park in time');
    await sleep(50);
  }
  const peak = sample();
  const openFiles = fs.readdirSync('/proc/self/fd').length;
  const parked = (await waiters()) - waitersBefore;
  console.log(`peak calls=${n} parked=${parked} threads=${peak.threads} rss_growth=${peak.rss - before.rss} open_files=${openFiles}`);

  await guard(Promise.all(calls), ANSWER_GUARD_MS, 'waiting for the answers');
  let answered = 0;
  let failed = 0;
  let firstError = null;
  for (let i = 0; i < n; i++) {
    if (jwts[i] !== null && (await verify(jwts[i], codes[i].username))) {
      answered++;
    } else {
      failed++;
      firstError ??= jwts[i] !== null ? `the JWT of ${codes[i].username} did not verify` : errors[i];
    }
  }
  console.log(`done answered=${answered} failed=${failed}`);
  if (firstError) console.log(`first error: ${firstError}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`node_wait.js: ${error.message}`);
    process.exit(1);
  },
);
