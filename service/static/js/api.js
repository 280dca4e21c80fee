/* The HTTP client: every request of the page goes through request(), which returns the
 * parsed JSON body or throws an ApiError carrying the server's `error.code` (see
 * service/errors.py ErrorCode), so the page can say what went wrong in its own language.
 * An aborted request rethrows the browser's AbortError untouched; one that takes longer than
 * TIMEOUT_MS throws ApiError("timeout"). */

/** A failed request: `code` is the server's error.code or a client-side one
 * (network_error, timeout, bad_response); `status` is 0 when no response arrived. */
export class ApiError extends Error {
  constructor(code, status, message) {
    super(message || code);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

/** How long a request may take, body included, before the page gives up and says so: a
 * hung server or a dead mobile link must not leave the spinner turning forever. */
export const TIMEOUT_MS = 15_000;

/** GET (or `method`) a same-origin JSON resource; `body` is sent as JSON. Aborted by
 * `signal` (a newer navigation: AbortError) or after `timeout` ms (ApiError "timeout"). */
export async function request(path, { method = "GET", body, signal, timeout = TIMEOUT_MS } = {}) {
  // one controller for both causes (AbortSignal.any is too new for many phones)
  const controller = new AbortController();
  let timedOut = false;
  const id = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeout);
  const onAbort = () => controller.abort();
  if (signal) {
    if (signal.aborted) controller.abort();
    else signal.addEventListener("abort", onAbort, { once: true });
  }
  const init = { method, headers: { Accept: "application/json" }, signal: controller.signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const failed = (e) => {
    if (timedOut && !(signal && signal.aborted)) return new ApiError("timeout", 0);
    return e && e.name === "AbortError" ? e : new ApiError("network_error", 0);
  };
  let res;
  let raw;
  try {
    res = await fetch(path, init);
    raw = await res.text();
  } catch (e) {
    throw failed(e);
  } finally {
    clearTimeout(id);
    if (signal) signal.removeEventListener("abort", onAbort);
  }
  const data = parse(raw);
  if (!res.ok) {
    const err = data && data.error;
    const code = err && typeof err.code === "string" && err.code ? err.code : "http_error";
    const message = err && typeof err.message === "string" ? err.message : "HTTP " + res.status;
    throw new ApiError(code, res.status, message);
  }
  if (data === null || typeof data !== "object") throw new ApiError("bad_response", res.status);
  return data;
}

function parse(raw) {
  try {
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

const enc = encodeURIComponent;

/* The endpoints the page uses (the contract is docs/API.md). */
export const ask = (question, signal) =>
  request("/ask", { method: "POST", body: { question, lang: "auto" }, signal });
export const search = (q, k, signal, kind) =>
  request(`/search?q=${enc(q)}&k=${k}` + (kind ? `&kind=${enc(kind)}` : ""), { signal });
export const passage = (id, signal) => request(`/passages/${enc(id)}`, { signal });
export const agencyPassages = (id, signal) =>
  request(`/agencies/${enc(id)}/passages?role=any`, { signal });
export const agencies = (signal) => request("/agencies", { signal });
