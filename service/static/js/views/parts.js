/* Pieces shared by the views: passage cards, agency chips, breadcrumbs, links. Each takes
 * API data and returns DOM; chips and links navigate through the router. */

import { copyText } from "../clipboard.js";
import { el, marked, pick, str } from "../dom.js";
import { has, script, t } from "../i18n.js";
import * as router from "../router.js";

export const agencyName = (a) => pick(a, script()) || str(a && a.id);

/** An in-page link: the router turns its click into a pushState navigation. */
export function linkTo(url, cls, text, attrs) {
  return el("a", { ...attrs, href: url, class: cls, "data-nav": "" }, text);
}

/** "← Back", only when Back stays on the site. */
export function backButton() {
  if (!router.canGoBack()) return null;
  return el("button", { type: "button", class: "btn btn-ghost btn-small back", on: { click: router.back } },
    "← " + t("back"));
}

/** The note under English text: the translation is unofficial. */
export const unofficialNote = () =>
  script() === "en" ? el("p", { class: "note small", text: t("unofficialShort") }) : null;

export function chips(list, cls) {
  const here = router.current();
  const ul = el("ul", { class: "chips" });
  for (const a of list || []) {
    if (!a || !a.id) continue;
    ul.appendChild(el("li", null, el("button", {
      type: "button", class: "chip " + cls, "data-agency": a.id, title: pick(a, "en"), lang: script(),
      "aria-current": here.name === "agency" && here.id === a.id ? "true" : null,
      on: { click: () => router.navigate(router.urls.agency(a.id)) },
    }, agencyName(a))));
  }
  return ul;
}

/** Agencies the question names, each with its counts: the way into all its obligations. */
export function namedAgencies(list) {
  const named = list.filter((a) => a && a.id);
  const ul = chips(named, "chip-named");
  Array.from(ul.children).forEach((li, i) => {
    const a = named[i];
    li.appendChild(el("span", { class: "role-counts",
      text: t("roleCounts", { lead: a.lead_count, coop: a.cooperating_count }) }));
  });
  return el("div", { class: "agency-row named" }, el("span", { class: "agency-label", text: t("named") }), ul);
}

const agencyRow = (label, list, cls) =>
  list && list.length
    ? el("div", { class: "agency-row" }, el("span", { class: "agency-label", text: label }), chips(list, cls))
    : null;

export function agencyRows(p) {
  const rows = [
    agencyRow(t("leadAgencies"), p.lead_agencies, "chip-lead"),
    agencyRow(t("coopAgencies"), p.cooperating_agencies, "chip-coop"),
  ].filter(Boolean);
  return rows.length ? el("div", { class: "agencies" }, rows) : null;
}

/** Where a passage sits: its ancestors' titles. A parent measure's "title" is its whole
 * text, so long steps are shortened (the parent clause is one click away). */
export function crumbs(p) {
  const sc = script();
  const max = sc === "en" ? 60 : 24;
  const steps = (Array.isArray(p.path) ? p.path : [])
    .filter((s) => s && s.id !== p.id)
    .map((s) => {
      const title = pick(s.title, sc);
      return title.length > max ? title.slice(0, max - 1).replace(/[\s，,、；;]+$/, "") + "…" : title;
    })
    .filter(Boolean);
  return steps.length ? el("p", { class: "crumbs", lang: sc, text: steps.join(" › ") }) : null;
}

export function kindBadge(kind) {
  const k = str(kind);
  const key = "kind." + k;
  return el("span", { class: "kind kind-" + k.replace(/[^a-z]/g, ""), text: has(key) ? t(key) : k });
}

export function roleBadge(role) {
  if (!role) return null;
  const lead = role === "lead";
  return el("span", { class: "role role-" + (lead ? "lead" : "coop"), text: lead ? t("lead") : t("cooperating") });
}

export function copyLinkButton(url, cls) {
  return el("button", { type: "button", class: cls,
    on: { click: (ev) => copyText(location.origin + url, ev.currentTarget) } }, t("copyLink"));
}

/** One passage as a card: citation link, breadcrumbs, text with highlights, agencies. */
export function passageCard(p, { highlights, role } = {}) {
  const sc = script();
  const id = str(p.id);
  const url = router.urls.passage(id);
  const here = router.current();
  return el("article", { class: "card", "data-id": id, "data-role": role || null },
    el("div", { class: "card-meta" },
      kindBadge(p.kind), roleBadge(role), el("code", { class: "pid", title: t("id") }, id)),
    el("h3", { class: "card-title" }, linkTo(url, "cite", pick(p.citation, sc), { lang: sc })),
    crumbs(p),
    el("p", { class: "ptext", lang: sc }, marked(pick(p.text, sc), highlights && highlights[sc])),
    agencyRows(p),
    el("div", { class: "card-actions" },
      linkTo(url, "btn btn-small", t("compare")),
      linkTo(router.urls.plan({ at: id, q: here.name === "search" ? here.q : null }), "btn btn-small btn-ghost read-in-plan", t("readInPlan")),
      copyLinkButton(url, "btn btn-small btn-ghost copy-link")));
}
