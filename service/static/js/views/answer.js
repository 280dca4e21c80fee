/* The answer box of a search: the short answer, its cited clauses, who is responsible,
 * and the agencies the question names. */

import { el, str, pick } from "../dom.js";
import { script, t } from "../i18n.js";
import * as router from "../router.js";
import { chips, linkTo, namedAgencies } from "./parts.js";

/** The answer section for a POST /ask response, or null when it has no answer text.
 * `byId` maps passage ids to the result passages, which label the citations. */
export function renderAnswer(data, byId) {
  if (typeof data.answer !== "string" || !data.answer) return null;
  const answered = data.answered !== false;
  const answerLang = str(data.lang) || null;
  const details = {};
  for (const d of Array.isArray(data.citation_details) ? data.citation_details : []) {
    if (d && d.id && typeof d.citation === "string") details[d.id] = d.citation;
  }
  const cites = el("ol", { class: "citations" });
  const leads = [];
  const seen = new Set();
  for (const raw of Array.isArray(data.citations) ? data.citations : []) {
    const cid = str(raw);
    const p = byId.get(cid);
    const label = p ? pick(p.citation, script()) : details[cid] || cid;
    cites.appendChild(el("li", null,
      linkTo(router.urls.passage(cid), "citation", label, { lang: p ? script() : answerLang }),
      " ", el("code", { class: "pid" }, cid)));
    for (const a of (p && p.lead_agencies) || []) {
      if (a && a.id && !seen.has(a.id)) {
        seen.add(a.id);
        leads.push(a);
      }
    }
  }
  const named = Array.isArray(data.agencies) && data.agencies.length ? namedAgencies(data.agencies) : null;
  const notice = typeof data.notice === "string" && data.notice
    ? el("p", { class: "notice", lang: answerLang, text: data.notice })
    : null;
  const cls = "answer" + (answered ? "" : " not-answered");
  return el("section", { class: cls, "aria-labelledby": "answer-h", "aria-live": "polite" },
    el("h2", { id: "answer-h", class: "answer-title", text: t("answer") }),
    el("p", { class: "answer-text", lang: answerLang }, data.answer),
    cites.childNodes.length ? el("div", { class: "answer-sources" }, el("h3", { text: t("sources") }), cites) : null,
    answered && leads.length
      ? el("div", { class: "agency-row" },
        el("span", { class: "agency-label", text: t("responsible") }), chips(leads, "chip-lead"))
      : null,
    named,
    notice);
}
