// The test page's script, bundled by esbuild with the published @loginid/sdk exactly as npm ships
// it. The tests call window.sdkCall(...) through Playwright; every SDK error comes back as data
// ({name, code, message}) so that a test can assert on it.
import WebSDK from "@loginid/sdk";
import { base64ToBuffer, bufferToBase64 } from "@loginid/sdk/utils/encoding";

window.WebSDK = WebSDK;

/** new WebSDK(baseURL, clientID)[method](...args), as {result} or {error: {name, code, message}}. */
window.sdkCall = async (baseURL, clientID, method, args) => {
  try {
    return { result: await new WebSDK(baseURL, clientID)[method](...args) };
  } catch (e) {
    return { error: { name: e.name, code: e.code ?? null, message: e.message } };
  }
};

/** A plain fetch from the page (CORS applies), for checks the SDK hides (it drops error messages). */
window.pageFetch = async (url, body, headers = {}) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.text() };
  } catch (e) {
    return { fetchError: `${e.name}: ${e.message}` };
  }
};

/**
 * navigator.credentials.get with an assertion_payload from the service, converted and answered
 * exactly as the SDK does (its own encoding functions), for tests that play a client other than
 * the SDK (a relaying phishing page). Answers the complete call's assertion_payload or {error}.
 */
window.webauthnGet = async (options) => {
  try {
    const publicKey = { ...options, challenge: base64ToBuffer(options.challenge) };
    publicKey.allowCredentials = (options.allowCredentials || []).map((c) => ({ ...c, id: base64ToBuffer(c.id) }));
    const credential = await navigator.credentials.get({ publicKey });
    return {
      challenge: options.challenge,
      credential_id: bufferToBase64(credential.rawId),
      client_data: bufferToBase64(credential.response.clientDataJSON),
      authenticator_data: bufferToBase64(credential.response.authenticatorData),
      signature: bufferToBase64(credential.response.signature),
    };
  } catch (e) {
    return { error: { name: e.name, message: e.message } };
  }
};
