/* ATP Search web page: ES modules, no build step, no framework.
 * main.js wires the page: the language, the search form, and the screen for each URL.
 * Each screen is a module in views/ with load(route, signal) -> model (its API calls) and
 * render(model, route) -> DOM; adding a screen is a module, a line here and one in
 * router.parse(). */

import { ApiError } from "./api.js";
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { clear, el, replace } from "./dom.js";
import * as offline from "./offline.js";
import * as router from "./router.js";
import { segments, spans } from "./scripts.js";
import { setBusy, setStatus } from "./status.js";
import * as agencies from "./views/agencies.js";
import * as agency from "./views/agency.js";
import { renderError } from "./views/error.js";
import { examples } from "./views/home.js";
import * as overview from "./views/overview.js";
import * as passage from "./views/passage.js";
import * as plan from "./views/plan.js";
import * as search from "./views/search.js";

const VIEWS = { search, passage, agency, agencies, plan, overview };

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
    // the footer's document number 国办发〔2021〕13号 keeps its own lang in every UI language
    replace(n, spans(segments(t(n.getAttribute("data-i18n")), lang), lang));
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
  // The phone's language button shows the current language by its own name.
  const name = document.querySelector(`.lang-btn[data-lang="${lang}"]`);
  const current = $("lang-current");
  current.textContent = name ? name.textContent : lang;
  current.setAttribute("lang", lang);
  $("lang-toggle").setAttribute("aria-label", t("langLabel") + ": " + current.textContent);
}

/** Open or close the language list (folded on a phone; always open on wider screens). */
function toggleLanguages(open) {
  const toggle = $("lang-toggle");
  document.querySelector(".site-header").classList.toggle("langs-open", open);
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  if (open) {
    const pressed = document.querySelector('.lang-btn[aria-pressed="true"]');
    if (pressed) pressed.focus();
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
  document.title = t("title");
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
  const view = VIEWS[shown.route.name];
  replace($("view"), [offlineLabel(shown.model), view.render(shown.model, route)]);
  // a view may name itself, so bookmarks and history say which clause or agency it is
  const name = view.title ? view.title(shown.model, route) : "";
  document.title = name ? name + " · " + t("brand") : t("title");
}

/** What a screen drawn without the network says about where it came from. */
function offlineLabel(model) {
  if (!model.offline) return null;
  const date = () => new Date(model.saved).toLocaleString(i18n.lang(), { dateStyle: "medium", timeStyle: "short" });
  const text = model.offline === "search" ? t("offlineSearch")
    : model.offline === "answer" ? t("offlineAnswer", { date: date() }) : t("offlineBanner");
  return el("p", { class: "offline-label", "data-offline": model.offline }, text);
}

function focusHeading() {
  const h = document.querySelector("#view [data-focus]");
  if (h) h.focus({ preventScroll: true });
}

/* Screens seen in this tab, by URL: Back and Forward redraw them at once, where they were
 * left, instead of asking the server again (a slow network makes Back feel broken). */
const seen = new Map();
const SEEN_MAX = 20;

function remember(model) {
  const key = location.pathname + location.search;
  seen.delete(key);
  seen.set(key, model);
  if (seen.size > SEEN_MAX) seen.delete(seen.keys().next().value);
}

/** Show the screen for the current URL; `userAction` moves focus to it and scroll to its
 * top, or to `scrollY` when Back or Forward returns to it. */
async function show(userAction, scrollY = null) {
  const route = router.current();
  const token = ++nav;
  if (controller) controller.abort();
  controller = new AbortController();
  hideError();
  $("q").value = route.name === "search" ? route.q : "";
  updateLimit(false);
  if (route.name === "home") {
    shown = { route };
    setStatus("");
    setBusy(false);
    render();
    if (userAction) window.scrollTo(0, scrollY || 0);
    return;
  }
  const view = VIEWS[route.name];
  $("examples").hidden = true;
  setStatus(route.name === "search" ? t("searching") : t("loading"));
  setBusy(true);
  try {
    const key = location.pathname + location.search;
    const model = scrollY !== null && seen.has(key)
      ? seen.get(key)
      : await view.load(route, controller.signal);
    if (token !== nav) return;
    remember(model);
    shown = { route, model };
    setBusy(false);
    render();
    setStatus(view.status ? view.status(model) : "", true);
    if (userAction) {
      window.scrollTo(0, scrollY || 0);
      focusHeading();
    }
    if (view.shown) view.shown(route, userAction); // e.g. scroll to the passage the URL names
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
  updateLimit();
  render();
}

/* The question's length against the server's limit (ATP_MAX_QUERY_CHARS, 500 by default,
 * written into the page as data-max): a counter near the limit, and a message instead of a
 * silent cut when it is over. */
let limitShown = false;

function updateLimit(show) {
  const box = $("q");
  const max = Number(box.getAttribute("data-max")) || Infinity;
  const n = [...box.value.trim()].length; // code points, as the server counts
  const over = n > max;
  if (show !== undefined) limitShown = show && over;
  if (!over) limitShown = false;
  const count = $("q-count");
  count.hidden = n < 0.8 * max;
  count.textContent = `${n} / ${max}`;
  count.classList.toggle("over", over);
  box.setAttribute("aria-invalid", over ? "true" : "false");
  $("q-limit").hidden = !limitShown;
  $("q-limit").textContent = limitShown ? t("tooLong", { n, max }) : "";
  return over;
}

function wire() {
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("q").value.trim();
    if (!q) {
      $("q").focus();
      return;
    }
    if (updateLimit(true)) {
      $("q").focus();
      return;
    }
    $("q").blur();
    router.navigate(router.urls.search(q));
  });
  $("q").addEventListener("input", () => updateLimit());
  for (const b of document.querySelectorAll(".lang-btn")) {
    const lang = b.getAttribute("data-lang");
    const prefetch = () => i18n.load(lang).catch(() => {});
    b.addEventListener("pointerenter", prefetch);
    b.addEventListener("focus", prefetch);
    b.addEventListener("click", () => {
      if ($("lang-toggle").getAttribute("aria-expanded") === "true") {
        toggleLanguages(false);
        $("lang-toggle").focus();
      }
      setLanguage(lang);
    });
  }
  $("lang-toggle").addEventListener("click", () =>
    toggleLanguages($("lang-toggle").getAttribute("aria-expanded") !== "true"));
  $("lang-switch").addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && $("lang-toggle").getAttribute("aria-expanded") === "true") {
      toggleLanguages(false);
      $("lang-toggle").focus();
    }
  });
  $("forget-answers").addEventListener("click", async () => {
    seen.clear();
    await offline.forgetAnswers();
    setStatus(t("answersForgotten"));
  });
  router.start(show);
}

/** The service worker keeps the page and the plan for use offline (sw.js); registered once
 * the page has loaded, so it never competes with the first screen. Where it is refused
 * (plain http, blocked), the page works online only. */
function keepForOffline() {
  if (!("serviceWorker" in navigator)) return;
  const register = () => navigator.serviceWorker.register("/sw.js").catch(() => {});
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}

/** A note at the foot of the screen while the browser says it is offline. */
function watchNetwork() {
  const update = () => {
    $("offline-note").hidden = navigator.onLine;
    document.body.classList.toggle("is-offline", !navigator.onLine);
  };
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
  update();
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
  watchNetwork();
  document.documentElement.dataset.ready = "true"; // the page is wired (tests wait for it)
  keepForOffline();
  await show(false);
}

start();
