// The test page's script, bundled by esbuild with the published @loginid/sdk exactly as npm ships
// it. The tests call window.sdkCall(...) through Playwright; every SDK error comes back as data
// ({name, code, message}) so that a test can assert on it.
import WebSDK from "@loginid/sdk";

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
