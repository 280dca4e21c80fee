/* One passage (/?passage=ID): the translator's view, its three texts side by side on a wide
 * screen and one at a time behind tabs on a phone (not stacked 900 px apart), each with a
 * copy button. */

import * as api from "../api.js";
import * as offline from "../offline.js";
import { copyText } from "../clipboard.js";
import { el, pick, str } from "../dom.js";
import { SCRIPTS, script, t, translate } from "../i18n.js";
import * as router from "../router.js";
import { agencyRows, backButton, copyLinkButton, crumbs, kindBadge, linkTo } from "./parts.js";

export const load = (route, signal) =>
  offline.orKept(async () => ({ data: await api.passage(route.id, signal) }), () => offline.passage(route.id));

function column(p, s) {
  const hid = "col-" + s;
  const name = t("script." + s);
  const text = pick(p.text, s);
  // The English column always says, in English, that it is an unofficial translation.
  const label = str(p.translation && p.translation.en) || translate("en", "unofficialShort");
  const unofficial = s === "en" ? el("p", { class: "unofficial", lang: "en", text: label }) : null;
  return el("section", { class: "col col-" + s, id: "panel-" + s, role: "tabpanel", "aria-labelledby": hid },
    el("div", { class: "col-head" },
      el("h3", { id: hid, text: name }),
      el("button", { type: "button", class: "btn btn-small copy", "data-script": s,
        "aria-label": t("copy") + " · " + name, on: { click: (ev) => copyText(text, ev.currentTarget) } },
        t("copy"))),
    el("p", { class: "col-citation", lang: s, text: pick(p.citation, s) }),
    el("p", { class: "col-text", lang: s, "data-script": s, text }),
    unofficial);
}

let chosen = null; // the tab picked last: the next passage opens on the same script

/** Tabs for the three texts (a phone shows one; a wide screen hides the tabs and shows all
 * three): arrow keys move between them, as the ARIA tabs pattern has it. */
function tabs(tri, first) {
  const list = el("div", { class: "tabs", role: "tablist", "aria-label": t("showScript") });
  const select = (s, focus) => {
    chosen = s;
    tri.setAttribute("data-show", s);
    for (const tab of list.children) {
      const on = tab.getAttribute("data-script") === s;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
    }
  };
  for (const s of SCRIPTS) {
    list.appendChild(el("button", { type: "button", role: "tab", class: "tab", id: "tab-" + s, lang: s,
      "data-script": s, "aria-controls": "panel-" + s, on: { click: () => select(s) } }, t("script." + s)));
  }
  list.addEventListener("keydown", (ev) => {
    const i = SCRIPTS.indexOf(tri.getAttribute("data-show"));
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: SCRIPTS.length - 1 }[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    select(SCRIPTS[(to + SCRIPTS.length) % SCRIPTS.length], true);
  });
  select(first);
  return list;
}

export function render(model) {
  const p = model.data;
  const sc = script();
  const id = str(p.id);
  const all = SCRIPTS.map((s) => pick(p.citation, s) + "\n" + pick(p.text, s)).join("\n\n");
  const tri = el("div", { class: "tri" }, SCRIPTS.map((s) => column(p, s)));
  const parent = p.parent_id
    ? linkTo(router.urls.passage(p.parent_id), "btn btn-small btn-ghost", "↑ " + t("parent") + " " + p.parent_id)
    : null;
  return el("section", { class: "passage-view translator", "data-id": id },
    backButton(),
    crumbs(p),
    el("h2", { class: "passage-title", tabindex: "-1", "data-focus": "", lang: sc, text: pick(p.citation, sc) }),
    el("div", { class: "card-meta" }, kindBadge(p.kind), el("code", { class: "pid", title: t("id") }, id)),
    agencyRows(p),
    el("div", { class: "card-actions" },
      copyLinkButton(router.urls.passage(id), "btn btn-small copy-link"),
      el("button", { type: "button", class: "btn btn-small btn-ghost copy-all",
        on: { click: (ev) => copyText(all, ev.currentTarget) } }, t("copyAll")),
      parent),
    tabs(tri, chosen || sc),
    tri);
}
