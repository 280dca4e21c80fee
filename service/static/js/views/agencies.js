/* The agency list (/?view=agencies), filtered as you type by any of an agency's names. */

import * as api from "../api.js";
import { el, pick, str } from "../dom.js";
import { script, t } from "../i18n.js";
import * as router from "../router.js";
import { agencyName, linkTo } from "./parts.js";

let cached = null; // GET /agencies does not change while the page is open

export async function load(_route, signal) {
  cached = cached || (await api.agencies(signal));
  return { data: cached };
}

/** Every name an agency goes by, lower-cased, for the filter. Pure. */
export const haystack = (a) =>
  [a.id, a["zh-Hans"], a["zh-Hant"], a.en, ...(a.abbreviations || []), ...(a.aliases || [])]
    .map(str).join("\n").toLowerCase();

export function render(model) {
  const items = Array.isArray(model.data.agencies) ? model.data.agencies.filter((a) => a && a.id) : [];
  const sc = script();
  const list = el("ul", { class: "agency-list" }, items.map((a) => el("li", { "data-search": haystack(a), "data-id": a.id },
    linkTo(router.urls.agency(a.id), "agency-link", agencyName(a), { lang: sc }),
    el("span", { class: "agency-sub" },
      // the other name a reader may know it by: Chinese beside English, English beside Chinese
      el("span", { lang: sc === "en" ? "zh-Hans" : "en", text: pick(a, sc === "en" ? "zh-Hans" : "en") }),
      el("span", { class: "agency-counts",
        text: t("agencyCounts", { lead: Number(a.lead_count) || 0, coop: Number(a.cooperating_count) || 0 }) })))));
  const none = el("p", { class: "empty", hidden: true, text: t("agencyNone") });
  const filter = el("input", { type: "search", id: "agency-filter", autocomplete: "off", on: { input: () => {
    const q = filter.value.trim().toLowerCase();
    let n = 0;
    for (const li of list.children) {
      li.hidden = !!q && !li.getAttribute("data-search").includes(q);
      if (!li.hidden) n++;
    }
    none.hidden = n > 0;
  } } });
  return el("section", { class: "agency-list-view" },
    el("h2", { tabindex: "-1", "data-focus": "", text: t("agencyListTitle") }),
    el("p", { class: "hint", text: t("agencyListIntro") }),
    el("label", { for: "agency-filter", class: "search-label small", text: t("agencyFilter") }),
    filter, sorter(items, list, sc), list, none);
}

/** Order the list by lead or cooperating count (largest first) or by name, in place. */
function sorter(items, list, sc) {
  const byId = new Map(items.map((a) => [a.id, a]));
  const key = {
    lead: (a) => [-(Number(a.lead_count) || 0), -(Number(a.cooperating_count) || 0)],
    coop: (a) => [-(Number(a.cooperating_count) || 0), -(Number(a.lead_count) || 0)],
    name: () => [0, 0],
  };
  const sort = (by) => {
    const lis = Array.from(list.children);
    const a = (li) => byId.get(li.getAttribute("data-id"));
    lis.sort((x, y) => {
      const [p, q] = [key[by](a(x)), key[by](a(y))];
      return p[0] - q[0] || p[1] - q[1] || agencyName(a(x)).localeCompare(agencyName(a(y)), sc);
    });
    for (const li of lis) list.appendChild(li);
  };
  return el("fieldset", { class: "role-filter agency-sort" }, el("legend", { text: t("sortBy") }),
    [["lead", t("colLeadTotal")], ["coop", t("colCoopTotal")], ["name", t("colAgency")]].map(([by, label]) =>
      el("label", { class: "seg", for: "sort-" + by },
        el("input", { type: "radio", name: "agency-sort", value: by, id: "sort-" + by, on: { change: () => sort(by) } }),
        label)));
}
