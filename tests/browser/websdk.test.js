// Every function of LoginID's published browser SDK (@loginid/sdk 0.13.2) in headless Chromium with
// a virtual authenticator, against a fresh loginid-emulator per test.
//   run_browser_test.sh websdk.test.js   (ctest -L browser)
"use strict";

const assert = require("node:assert/strict");

const { browserTest } = require("./lib/fixture");

browserTest("isFido2Supported: true with a user-verifying platform authenticator, false without", async (world) => {
  assert.deepEqual(await (await world.device()).sdk("isFido2Supported"), { result: true });
  assert.deepEqual(await (await world.device({ authenticator: null })).sdk("isFido2Supported"), { result: false });
});
