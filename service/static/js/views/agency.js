/* One agency (/?agency=ID&role=): every passage it leads or cooperates on, with a role
 * filter that is part of the permalink. */

import * as api from "../api.js";
import * as offline from "../offline.js";
import { el, pick, str } from "../dom.js";
import { SCRIPTS, script, t } from "../i18n.js";
import * as router from "../router.js";
import { agencyName, backButton, linkTo, passageCard, unofficialNote } from "./parts.js";

export const load = (route, signal) => offline.orKept(
  async () => ({ data: await api.agencyPassages(route.id, signal) }), () => offline.agencyPassages(route.id));

export function render(model, route) {
  const d = model.data;
  const a = d.agency || { id: route.id };
  const id = str(a.id || route.id);
  const counts = d.counts || {};
  const results = (Array.isArray(d.results) ? d.results : []).filter((r) => r && r.passage);
  const nLead = Number(counts.lead) || 0;
  const nCoop = Number(counts.cooperating) || 0;
  const sc = script();

  const list = el("ol", { class: "cards agency-results" },
    results.map((r) => el("li", { "data-role": r.role }, passageCard(r.passage, { role: r.role }))));
  const shown = el("p", { class: "showing", role: "status" });
  const total = Array.isArray(d.results) ? d.results.length : 0;
  const apply = (role) => {
    let n = 0;
    for (const li of list.children) {
      li.hidden = !(role === "any" || li.getAttribute("data-role") === role);
      if (!li.hidden) n++;
    }
    shown.textContent = t("showing", { n, total });
  };

  const options = [
    ["any", t("all"), nLead + nCoop],
    ["lead", t("lead"), nLead],
    ["cooperating", t("cooperating"), nCoop],
  ];
  const filter = el("fieldset", { class: "role-filter" }, el("legend", { text: t("show") }),
    options.map(([value, label, n]) => {
      const input = el("input", { type: "radio", name: "role", value, id: "role-" + value,
        on: { change: () => {
          apply(value);
          router.replace(router.urls.agency(id, value));
        } } });
      input.checked = value === route.role;
      return el("label", { class: "seg", for: "role-" + value }, input,
        el("span", null, label + " ", el("span", { class: "n", "data-count": value, text: String(n) })));
    }));

  const others = SCRIPTS.filter((s) => s !== sc).map((s) => el("span", { lang: s, text: pick(a, s) }));
  apply(route.role);
  return el("section", { class: "agency-view", "data-agency": id },
    backButton(),
    el("h2", { class: "agency-title", tabindex: "-1", "data-focus": "", lang: sc, text: agencyName(a) }),
    el("p", { class: "alt-names" }, others[0], " · ", others[1],
      a.id ? el("code", { class: "pid" }, str(a.id)) : null),
    el("p", { class: "counts", text: t("agencyCounts", { lead: nLead, coop: nCoop }) }),
    filter, shown, list,
    unofficialNote(),
    el("p", null, linkTo(router.urls.agencies(), "more", t("agencyListTitle") + " →")));
}
