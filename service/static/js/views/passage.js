/* One passage (/?passage=ID): the translator's view, its three texts side by side
 * (stacked on a phone), each with a copy button. */

import * as api from "../api.js";
import { copyText } from "../clipboard.js";
import { el, pick, str } from "../dom.js";
import { SCRIPTS, script, t, translate } from "../i18n.js";
import * as router from "../router.js";
import { agencyRows, backButton, copyLinkButton, crumbs, kindBadge, linkTo } from "./parts.js";

export const load = async (route, signal) => ({ data: await api.passage(route.id, signal) });

function column(p, s) {
  const hid = "col-" + s;
  const name = t("script." + s);
  const text = pick(p.text, s);
  // The English column always says, in English, that it is an unofficial translation.
  const label = str(p.translation && p.translation.en) || translate("en", "unofficialShort");
  const unofficial = s === "en" ? el("p", { class: "unofficial", lang: "en", text: label }) : null;
  return el("section", { class: "col col-" + s, "aria-labelledby": hid },
    el("div", { class: "col-head" },
      el("h3", { id: hid, text: name }),
      el("button", { type: "button", class: "btn btn-small copy", "data-script": s,
        "aria-label": t("copy") + " · " + name, on: { click: (ev) => copyText(text, ev.currentTarget) } },
        t("copy"))),
    el("p", { class: "col-citation", lang: s, text: pick(p.citation, s) }),
    el("p", { class: "col-text", lang: s, "data-script": s, text }),
    unofficial);
}

export function render(model) {
  const p = model.data;
  const sc = script();
  const id = str(p.id);
  const all = SCRIPTS.map((s) => pick(p.citation, s) + "\n" + pick(p.text, s)).join("\n\n");
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
    el("div", { class: "tri" }, SCRIPTS.map((s) => column(p, s))));
}
