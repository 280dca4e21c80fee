/* Search results (/?q=): POST /ask's answer beside the ranked passages. When the answer
 * service fails, GET /search still shows the passages, with a note. */

import * as api from "../api.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { renderAnswer } from "./answer.js";
import { passageCard, unofficialNote } from "./parts.js";

/** Statuses of /ask after which /search is worth a try: the answer step failed, not the query. */
const fallsBack = (err) =>
  err instanceof api.ApiError && (err.status >= 500 || err.status === 404 || err.status === 405);

export async function load(route, signal) {
  try {
    return { data: await api.ask(route.q, signal) };
  } catch (err) {
    if (!fallsBack(err)) throw err;
    let found;
    try {
      found = await api.search(route.q, 10, signal);
    } catch (second) {
      throw second && second.name === "AbortError" ? second : err;
    }
    return { data: { results: found.results }, answerFailed: true };
  }
}

const resultsOf = (model) => (Array.isArray(model.data.results) ? model.data.results : []);

/** The status line once results are on screen. */
export function status(model) {
  const covered = model.data.answered === false ? t("notCovered") + ". " : "";
  return covered + t("found", { n: resultsOf(model).length });
}

export function render(model, route) {
  const data = model.data;
  const results = resultsOf(model).filter((r) => r && r.passage);
  const byId = new Map(results.filter((r) => r.passage.id).map((r) => [r.passage.id, r.passage]));
  const answered = data.answered !== false;
  const heading = el("h2", { class: "results-for", tabindex: "-1", "data-focus": "" }, t("resultsFor", { q: route.q }));
  const failed = model.answerFailed ? el("p", { class: "note", text: t("answerUnavailable") }) : null;
  const side = renderAnswer(data, byId) || failed;

  const title = answered ? t("relevant") : t("nearest");
  const list = el("ol", { class: "cards results", "aria-label": title },
    results.map((r) => el("li", null, passageCard(r.passage, { highlights: r.highlights }))));
  const section = el("section", { class: "results-section", "aria-labelledby": "results-h" },
    el("h2", { id: "results-h", class: "section-title" }, title, " ",
      el("span", { class: "count", text: "(" + resultsOf(model).length + ")" })),
    results.length ? list : el("p", { class: "empty", text: t("noResults") }),
    results.length ? unofficialNote() : null);

  return [heading, el("div", { class: "search-layout" + (side ? " has-answer" : "") },
    side ? el("div", { class: "answer-col" }, side) : null, section)];
}
