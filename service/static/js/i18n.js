/* UI strings: one JSON file per UI language in /static/i18n/, loaded on demand.
 * t(key, params) reads the current language and falls back to English, then to the key.
 * Adding a UI language is adding its JSON file and its button in index.html
 * (tests/unit/test_i18n.py checks that both agree and that every key is translated). */

import { request } from "./api.js";

// beside this module: under /static/v/<version>/ when the page came from the server
const BASE = new URL("../i18n/", import.meta.url).pathname;
export const FALLBACK = "en";
const STORE_KEY = "atp.lang";
// the same choice for the server, which writes the first screen in it (service/page.py)
const COOKIE = "atp_lang";
const YEAR_S = 365 * 24 * 3600;

/** Scripts the plan's text exists in; a UI language outside them reads the English text. */
export const SCRIPTS = ["zh-Hans", "zh-Hant", "en"];

const pending = new Map(); // lang -> Promise of its strings
const tables = new Map(); // lang -> strings, once loaded
let current = FALLBACK;

/** Fetch one language file (once; a failed fetch may be retried). */
export function load(lang) {
  if (!pending.has(lang)) {
    const p = request(`${BASE}${encodeURIComponent(lang)}.json`).then(
      (strings) => (tables.set(lang, strings), strings),
      (err) => (pending.delete(lang), Promise.reject(err)),
    );
    pending.set(lang, p);
  }
  return pending.get(lang);
}

let wanted = null;

/** Make `lang` current once its strings (and the English fallback) are loaded; false when
 * another language was asked for meanwhile (the last choice wins). */
export async function use(lang) {
  wanted = lang;
  await Promise.all([load(FALLBACK), load(lang)]);
  if (wanted !== lang) return false;
  current = lang;
  return true;
}

export const lang = () => current;
export const isLoaded = (l) => tables.has(l);

/** The script to show the plan's text in for a UI language. */
export const script = (l = current) => (SCRIPTS.includes(l) ? l : FALLBACK);

/** "lang:key" of every string shown in English for want of its translation (the browser
 * tests read it: a UI language should leave it empty). */
export const missing = new Set();

function lookup(l, key) {
  const own = tables.get(l);
  if (own && Object.hasOwn(own, key)) return own[key];
  const fallback = tables.get(FALLBACK);
  if (fallback && Object.hasOwn(fallback, key)) {
    if (l !== FALLBACK) missing.add(l + ":" + key);
    return fallback[key];
  }
  return undefined;
}

export const has = (key) => typeof lookup(current, key) === "string";

/** Fill {name} placeholders; an unknown placeholder stays as written. Pure. */
export function format(s, params) {
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => (params[k] != null ? String(params[k]) : m));
}

/** A string of a given language (the English column's fixed label, for one). */
export function translate(l, key, params) {
  const s = lookup(l, key);
  return typeof s === "string" ? format(s, params) : key;
}

/** A string of the current UI language. */
export const t = (key, params) => translate(current, key, params);

/** A list of strings (the example questions) of the current UI language. */
export function list(key) {
  const v = lookup(current, key);
  return Array.isArray(v) ? v.filter((s) => typeof s === "string") : [];
}

/** The supported language that best fits a list of BCP 47 preferences. Pure.
 * Chinese is matched by script: Hant for zh-Hant, zh-TW, zh-HK, zh-MO, Hans otherwise. */
export function matchLanguage(preferred, supported, fallback = FALLBACK) {
  const byLower = new Map(supported.map((s) => [s.toLowerCase(), s]));
  for (const tag of preferred || []) {
    const l = String(tag || "").toLowerCase().replace(/_/g, "-");
    if (byLower.has(l)) return byLower.get(l);
    if (/^zh(-|$)/.test(l)) {
      const hant = !/-hans(-|$)/.test(l) && /-(hant|tw|hk|mo)(-|$)/.test(l);
      const zh = byLower.get(hant ? "zh-hant" : "zh-hans");
      if (zh) return zh;
    }
    const primary = byLower.get(l.split("-")[0]);
    if (primary) return primary;
  }
  return fallback;
}

/** The language to start in: the one chosen before, else the one the server wrote the
 * page in (from the same choice or Accept-Language), else the browser's preference. */
export function detect(supported) {
  try {
    const saved = localStorage.getItem(STORE_KEY);
    if (saved && supported.includes(saved)) return saved;
  } catch {
    /* storage blocked */
  }
  const root = document.documentElement;
  if (root.hasAttribute("data-rendered") && supported.includes(root.lang)) return root.lang;
  const prefs = navigator.languages && navigator.languages.length
    ? navigator.languages
    : [navigator.language || FALLBACK];
  return matchLanguage(prefs, supported);
}

export function remember(l) {
  try {
    localStorage.setItem(STORE_KEY, l);
  } catch {
    /* storage blocked */
  }
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${COOKIE}=${encodeURIComponent(l)}; Max-Age=${YEAR_S}; Path=/; SameSite=Lax${secure}`;
}
