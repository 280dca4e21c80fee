/* ATP Search web page: ES modules, no build step, no framework.
 * main.js wires the page: the language, the search form, and the screen for each URL.
 * Each screen is a module in views/ with load(route, signal) -> model (its API calls) and
 * render(model, route) -> DOM; adding a screen is a module, a line here and one in
 * router.parse(). */

import { ApiError } from "./api.js";
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { clear, replace } from "./dom.js";
import * as router from "./router.js";
import { setBusy, setStatus } from "./status.js";
import * as agencies from "./views/agencies.js";
import * as agency from "./views/agency.js";
import { renderError } from "./views/error.js";
import { examples } from "./views/home.js";
import * as passage from "./views/passage.js";
import * as search from "./views/search.js";

const VIEWS = { search, passage, agency, agencies };

/* Shown when not even the English strings load: the one text that lives here. */
const NO_STRINGS = "ATP Search could not load its text; reload the page. 页面文字加载失败，请刷新页面。";

const $ = (id) => document.getElementById(id);

/** What is on screen: {route, model} or {route, error}; re-rendered on a language switch. */
let shown = null;
let nav = 0; // navigation token: responses to an older navigation are dropped
let controller = null; // aborts the requests of the navigation before

/** The UI languages on offer are the switcher's buttons. */
const supported = () => Array.from(document.querySelectorAll(".lang-btn"), (b) => b.getAttribute("data-lang"));

function applyStrings() {
  const lang = i18n.lang();
  document.documentElement.lang = lang;
  document.title = t("title");
  for (const n of document.querySelectorAll("[data-i18n]")) {
    n.textContent = t(n.getAttribute("data-i18n"));
    if (!n.closest(".lang-switch")) n.setAttribute("lang", lang);
  }
  for (const n of document.querySelectorAll("[data-i18n-placeholder]")) {
    n.setAttribute("placeholder", t(n.getAttribute("data-i18n-placeholder")));
  }
  for (const n of document.querySelectorAll("[data-i18n-aria]")) {
    n.setAttribute("aria-label", t(n.getAttribute("data-i18n-aria")));
  }
  for (const b of document.querySelectorAll(".lang-btn")) {
    b.setAttribute("aria-pressed", b.getAttribute("data-lang") === lang ? "true" : "false");
  }
}

function showError(err) {
  const box = $("error");
  replace(box, renderError(err, () => show(false)));
  box.hidden = false;
}

function hideError() {
  const box = $("error");
  box.hidden = true;
  clear(box);
}

const sameScreen = (a, b) => a.name === b.name && a.id === b.id && a.q === b.q;

/** Draw `shown` in the current language. The URL's route is used when it is still the
 * same screen (the agency view's role filter changes the URL in place). */
function render() {
  const home = !shown || shown.route.name === "home";
  const box = $("examples");
  box.hidden = !home;
  replace($("example-groups"), home ? examples() : null);
  if (shown && shown.error) {
    clear($("view"));
    showError(shown.error);
    return;
  }
  if (home) {
    clear($("view"));
    return;
  }
  const url = router.current();
  const route = sameScreen(url, shown.route) ? url : shown.route;
  replace($("view"), VIEWS[shown.route.name].render(shown.model, route));
}

function focusHeading() {
  const h = document.querySelector("#view [data-focus]");
  if (h) h.focus({ preventScroll: true });
}

/** Show the screen for the current URL; `userAction` moves scroll and focus to it. */
async function show(userAction) {
  const route = router.current();
  const token = ++nav;
  if (controller) controller.abort();
  controller = new AbortController();
  hideError();
  $("q").value = route.name === "search" ? route.q : "";
  if (route.name === "home") {
    shown = { route };
    setStatus("");
    setBusy(false);
    render();
    return;
  }
  const view = VIEWS[route.name];
  $("examples").hidden = true;
  setStatus(route.name === "search" ? t("searching") : t("loading"));
  setBusy(true);
  try {
    const model = await view.load(route, controller.signal);
    if (token !== nav) return;
    shown = { route, model };
    setBusy(false);
    render();
    setStatus(view.status ? view.status(model) : "", true);
    if (userAction) {
      window.scrollTo(0, 0);
      focusHeading();
    }
  } catch (err) {
    if (token !== nav || (err && err.name === "AbortError")) return;
    if (!(err instanceof ApiError)) console.error(err); // a bug of the page, not the server
    setBusy(false);
    setStatus("");
    shown = { route, error: err };
    render();
  }
}

async function setLanguage(lang) {
  try {
    if (!(await i18n.use(lang))) return;
  } catch (err) {
    setStatus(t("error." + (err.code || "network_error")));
    return;
  }
  i18n.remember(lang);
  applyStrings();
  render();
}

function wire() {
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("q").value.trim();
    if (!q) {
      $("q").focus();
      return;
    }
    $("q").blur();
    router.navigate(router.urls.search(q));
  });
  for (const b of document.querySelectorAll(".lang-btn")) {
    const lang = b.getAttribute("data-lang");
    const prefetch = () => i18n.load(lang).catch(() => {});
    b.addEventListener("pointerenter", prefetch);
    b.addEventListener("focus", prefetch);
    b.addEventListener("click", () => setLanguage(lang));
  }
  router.start(show);
}

async function start() {
  const lang = i18n.detect(supported());
  document.documentElement.lang = lang; // before the strings arrive, for assistive tech
  try {
    await i18n.use(lang).catch(() => i18n.use(i18n.FALLBACK));
  } catch {
    $("error").textContent = NO_STRINGS;
    $("error").hidden = false;
    return;
  }
  applyStrings();
  wire();
  document.documentElement.dataset.ready = "true"; // the page is wired (tests wait for it)
  await show(false);
}

start();
