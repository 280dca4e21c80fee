/* The HTTP client: every request of the page goes through request(), which returns the
 * parsed JSON body or throws an ApiError carrying the server's `error.code` (see
 * service/errors.py ErrorCode), so the page can say what went wrong in its own language.
 * An aborted request rethrows the browser's AbortError untouched. */

/** A failed request: `code` is the server's error.code or a client-side one
 * (network_error, bad_response); `status` is 0 when no response arrived. */
export class ApiError extends Error {
  constructor(code, status, message) {
    super(message || code);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

/** GET (or `method`) a same-origin JSON resource; `body` is sent as JSON. */
export async function request(path, { method = "GET", body, signal } = {}) {
  const init = { method, headers: { Accept: "application/json" }, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new ApiError("network_error", 0);
  }
  let raw;
  try {
    raw = await res.text();
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new ApiError("network_error", 0);
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
export const search = (q, k, signal) => request(`/search?q=${enc(q)}&k=${k}`, { signal });
export const passage = (id, signal) => request(`/passages/${enc(id)}`, { signal });
export const agencyPassages = (id, signal) =>
  request(`/agencies/${enc(id)}/passages?role=any`, { signal });
export const agencies = (signal) => request("/agencies", { signal });
