/* The live status line (#status) and the view's aria-busy flag. */

/** Announce `text`; `quiet` keeps it for screen readers only. */
export function setStatus(text, quiet) {
  const s = document.getElementById("status");
  s.textContent = text || "";
  s.classList.toggle("sr-only", !!quiet);
}

export function setBusy(on) {
  document.getElementById("view").setAttribute("aria-busy", on ? "true" : "false");
}
