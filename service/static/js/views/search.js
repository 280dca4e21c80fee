/* Search results (/?q=&kind=): POST /ask's answer beside the ranked passages. When the
 * answer service fails, GET /search still shows the passages, with a note; with no network
 * at all, the answer kept on this device or a keyword search of the kept plan (offline.js). */

import * as api from "../api.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";
import * as offline from "../offline.js";
import * as router from "../router.js";
import { declined, intentOf, renderAnswer } from "./answer.js";
import { passageCard, unofficialNote } from "./parts.js";

/** Statuses of /ask after which /search is worth a try: the answer step failed, not the query. */
const fallsBack = (err) =>
  err instanceof api.ApiError && (err.status >= 500 || err.status === 404 || err.status === 405);

/** /ask's answer; when the answer step fails, /search's passages alone. */
async function answer(q, signal) {
  try {
    const data = await api.ask(q, signal);
    offline.keepAnswer(q, data); // readable again when the network fails (offline.js)
    return { data };
  } catch (err) {
    if (!fallsBack(err)) throw err;
    let found;
    try {
      found = await api.search(q, 10, signal);
    } catch (second) {
      throw second && second.name === "AbortError" ? second : err;
    }
    return { data: { results: found.results }, answerFailed: true };
  }
}

/** The answer, with the passages of one kind (/search's kind) when the URL names one;
 * without the network, the kept answer or a keyword search of the kept plan. */
export function load(route, signal) {
  const online = async () => {
    const [model, ofKind] = await Promise.all([
      answer(route.q, signal),
      route.kind ? api.search(route.q, 10, signal, route.kind) : null,
    ]);
    return ofKind ? { ...model, data: { ...model.data, results: ofKind.results } } : model;
  };
  return offline.orKept(online, () => offline.search(route.q, route.kind));
}

const resultsOf = (model) => (Array.isArray(model.data.results) ? model.data.results : []);

/** The status line once results are on screen: a decline or a fact says so, not a count.
 * (Without an answer, when /ask failed, the data is /search's: read as a clause.) */
export function status(model) {
  const data = model.data;
  if (declined(data)) return t("notCovered");
  if (intentOf(data) === "fact") return t("answerShown");
  return t("found", { n: resultsOf(model).length });
}

const cards = (results, title, highlight) => el("ol", { class: "cards results", "aria-label": title },
  results.map((r) => el("li", null, passageCard(r.passage, { highlights: highlight ? r.highlights : null }))));

/** Narrow the passages to one kind (measure, sub-measure, goal, …): a new permalink. */
function kindFilter(route) {
  const select = el("select", { id: "kind-filter", class: "kind-select",
    on: { change: () => router.navigate(router.urls.search(route.q, select.value || null)) } },
  el("option", { value: "", text: t("all") }),
  router.KINDS.map((k) => el("option", { value: k, text: t("kind." + k) })));
  select.value = route.kind || "";
  return el("p", { class: "kind-filter" }, el("label", { for: "kind-filter", text: t("kindFilter") }), select);
}

/** The ranked passages: listed as relevant under an answer; under a decline, folded away
 * under a neutral label and without highlights (they do not answer the question); not at
 * all beside a fact about the plan. */
function resultsSection(model, results, route) {
  const data = model.data;
  if (intentOf(data) === "fact") return null;
  const n = resultsOf(model).length;
  const count = el("span", { class: "count", text: "(" + n + ")" });
  if (declined(data)) {
    if (!results.length) return null;
    return el("details", { class: "results-section nearest-passages" },
      el("summary", { class: "section-title" }, t("nearest"), " ", count),
      el("p", { class: "note small", text: t("nearestNote") }),
      cards(results, t("nearest"), false),
      unofficialNote());
  }
  const title = t("relevant");
  return el("section", { class: "results-section", "aria-labelledby": "results-h" },
    el("h2", { id: "results-h", class: "section-title" }, title, " ", count),
    kindFilter(route),
    results.length ? cards(results, title, true) : el("p", { class: "empty", text: t("noResults") }),
    results.length ? unofficialNote() : null);
}

export function render(model, route) {
  const data = model.data;
  const results = resultsOf(model).filter((r) => r && r.passage);
  const byId = new Map(results.filter((r) => r.passage.id).map((r) => [r.passage.id, r.passage]));
  const heading = el("h2", { class: "results-for", tabindex: "-1", "data-focus": "" }, t("resultsFor", { q: route.q }));
  const failed = model.answerFailed ? el("p", { class: "note", text: t("answerUnavailable") }) : null;
  const side = renderAnswer(data, byId) || failed;
  const section = resultsSection(model, results, route);
  const layout = "search-layout" + (side && section ? " has-answer" : "");
  return [heading, el("div", { class: layout },
    side ? el("div", { class: "answer-col" }, side) : null, section)];
}
