/* The error box: what went wrong in the UI language (keyed by the server's error.code),
 * the code itself for a bug report, and a way on. */

import { ApiError } from "../api.js";
import { el } from "../dom.js";
import { has, t } from "../i18n.js";
import { linkTo } from "./parts.js";

/** The UI string for an error: by its code, else a generic one. */
export function errorText(err) {
  const key = "error." + err.code;
  if (has(key)) return t(key);
  return err.status ? t("error.http_error") : t("error.network_error");
}

/** Worth retrying: no response, a server fault, or too many requests. */
const retryable = (err) => !err.status || err.status >= 500 || err.status === 429;

/** The box's content; `retry` reruns the failed navigation. */
export function renderError(err, retry) {
  const e = err instanceof ApiError ? err : new ApiError("client_error", 0);
  return [
    el("h2", { class: "error-title", text: t("errorTitle") }),
    el("p", { class: "error-message", text: errorText(e) }),
    el("p", { class: "error-code" }, el("code", { text: e.code + (e.status ? " · " + e.status : "") })),
    el("div", { class: "card-actions" },
      retryable(e)
        ? el("button", { type: "button", class: "btn btn-small", text: t("retry"), on: { click: retry } })
        : null,
      linkTo("/", "btn btn-small btn-ghost", t("home"))),
  ];
}
