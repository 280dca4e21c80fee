/* The reading view (/?view=plan): the whole plan in reading order beside its table of
 * contents, each passage in place with its agencies and a permalink (&at=ID), previous and
 * next at the passage the URL names, the searched words marked (&q=), one script or all
 * three side by side (&script=; one at a time on a phone), a copy per script made for
 * translators, and a print layout (style.css). */

import { request } from "../api.js";
import { copyText } from "../clipboard.js";
import { append, el, marked, pick, str } from "../dom.js";
import { SCRIPTS, script, t } from "../i18n.js";
import * as router from "../router.js";
import { agencyRows, kindBadge, linkTo } from "./parts.js";

const WIDE = "(min-width: 960px)"; // where three columns fit side by side (as .tri does)
let allCache = null; // GET /passages and GET /plan do not change while the page is open
let planCache = null;

/** Every passage of the plan, in reading order (shared with the overview). */
export async function allPassages(signal) {
  allCache = allCache || (await request("/passages", { signal }));
  return (Array.isArray(allCache.passages) ? allCache.passages : []).filter((p) => p && p.id);
}

export async function load(route, signal) {
  const plan = route.q
    ? request("/plan?q=" + encodeURIComponent(route.q), { signal })
    : planCache || request("/plan", { signal });
  const [data, passages] = await Promise.all([plan, allPassages(signal)]);
  if (!route.q) planCache = data;
  return { plan: data, passages };
}

/** What a translator pastes: the clause, where it stands in which plan, and its link. Pure. */
export function translatorCopy(p, s, title, link) {
  const text = pick(p.text, s);
  const cite = pick(p.citation, s);
  const name = pick(title, s);
  if (s === "en") return `${text}\n— ${cite}, ${name} (unofficial translation)\n${link}`;
  return `${text}\n——《${name}》${cite}\n${link}`;
}

/** The script(s) to show: the URL's choice, else the UI's; all three only where they fit. */
function shownScripts(route) {
  const wanted = route.script || script();
  return wanted === "all" && !matchMedia(WIDE).matches ? script() : wanted;
}

const here = (changes) => {
  const r = router.current();
  return router.urls.plan({ at: r.at, q: r.q, script: r.script, ...changes });
};

function switcher(root, shown) {
  return el("fieldset", { class: "role-filter script-switch" }, el("legend", { text: t("showScript") }),
    [...SCRIPTS, "all"].map((s) => {
      const input = el("input", { type: "radio", name: "script", value: s, id: "show-" + s,
        on: { change: () => {
          root.setAttribute("data-show", s);
          router.replace(here({ script: s }));
        } } });
      input.checked = s === shown;
      return el("label", { class: "seg" + (s === "all" ? " wide-only" : ""), for: "show-" + s, lang: s === "all" ? null : s },
        input, s === "all" ? t("scriptsAll") : t("script." + s));
    }));
}

function toc(nodes, ctx, depth = 0) {
  if (depth > 1 || !nodes.length) return null;
  return el("ol", null, nodes.map((n) => el("li", null,
    linkTo(router.urls.plan({ at: n.id, q: ctx.q, script: ctx.script }), "toc-link", pick(n.title, ctx.sc), { lang: ctx.sc }),
    toc(n.children || [], ctx, depth + 1))));
}

function prevNext(ctx, i) {
  const link = (id, cls, label) => {
    const p = ctx.byId.get(id);
    return linkTo(router.urls.plan({ at: id, q: ctx.q, script: ctx.script }), "btn btn-small " + cls,
      label + " · " + pick(p.citation, ctx.sc), { lang: ctx.sc, rel: cls });
  };
  return el("nav", { class: "prevnext", "aria-label": t("prevNextLabel") },
    i > 0 ? link(ctx.order[i - 1], "prev", "← " + t("prev")) : null,
    i < ctx.order.length - 1 ? link(ctx.order[i + 1], "next", t("next") + " →") : null);
}

function passage(p, ctx) {
  const id = p.id;
  const i = ctx.order.indexOf(id);
  const current = id === ctx.at;
  const link = location.origin + router.urls.passage(id);
  const marks = ctx.marks[id] || {};
  return el("article", {
    class: "rp" + (p.parent_id ? " rp-bullet" : "") + (current ? " current" : ""),
    id: "p-" + id, "data-id": id, tabindex: "-1", "aria-current": current ? "location" : null,
    "aria-labelledby": "c-" + id,
  },
  el("div", { class: "card-meta" },
    linkTo(router.urls.plan({ at: id, q: ctx.q, script: ctx.script }), "rp-cite", pick(p.citation, ctx.sc),
      { id: "c-" + id, lang: ctx.sc, title: t("permalink") }),
    kindBadge(p.kind), el("code", { class: "pid" }, id)),
  el("div", { class: "rp-texts" }, SCRIPTS.map((s) => el("div", { class: "rp-col" + (s === ctx.sc ? " ui" : ""), "data-script": s },
    el("span", { class: "rp-lang", text: t("script." + s) }),
    el("p", { class: "rtext", lang: s }, marked(pick(p.text, s), marks[s])),
    el("button", { type: "button", class: "btn btn-small btn-ghost copy-cite", "data-script": s,
      "aria-label": t("copyCite") + " · " + t("script." + s),
      on: { click: (ev) => copyText(translatorCopy(p, s, ctx.title, link), ev.currentTarget) } }, t("copyCite"))))),
  agencyRows(p),
  current && i >= 0 ? prevNext(ctx, i) : null);
}

function node(n, ctx, depth) {
  const level = Math.min(6, 2 + depth);
  // only the parts are landmarks: their names are unique ("Work Goals" recurs below them)
  return el("section", { class: "plan-node depth-" + depth, id: "sec-" + n.id, "aria-labelledby": depth ? null : "h-" + n.id },
    el("h" + level, { id: "h-" + n.id, tabindex: "-1", lang: ctx.sc, text: pick(n.title, ctx.sc) }),
    (n.passages || []).map((pid) => ctx.byId.get(pid)).filter(Boolean).map((p) => passage(p, ctx)),
    (n.children || []).map((c) => node(c, ctx, depth + 1)));
}

export function render(model, route) {
  const sc = script();
  const byId = new Map(model.passages.map((p) => [p.id, p]));
  const plan = model.plan || {};
  const order = (Array.isArray(plan.order) ? plan.order : []).map(str).filter((id) => byId.has(id));
  const children = Array.isArray(plan.children) ? plan.children : [];
  const ctx = { sc, byId, order, at: route.at, q: route.q, script: route.script,
    marks: plan.marks || {}, title: plan.title || {} };
  const shown = shownScripts(route);
  const root = el("section", { class: "reading", "data-show": shown });
  const note = route.q
    ? el("p", { class: "marks-note" }, t("marksFor", { q: route.q, n: Object.keys(ctx.marks).length }), " ",
      linkTo(router.urls.plan({ at: route.at, script: route.script }), "clear-marks", t("clearMarks")))
    : null;
  const contents = el("details", { class: "toc", open: matchMedia(WIDE).matches },
    el("summary", { text: t("contents") }),
    el("nav", { "aria-label": t("contents") }, toc(children, ctx)));
  append(root, [
    // the view's own heading is the page's h1: the plan is what this page is
    el("h1", { class: "plan-title", tabindex: "-1", "data-focus": "", lang: sc, text: pick(ctx.title, sc) }),
    el("div", { class: "reading-tools" },
      switcher(root, shown),
      el("div", { class: "card-actions" },
        el("button", { type: "button", class: "btn btn-small", on: { click: () => window.print() } }, t("print")),
        el("a", { class: "btn btn-small btn-ghost", href: "/export/tmx", download: "" }, t("downloadTmx")),
        el("a", { class: "btn btn-small btn-ghost", href: "/export/glossary.tbx", download: "" }, t("downloadTbx")))),
    note,
    el("div", { class: "reading-layout" }, contents,
      el("div", { class: "reading-text" }, children.map((n) => node(n, ctx, 0))))]);
  return root;
}

export const status = (model) => t("planCount", { n: model.passages.length });

export function title(model, route) {
  const p = route.at && model.passages.find((x) => x.id === route.at);
  return p ? pick(p.citation, script()) + " · " + t("navPlan") : t("navPlan");
}

/** After drawing: bring the passage (or heading) the URL names into view, with focus. */
export function shown(route) {
  if (!route.at) return;
  const target = document.getElementById("p-" + route.at) || document.getElementById("sec-" + route.at);
  if (!target) return;
  target.scrollIntoView({ block: "start" });
  const focus = target.tagName === "ARTICLE" ? target : target.querySelector("[tabindex]");
  if (focus) focus.focus({ preventScroll: true });
}
