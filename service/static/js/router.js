/* URL state. Every screen has a permalink (/?q=, /?passage=, /?agency=&role=,
 * /?view=agencies); in-page links use pushState, and history.state.atpDepth counts the
 * pages pushed in this tab, so a view shows "Back" only when Back stays on the site. */

/** What a URL shows. Pure: takes a URL (or location), returns {name, ...}. */
export function parse(url) {
  const p = new URLSearchParams(url.search);
  const passage = (p.get("passage") || "").trim();
  const agency = (p.get("agency") || "").trim();
  const q = (p.get("q") || "").trim();
  if (passage) return { name: "passage", id: passage };
  if (agency) {
    const role = p.get("role");
    return { name: "agency", id: agency, role: role === "lead" || role === "cooperating" ? role : "any" };
  }
  if (p.get("view") === "agencies") return { name: "agencies" };
  if (q) return { name: "search", q };
  return { name: "home" };
}

const enc = encodeURIComponent;

/** Permalinks, the inverse of parse(). */
export const urls = {
  home: () => "/",
  search: (q) => "/?q=" + enc(q),
  passage: (id) => "/?passage=" + enc(id),
  agency: (id, role) => "/?agency=" + enc(id) + (role && role !== "any" ? "&role=" + enc(role) : ""),
  agencies: () => "/?view=agencies",
};

export const current = () => parse(location);

const depth = () => (history.state && history.state.atpDepth) || 0;

/** True when history.back() returns to a page of this site pushed in this tab. */
export const canGoBack = () => depth() > 0;
export const back = () => history.back();

let onChange = () => {};

/** Show `url`: a new history entry, or a replaced one when it is the current URL. */
export function navigate(url) {
  const target = new URL(url, location.href);
  const path = target.pathname + target.search;
  if (path === location.pathname + location.search) {
    history.replaceState({ atpDepth: depth() }, "", path);
  } else {
    history.pushState({ atpDepth: depth() + 1 }, "", path);
  }
  onChange(true);
}

/** Change the URL without a new entry or a new load (the agency view's role filter). */
export const replace = (url) => history.replaceState(history.state, "", url);

/** Call `listener(userAction)` on every navigation; links marked data-nav (and the
 * header's) navigate in place, while modified clicks open as the browser would. */
export function start(listener) {
  onChange = listener;
  window.addEventListener("popstate", () => onChange(true));
  document.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0) return;
    if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = ev.target.closest && ev.target.closest("a[data-nav], #home-link, #agencies-link");
    if (!a) return;
    const url = new URL(a.getAttribute("href"), location.href);
    if (url.origin !== location.origin) return;
    ev.preventDefault();
    navigate(url.pathname + url.search);
  });
}
