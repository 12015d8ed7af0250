// What both pages of the example share: calls to this app's own backend, and the notice that
// tells a person what is happening. An ES module: relay.js imports it as is, and esbuild bundles it
// into app.js with page/app.js.

export const $ = (id) => document.getElementById(id);

/** A refusal of our backend: its {"error": {"code", "message"}}. */
export class BackendError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/** One JSON call to the backend (same origin: its session cookie goes along). */
export async function backend(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = answer.error || {};
    throw new BackendError(error.code || `http_${response.status}`, error.message || response.statusText);
  }
  return answer;
}

/** The service's error codes a person may meet, worded for them (the pages add their own). */
export const messages = {
  user_already_exists: "An account with that email already exists. Log in instead.",
  user_inactive: "This account is deactivated. Contact support.",
  credential_invalid: "Your passkey could not be verified. Try again, or use another device.",
  credential_exists: "This device already has a passkey for this account.",
  challenge_invalid: "The sign-in request expired or was already used. Please try again.",
  too_many_requests: "Too many attempts. Wait a moment and try again.",
  not_logged_in: "Your session has ended. Please log in again.",
};

export function notify(kind, title, text = "") {
  const notice = $("notice");
  notice.className = `notice ${kind}`;
  $("notice-title").textContent = title;
  $("notice-text").textContent = text;
  notice.hidden = false;
}

/**
 * A page's `step(button, waiting, failedTitle, work)`: runs `work` with `button` disabled and a
 * "waiting" notice; a failure becomes a notice worded by `explain(error)`.
 */
export function stepsExplainedBy(explain) {
  return async (button, waiting, failedTitle, work) => {
    button.disabled = true;
    notify("busy", waiting);
    try {
      await work();
    } catch (error) {
      console.error(error);
      notify("error", failedTitle, explain(error));
    } finally {
      button.disabled = false;
    }
  };
}
