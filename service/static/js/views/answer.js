/* The answer box of a search, shown by the kind of answer /ask gave (its `intent`):
 * - obligations: the agency's counts, and a way into its whole list (full_list's role);
 * - responsibility: the lead agencies of the task, then the cooperating ones;
 * - clause: the answer, its cited clauses and who is responsible;
 * - fact: the answer alone (a fact about the plan cites no clause);
 * - a decline (answered false, out_of_scope): the decline, and at most the related clause(s)
 *   labelled as related, never as the answer.
 * A border-language answer also shows the clause quoted in English and Chinese (`quote`). */

import { el, pick, str } from "../dom.js";
import { CHINESE, segments, spans } from "../scripts.js";
import { script, t } from "../i18n.js";
import * as router from "../router.js";
import { chips, linkTo, namedAgencies } from "./parts.js";

export const INTENTS = ["obligations", "responsibility", "clause", "fact", "out_of_scope"];

/** The kind of answer: the server's intent, else what `answered` implies (older servers). */
export function intentOf(data) {
  const i = str(data && data.intent);
  if (INTENTS.includes(i)) return i;
  return data && data.answered === false ? "out_of_scope" : "clause";
}

/** A decline: the plan does not answer this question. */
export const declined = (data) => data.answered === false || intentOf(data) === "out_of_scope";

/** {agency, role} of an obligations answer's full_list ("/agencies/mca/passages?role=lead"),
 * or null. Pure. */
export function fullListOf(path) {
  const m = /^\/agencies\/([^/?#]+)\/passages(?:\?(.*))?$/.exec(str(path));
  if (!m) return null;
  const role = new URLSearchParams(m[2] || "").get("role");
  let agency;
  try {
    agency = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  return { agency, role: role === "lead" || role === "cooperating" ? role : "any" };
}

/** English strings a border-language answer carries: its quote, citations and agency names. */
function englishMarks(data, byId) {
  const found = new Set();
  if (data.quote && typeof data.quote.en === "string") found.add(data.quote.en);
  for (const d of [...(data.citation_details || []), ...(data.related || [])]) {
    if (d && typeof d.citation === "string") found.add(d.citation);
  }
  const agencies = [...(Array.isArray(data.agencies) ? data.agencies : [])];
  for (const p of byId.values()) agencies.push(...(p.lead_agencies || []), ...(p.cooperating_agencies || []));
  for (const a of agencies) if (a && typeof a.en === "string") found.add(a.en);
  return [...found].map((find) => ({ find, lang: "en" }));
}

/** The answer's text: quoted parts carry their language; an obligations answer's API path
 * to the full list is named as the agency and its count. */
function answerText(data, byId, list) {
  const lang = str(data.lang) || null;
  const own = lang === "en" || CHINESE.includes(lang);
  const marks = own ? [] : englishMarks(data, byId);
  if (data.quote && typeof data.quote["zh-Hans"] === "string") {
    marks.push({ find: data.quote["zh-Hans"], lang: "zh-Hans" });
  }
  if (list) marks.push({ find: str(data.full_list), link: list });
  // the API path reads as the agency and its count; the button below opens the list
  const link = (s) => el("strong", { class: "full-list-inline", lang: script(), text: s.link.label });
  return el("p", { class: "answer-text", lang }, spans(segments(data.answer, lang, marks), lang, link));
}

const roleLabel = (role) => (role === "lead" ? t("lead") : role === "cooperating" ? t("cooperating") : t("all"));

/** The agency an obligations answer is about: its name, counts and full list, or null. */
function obligationsOf(data) {
  const list = fullListOf(data.full_list);
  if (!list) return null;
  const agencies = Array.isArray(data.agencies) ? data.agencies : [];
  const a = agencies.find((x) => x && x.id === list.agency) || { id: list.agency };
  const lead = Number(a.lead_count) || 0;
  const coop = Number(a.cooperating_count) || 0;
  const n = list.role === "lead" ? lead : list.role === "cooperating" ? coop : lead + coop;
  const name = pick(a, script()) || list.agency;
  const url = router.urls.agency(list.agency, list.role);
  return { ...list, a, n, url, label: name + " · " + roleLabel(list.role) + " " + n };
}

/** Obligations: the agency with its counts (the named-agency row) and its whole list. */
function obligationsBlock(ob) {
  const label = ob.role === "lead"
    ? t("fullListLead", { n: ob.n })
    : ob.role === "cooperating" ? t("fullListCooperating", { n: ob.n }) : t("fullListAny", { n: ob.n });
  const row = ob.a.lead_count != null ? namedAgencies([ob.a]) : null;
  return el("div", { class: "obligations", "data-agency": ob.agency, "data-role": ob.role },
    row,
    linkTo(ob.url, "btn btn-primary full-list", label + " →", { "data-role": ob.role }));
}

/** Responsibility: who leads the task (prominent), then who cooperates. */
function whoLeads(p) {
  const lead = (p && p.lead_agencies) || [];
  if (!lead.length) return null;
  const coop = p.cooperating_agencies || [];
  return el("div", { class: "who-leads" },
    el("h3", { class: "who-title", text: t("leadAgencies") }),
    chips(lead, "chip-lead chip-big"),
    coop.length ? el("h3", { class: "who-title coop", text: t("coopAgencies") }) : null,
    coop.length ? chips(coop, "chip-coop") : null);
}

/** A decline's related clause(s): for reference, plainly not the answer (the answer's text
 * already quotes them). */
function relatedBlock(data, byId) {
  const related = (Array.isArray(data.related) ? data.related : []).filter((r) => r && r.id);
  if (!related.length) return null;
  const sc = script();
  return el("div", { class: "related" },
    el("h3", { class: "related-title", text: t("relatedTitle") }),
    el("ul", { class: "related-list" }, related.map((r) => {
      const id = str(r.id);
      const p = byId.get(id);
      return el("li", { "data-id": id },
        linkTo(router.urls.passage(id), "related-link", p ? pick(p.citation, sc) : str(r.citation),
          { lang: p ? sc : str(data.lang) || null }),
        " ", el("code", { class: "pid" }, id));
    })));
}

/** A border-language answer's quote: the unofficial English beside the Chinese original. */
function quoteBlock(quote) {
  if (!quote || typeof quote !== "object") return null;
  const en = str(quote.en);
  const zh = str(quote["zh-Hans"]);
  if (!en && !zh) return null;
  const col = (lang, label, text) => el("figure", { class: "quote-col quote-" + lang },
    el("figcaption", { class: "quote-label", text: label }),
    el("blockquote", { lang, text }));
  return el("div", { class: "quote", role: "group", "aria-label": t("quoteTitle") },
    el("h3", { class: "quote-title", text: t("quoteTitle") }),
    el("div", { class: "quote-cols" },
      en ? col("en", t("quoteEnglish"), en) : null,
      zh ? col("zh-Hans", t("quoteChinese"), zh) : null));
}

function sources(data, byId) {
  const details = {};
  for (const d of Array.isArray(data.citation_details) ? data.citation_details : []) {
    if (d && d.id && typeof d.citation === "string") details[d.id] = d.citation;
  }
  const cites = el("ol", { class: "citations" });
  for (const raw of Array.isArray(data.citations) ? data.citations : []) {
    const cid = str(raw);
    const p = byId.get(cid);
    const label = p ? pick(p.citation, script()) : details[cid] || cid;
    cites.appendChild(el("li", null,
      linkTo(router.urls.passage(cid), "citation", label, { lang: p ? script() : str(data.lang) || null }),
      " ", el("code", { class: "pid" }, cid)));
  }
  return cites.childNodes.length ? el("div", { class: "answer-sources" }, el("h3", { text: t("sources") }), cites) : null;
}

/** The lead agencies of the cited passages, each once. */
function leadsOf(data, byId) {
  const leads = [];
  const seen = new Set();
  for (const cid of Array.isArray(data.citations) ? data.citations : []) {
    const p = byId.get(str(cid));
    for (const a of (p && p.lead_agencies) || []) {
      if (a && a.id && !seen.has(a.id)) {
        seen.add(a.id);
        leads.push(a);
      }
    }
  }
  return leads;
}

/** The answer section for a POST /ask response, or null when it has no answer text.
 * `byId` maps passage ids to the result passages, which label the citations. */
export function renderAnswer(data, byId) {
  if (typeof data.answer !== "string" || !data.answer) return null;
  const intent = intentOf(data);
  const no = declined(data);
  const ob = intent === "obligations" && !no ? obligationsOf(data) : null;
  const answerLang = str(data.lang) || null;
  const named = (Array.isArray(data.agencies) ? data.agencies : [])
    .filter((a) => a && a.id && !(ob && a.id === ob.agency));
  const notice = typeof data.notice === "string" && data.notice
    ? el("p", { class: "notice", lang: answerLang, text: data.notice })
    : null;
  const first = byId.get(str((data.citations || [])[0]));
  const leads = intent === "clause" && !no ? leadsOf(data, byId) : [];

  let body;
  if (no) {
    body = [relatedBlock(data, byId)];
  } else if (intent === "fact") {
    body = [];
  } else {
    body = [
      ob ? obligationsBlock(ob) : null,
      intent === "responsibility" ? whoLeads(first) : null,
      sources(data, byId),
      leads.length
        ? el("div", { class: "agency-row" },
          el("span", { class: "agency-label", text: t("responsible") }), chips(leads, "chip-lead"))
        : null,
    ];
  }
  const cls = "answer intent-" + intent.replace("_", "-") + (no ? " not-answered" : "");
  return el("section", { class: cls, "data-intent": intent, "aria-labelledby": "answer-h", "aria-live": "polite" },
    el("h2", { id: "answer-h", class: "answer-title", text: no ? t("notInPlan") : t("answer") }),
    answerText(data, byId, ob ? { url: ob.url, label: ob.label } : null),
    quoteBlock(data.quote),
    body,
    named.length ? namedAgencies(named) : null,
    notice);
}
