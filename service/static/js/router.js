/* URL state. Every screen has a permalink (/?q=&kind=, /?passage=, /?agency=&role=,
 * /?view=agencies, /?view=plan&at=&q=&script=, /?view=overview&agency=&part=&sort=&dir=); in-page links use pushState, and history.state.atpDepth counts the
 * pages pushed in this tab, so a view shows "Back" only when Back stays on the site. */

/** What a URL shows. Pure: takes a URL (or location), returns {name, ...}. */
export function parse(url) {
  const p = new URLSearchParams(url.search);
  const passage = (p.get("passage") || "").trim();
  const agency = (p.get("agency") || "").trim();
  const q = (p.get("q") || "").trim();
  const view = p.get("view");
  if (view === "plan") return readingRoute(p, q);
  if (view === "overview") return overviewRoute(p);
  if (passage) return { name: "passage", id: passage };
  if (agency) {
    const role = p.get("role");
    return { name: "agency", id: agency, role: role === "lead" || role === "cooperating" ? role : "any" };
  }
  if (p.get("view") === "agencies") return { name: "agencies" };
  if (q) {
    const kind = p.get("kind");
    return KINDS.includes(kind) ? { name: "search", q, kind } : { name: "search", q };
  }
  return { name: "home" };
}

const SHOWN = ["zh-Hans", "zh-Hant", "en", "all"];
/** The kinds of passage a search may be narrowed to (GET /search's kind). */
export const KINDS = ["measure", "bullet", "goal", "principle", "guarantee"];
const opt = (p, key) => (p.get(key) || "").trim() || null;

/** The reading view (/?view=plan): `at` a passage or heading id, `q` the words to mark,
 * `script` the text shown (one script or all three). */
function readingRoute(p, q) {
  const script = p.get("script");
  return { name: "plan", at: opt(p, "at"), q: q || null, script: SHOWN.includes(script) ? script : null };
}

/** The agency × part overview (/?view=overview): one cell open (`agency`, `part`), a sort. */
function overviewRoute(p) {
  const dir = p.get("dir");
  return { name: "overview", agency: opt(p, "agency"), part: opt(p, "part"), sort: opt(p, "sort"),
    dir: dir === "asc" || dir === "desc" ? dir : null };
}

const enc = encodeURIComponent;
const query = (pairs) => pairs.filter(([, v]) => v).map(([k, v]) => "&" + k + "=" + enc(v)).join("");

/** Permalinks, the inverse of parse(). */
export const urls = {
  home: () => "/",
  search: (q, kind) => "/?q=" + enc(q) + (kind ? "&kind=" + enc(kind) : ""),
  passage: (id) => "/?passage=" + enc(id),
  agency: (id, role) => "/?agency=" + enc(id) + (role && role !== "any" ? "&role=" + enc(role) : ""),
  agencies: () => "/?view=agencies",
  plan: ({ at, q, script } = {}) => "/?view=plan" + query([["at", at], ["q", q], ["script", script]]),
  overview: ({ agency, part, sort, dir } = {}) =>
    "/?view=overview" + query([["agency", agency], ["part", part], ["sort", sort], ["dir", dir]]),
};

export const current = () => parse(location);

const depth = () => (history.state && history.state.atpDepth) || 0;

/** True when history.back() returns to a page of this site pushed in this tab. */
export const canGoBack = () => depth() > 0;
export const back = () => history.back();

let onChange = () => {};

/** Show `url`: a new history entry, or a replaced one when it is the current URL. The entry
 * left behind keeps its scroll position, for Back. */
export function navigate(url) {
  const target = new URL(url, location.href);
  const path = target.pathname + target.search;
  if (path === location.pathname + location.search) {
    history.replaceState({ atpDepth: depth() }, "", path);
  } else {
    history.replaceState({ ...history.state, atpDepth: depth(), scrollY: window.scrollY }, "");
    history.pushState({ atpDepth: depth() + 1 }, "", path);
  }
  onChange(true, null);
}

/** Change the URL without a new entry or a new load (the agency view's role filter). */
export const replace = (url) => history.replaceState(history.state, "", url);

/** Call `listener(userAction, scrollY)` on every navigation (scrollY: where Back or
 * Forward left that page, else null); links marked data-nav (and the header's) navigate in
 * place, while modified clicks open as the browser would. */
export function start(listener) {
  onChange = listener;
  // the page restores scroll itself, once the screen is drawn again
  if ("scrollRestoration" in history) history.scrollRestoration = "manual";
  window.addEventListener("popstate", () =>
    onChange(true, (history.state && Number(history.state.scrollY)) || 0));
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
