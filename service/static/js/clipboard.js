/* Copy buttons: the Clipboard API where the page is a secure context, else a hidden
 * textarea and execCommand. The button shows the outcome for two seconds. */

import { t } from "./i18n.js";
import { setStatus } from "./status.js";

const FEEDBACK_MS = 2000;

export function copyText(text, button) {
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(() => done(true, button), () => fallback(text, button));
  } else {
    fallback(text, button);
  }
}

function fallback(text, button) {
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  Object.assign(ta.style, { position: "fixed", top: "0", left: "0", opacity: "0" });
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  document.body.removeChild(ta);
  if (button) button.focus();
  done(ok, button);
}

function done(ok, button) {
  setStatus(ok ? t("copied") : t("copyFailed"), ok);
  if (!button) return;
  const label = button.getAttribute("data-label") || button.textContent;
  button.setAttribute("data-label", label);
  button.textContent = ok ? t("copied") : t("copyFailedShort");
  button.classList.toggle("copied", ok);
  clearTimeout(button._timer);
  button._timer = setTimeout(() => {
    button.textContent = button.getAttribute("data-label");
    button.classList.remove("copied");
  }, FEEDBACK_MS);
}
