// Helpers for the tests that use the passkey web example's pages (examples/passkey_web) the way a
// person does: fill fields, read the notice the page shows, take a screenshot of a step (into
// $LOGINID_SCREENSHOT_DIR; ctest sets one folder per test file).
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const screenshotDir = process.env.LOGINID_SCREENSHOT_DIR || path.join(os.tmpdir(), "loginid-passkey-web-screenshots");

async function screenshot(device, name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await device.page.screenshot({ path: file, fullPage: true });
  console.log(`# screenshot ${file}`);
}

/** The page's notice once it is no longer the "waiting" one: {kind, title, text}. */
async function notice(device) {
  const box = device.page.locator("#notice");
  await box.and(device.page.locator(":not(.busy)")).waitFor({ state: "visible" });
  return {
    kind: (await box.getAttribute("class")).replace("notice", "").trim(),
    title: await device.page.locator("#notice-title").textContent(),
    text: await device.page.locator("#notice-text").textContent(),
  };
}

/** Fills the page's inputs: {element id: value}. */
async function fill(device, fields) {
  for (const [id, value] of Object.entries(fields)) await device.page.fill(`#${id}`, value);
}

module.exports = { fill, notice, screenshot };
