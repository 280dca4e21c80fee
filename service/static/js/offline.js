/* The page without the network (issue 14), from what this device keeps: sw.js keeps the
 * plan as the API serves it (/passages, /agencies, …); from it a passage and an agency's
 * list are read here, and a search becomes a keyword search in the browser (Chinese in
 * either script, Traditional folded to Simplified by a map taken from the plan's own
 * parallel texts, and English). The last answers seen are kept too. Nothing leaves the
 * device; a fallback is used only when no response came at all. */

import { ApiError } from "./api.js";

const ANSWERS = "atp-answers"; // the Cache Storage sw.js keeps across versions
export const ANSWERS_MAX = 10; // questions may describe victims: keep few, not for long
export const ANSWERS_DAYS = 30;
const SCRIPTS = ["zh-Hans", "zh-Hant", "en"];
const HAN = /[\u3400-\u9fff\uf900-\ufaff]/;
const HAN_ALL = /[\u3400-\u9fff\uf900-\ufaff]/g;

/** No response at all (not an error answered, nor a slow server's timeout). */
export const unreachable = (err) => err instanceof ApiError && err.code === "network_error";

/** `call()`, or `fallback()` when the network is unreachable; the network's error stands
 * when the device keeps nothing to fall back on (a 404 of the fallback stands too). */
export async function orKept(call, fallback) {
  try {
    return await call();
  } catch (err) {
    if (!unreachable(err)) throw err;
    const kept = await fallback().catch((e) => (e instanceof ApiError && e.status ? Promise.reject(e) : null));
    if (!kept) throw err;
    return kept;
  }
}

const store = () => typeof caches !== "undefined"; // none on plain http

async function keptJson(path) {
  const response = store() && (await caches.match(path, { ignoreVary: true }));
  return response ? response.json() : null;
}

let plan = null;

/** The plan this device keeps: {passages, agencies, map}; a network error when none. */
async function keptPlan() {
  if (plan) return plan;
  const [p, a] = await Promise.all([keptJson("/passages"), keptJson("/agencies")]);
  if (!p || !Array.isArray(p.passages)) throw new ApiError("network_error", 0);
  const passages = p.passages.filter((x) => x && x.id);
  const agencies = (a && Array.isArray(a.agencies) ? a.agencies : []).filter((x) => x && x.id);
  plan = { passages, agencies, map: foldMap(passages, agencies) };
  return plan;
}

// ---------------------------------------------------------------- pure functions

/** Traditional -> Simplified, character by character, from the zh-Hant and zh-Hans of
 * every text, heading and agency of the plan (aligned where the lengths agree): every
 * Traditional character the plan uses is in it. Pure. */
export function foldMap(passages, agencies = []) {
  const map = new Map();
  const pair = (o) => {
    const [hant, hans] = [o && o["zh-Hant"], o && o["zh-Hans"]];
    if (typeof hant !== "string" || typeof hans !== "string" || hant.length !== hans.length) return;
    for (let i = 0; i < hant.length; i++) {
      if (hant[i] !== hans[i] && HAN.test(hant[i]) && HAN.test(hans[i])) map.set(hant[i], hans[i]);
    }
  };
  for (const p of passages) [p.text, p.citation, ...(p.path || []).map((s) => s && s.title)].forEach(pair);
  agencies.forEach(pair);
  return map;
}

/** Lower case, Traditional folded to Simplified; the length is kept, so offsets hold. Pure. */
export const fold = (text, map) => String(text || "").toLowerCase().replace(HAN_ALL, (c) => map.get(c) || c);

const STOP = new Set(("a an and are as at be by can do does for from has have how i if in is it its may must " +
  "of on or should that the their there this to was what when where which who why will with would you").split(" "));
const stem = (w) => (w.length > 4 ? w.replace(/(ing|ed|es|s)$/, "") : w); // matched at a word's start

/** A query's terms: Chinese as character pairs (a lone character alone), English words
 * but the common ones, as stems. Pure. */
export function terms(query, map) {
  const q = fold(String(query || "").normalize("NFKC"), map);
  const out = new Set();
  for (const run of q.match(/\p{Script=Han}+/gu) || []) {
    const c = Array.from(run);
    if (c.length === 1) out.add(run);
    for (let i = 0; i + 1 < c.length; i++) out.add(c[i] + c[i + 1]);
  }
  for (const w of q.match(/[a-z0-9]+/g) || []) if (w.length > 1 && !STOP.has(w)) out.add(stem(w));
  return [...out];
}

/** [start, end] of each place a term occurs in a folded text: a Chinese term in the
 * Chinese texts, an English one at the start of an English word. Pure. */
function spans(text, term, script) {
  const han = HAN.test(term);
  if (han !== (script !== "en")) return [];
  const re = han ? new RegExp(term, "g") : new RegExp("\\b" + term + "[a-z0-9]*", "g");
  return Array.from(text.matchAll(re), (m) => [m.index, m.index + m[0].length]);
}

/** Keyword search over the kept plan: BM25 (k1 1.2, b 0.75) of Chinese terms in the
 * Simplified text and English ones in the English text; results as /search gives them,
 * highlights in all three scripts. Pure. */
export function keywordSearch(passages, query, map, { k = 10, kind = null } = {}) {
  const want = terms(query, map);
  const docs = passages.filter((p) => !kind || p.kind === kind).map((p) => {
    const texts = Object.fromEntries(SCRIPTS.map((s) => [s, fold(p.text && p.text[s], map)]));
    const hits = want.map((term) => Object.fromEntries(SCRIPTS.map((s) => [s, spans(texts[s], term, s)])));
    return { p, texts, hits };
  });
  if (!want.length || !docs.length) return [];
  const han = want.map((term) => HAN.test(term));
  const field = (i) => (han[i] ? "zh-Hans" : "en");
  const size = (d, i) => (han[i] ? d.texts["zh-Hans"].length : d.texts.en.split(/\s+/).length) || 1;
  const avg = want.map((_, i) => docs.reduce((s, d) => s + size(d, i), 0) / docs.length);
  const idf = want.map((_, i) => {
    const df = docs.filter((d) => d.hits[i][field(i)].length).length;
    return Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
  });
  const score = (d) => d.hits.reduce((sum, h, i) => {
    const tf = h[field(i)].length;
    return sum + (idf[i] * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * size(d, i)) / avg[i]));
  }, 0);
  return docs.map((d, order) => ({ d, order, score: score(d) }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, k)
    .map(({ d, score: s }, i) => ({
      rank: i + 1,
      score: Math.round(s * 1000) / 1000,
      passage: d.p,
      highlights: Object.fromEntries(SCRIPTS.map((sc) => [sc, d.hits.flatMap((h) => h[sc])])),
    }));
}

/** A passage by id, as GET /passages/{id} gives it. Pure. */
export function passageOf(passages, id) {
  const p = passages.find((x) => x.id === id);
  if (!p) throw new ApiError("unknown_passage", 404);
  return p;
}

const names = (a) => [a.id, a["zh-Hans"], a["zh-Hant"], a.en, ...(a.abbreviations || []), ...(a.aliases || [])]
  .filter((s) => typeof s === "string").map((s) => s.toLowerCase());

/** An agency (by id, name or abbreviation) and its passages in reading order, as GET
 * /agencies/{id}/passages gives them. Pure. */
export function agencyPassagesOf(passages, agencies, id) {
  const wanted = String(id || "").trim().toLowerCase();
  const a = agencies.find((x) => x.id === id) || agencies.find((x) => names(x).includes(wanted));
  if (!a) throw new ApiError("unknown_agency", 404);
  const naming = (list) => (list || []).some((x) => x && x.id === a.id);
  const results = [];
  for (const p of passages) {
    const role = naming(p.lead_agencies) ? "lead" : naming(p.cooperating_agencies) ? "cooperating" : null;
    if (role) results.push({ role, passage: p });
  }
  const count = (role) => results.filter((r) => r.role === role).length;
  return {
    agency: { id: a.id, "zh-Hant": a["zh-Hant"], "zh-Hans": a["zh-Hans"], en: a.en },
    role: "any",
    counts: { lead: count("lead"), cooperating: count("cooperating") },
    results,
  };
}

// ---------------------------------------------------------------- answers seen

const answerKey = (q) => "/kept-answer?q=" + encodeURIComponent(String(q).trim());

/** Keep an answer (the newest ANSWERS_MAX, for ANSWERS_DAYS) for when the network fails. */
export async function keepAnswer(q, data) {
  if (!store()) return;
  try {
    const cache = await caches.open(ANSWERS);
    await cache.delete(answerKey(q)); // to the end of the order
    const body = JSON.stringify({ saved: Date.now(), data });
    await cache.put(answerKey(q), new Response(body, { headers: { "Content-Type": "application/json" } }));
    const keys = await cache.keys(); // oldest first
    for (const old of keys.slice(0, Math.max(0, keys.length - ANSWERS_MAX))) await cache.delete(old);
  } catch {
    /* storage full or blocked: not kept */
  }
}

/** The answer kept for this question, {saved, data}, or null; one too old is dropped. */
export async function keptAnswer(q, now = Date.now()) {
  const cache = store() && (await caches.open(ANSWERS));
  const response = cache && (await cache.match(answerKey(q)));
  if (!response) return null;
  const kept = await response.json();
  if (now - kept.saved < ANSWERS_DAYS * 24 * 3600 * 1000) return kept;
  await cache.delete(answerKey(q));
  return null;
}

export async function forgetAnswers() {
  if (store()) await caches.delete(ANSWERS);
}

// ---------------------------------------------------------------- the views' fallbacks

export const passage = async (id) => ({ data: passageOf((await keptPlan()).passages, id), offline: "data" });

export async function agencyPassages(id) {
  const { passages, agencies } = await keptPlan();
  return { data: agencyPassagesOf(passages, agencies, id), offline: "data" };
}

/** A question without the network: its kept answer, else a keyword search of the plan. */
export async function search(q, kind) {
  const answer = kind ? null : await keptAnswer(q);
  if (answer) return { data: answer.data, offline: "answer", saved: answer.saved };
  const { passages, map } = await keptPlan();
  return { data: { results: keywordSearch(passages, q, map, { kind }) }, offline: "search" };
}
