/* The service worker (served at /sw.js, scope /): the page, its files and the plan kept on
 * the device, so that on a dead or crawling network the page still opens, the reading
 * view, the agency lists and the passages still work, and a search falls back to keyword
 * search over the kept plan (js/offline.js). A classic script, not a module: phones whose
 * browsers cannot run module workers still get it.
 *
 * One cache per static version, filled at install; an update installs the new version's
 * cache and deletes the old ones. Nothing is sent anywhere: what is kept is what the server
 * already sends to every reader (questions are never cached here; the page keeps its few
 * recent answers itself, in "atp-answers"). */

// Written by service/page.py when it serves this file: a new build, a new worker.
const VERSION = "dev";
const ASSETS = [];

const CACHE = "atp-" + VERSION;
const ANSWERS = "atp-answers"; // kept across versions (js/offline.js bounds it)
const PREFIX = "/static/v/";
const PAGE = "/";
// the plan as the API serves it, small enough to keep whole (/plan?q= offline: no marks)
const DATA = ["/plan", "/passages", "/agencies", "/overview"];
// a page that takes longer than this on a crawling network is shown from the device
const PAGE_WAIT_MS = 4000;
// one copy per URL: the page's language and the encoding do not split what is kept
const ANY = { ignoreVary: true };

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const page = await fetch(PAGE, { cache: "no-cache" });
    if (!page.ok || page.headers.get("x-static-version") !== VERSION) {
      throw new Error("the page is not of this version"); // the next visit tries again
    }
    // the page's own language's strings beside the English ones (the rest when used)
    const lang = page.headers.get("content-language") || "en";
    const strings = [...new Set(["en", lang])].map((l) => PREFIX + VERSION + "/i18n/" + l + ".json");
    await cache.addAll([...ASSETS, ...strings, ...DATA]);
    await cache.put(PAGE, page);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("atp-") && key !== CACHE && key !== ANSWERS) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) event.respondWith(page(request));
  else if (url.pathname.startsWith(PREFIX)) event.respondWith(asset(request, url));
  else if (DATA.includes(url.pathname)) event.respondWith(data(request, url));
});

/** The page from the network, kept for next time; the kept one when the network fails or
 * is slower than PAGE_WAIT_MS. Only a page of this version is kept: its files are here. */
async function page(request) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => {
    if (response.ok && response.headers.get("x-static-version") === VERSION) {
      cache.put(PAGE, response.clone());
    }
    return response;
  });
  const slow = new Promise((resolve) => setTimeout(resolve, PAGE_WAIT_MS));
  const first = await Promise.race([network.catch(() => null), slow]);
  return first || (await cache.match(PAGE, ANY)) || network;
}

/** A versioned file: this version's from the device; another version's (a tab opened
 * before an update) from the network, or this version's copy when there is none. */
async function asset(request, url) {
  const cache = await caches.open(CACHE);
  const path = url.pathname.slice(PREFIX.length).replace(/^[^/]+\//, "");
  const here = PREFIX + VERSION + "/" + path;
  if (url.pathname !== here) {
    try {
      return await fetch(request);
    } catch (err) {
      return (await cache.match(here, ANY)) || Promise.reject(err);
    }
  }
  const kept = await cache.match(here, ANY);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) cache.put(here, response.clone());
  return response;
}

/** The plan's data: fresh from the network and kept; the kept copy when it fails. */
async function data(request, url) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !url.search) cache.put(url.pathname, response.clone());
    return response;
  } catch (err) {
    return (await cache.match(url.pathname, ANY)) || Promise.reject(err);
  }
}
