/* Who does what (/?view=overview): for each agency, how many passages it leads and
 * cooperates on in each part of the plan, as a table coloured by count, sortable by any
 * column (&sort=&dir=), each cell opening its passages above the table (&agency=&part=),
 * with the agency's list to download as CSV or read as Markdown. */

import { request } from "../api.js";
import { el, pick } from "../dom.js";
import { script, t } from "../i18n.js";
import * as router from "../router.js";
import { agencyName, linkTo, passageCard } from "./parts.js";
import { allPassages } from "./plan.js";

let cached = null; // GET /overview does not change while the page is open
const HEAT_LEVELS = 4;

export async function load(route, signal) {
  const open = route.agency && route.part;
  const [data, passages] = await Promise.all([
    cached || request("/overview", { signal }),
    open ? allPassages(signal) : [],
  ]);
  cached = data;
  return { data, passages };
}

const rowsOf = (data) => (Array.isArray(data.agencies) ? data.agencies : []).filter((r) => r && r.agency && r.agency.id);
const cellOf = (row, part) => (row.cells || []).find((c) => c.part === part) || { lead: [], cooperating: [] };
const total = (c) => c.lead.length + c.cooperating.length;

/** Rows sorted by "name", "lead", "coop" or a part id (its lead, then cooperating count);
 * counts largest first unless `dir` is "asc", names A to Z unless it is "desc". Pure. */
export function sortRows(rows, sort, dir, sc) {
  const key = {
    lead: (r) => [r.lead_count, r.cooperating_count],
    coop: (r) => [r.cooperating_count, r.lead_count],
  }[sort] || ((r) => { const c = cellOf(r, sort); return [total(c), c.lead.length]; });
  const name = (r) => pick(r.agency, sc);
  const sorted = [...rows];
  if (sort === "name") {
    sorted.sort((a, b) => name(a).localeCompare(name(b), sc));
    return dir === "desc" ? sorted.reverse() : sorted;
  }
  sorted.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return (y[0] - x[0]) || (y[1] - x[1]) || name(a).localeCompare(name(b), sc);
  });
  return dir === "asc" ? sorted.reverse() : sorted;
}

/** The colour step of a cell: 0 for none, else 1..HEAT_LEVELS by its share of the largest. Pure. */
export const heat = (n, max) => (n > 0 && max > 0 ? Math.max(1, Math.ceil((HEAT_LEVELS * n) / max)) : 0);

function panel(model, route, parts) {
  const row = rowsOf(model.data).find((r) => r.agency.id === route.agency);
  const part = parts.find((p) => p.id === route.part);
  if (!row || !part) return null;
  const cell = cellOf(row, part.id);
  const byId = new Map(model.passages.map((p) => [p.id, p]));
  const sc = script();
  const list = (role, ids) => ids.length
    ? el("ol", { class: "cards" }, ids.map((id) => byId.get(id)).filter(Boolean)
      .map((p) => el("li", { "data-role": role }, passageCard(p, { role }))))
    : null;
  const enc = encodeURIComponent(row.agency.id);
  return el("section", { class: "cell-panel", id: "cell-panel", tabindex: "-1", "aria-labelledby": "cell-h" },
    el("h2", { id: "cell-h", lang: sc }, agencyName(row.agency), " · ", pick(part.title, sc)),
    el("p", { class: "counts", text: t("agencyCounts", { lead: cell.lead.length, coop: cell.cooperating.length }) }),
    list("lead", cell.lead), list("cooperating", cell.cooperating),
    el("div", { class: "card-actions" },
      linkTo(router.urls.agency(row.agency.id), "btn btn-small", t("allOfAgency")),
      el("a", { class: "btn btn-small btn-ghost", href: `/agencies/${enc}/passages?format=csv`, download: "" }, t("downloadCsv")),
      el("a", { class: "btn btn-small btn-ghost", href: `/agencies/${enc}/passages?format=md` }, t("openMarkdown")),
      linkTo(router.urls.overview({ sort: route.sort, dir: route.dir }), "btn btn-small btn-ghost close-cell", t("closeCell"))));
}

function body(rows, parts, route, max) {
  const sc = script();
  return el("tbody", null, rows.map((r) => el("tr", { "data-agency": r.agency.id },
    el("th", { scope: "row" }, linkTo(router.urls.agency(r.agency.id), "agency-link", agencyName(r.agency), { lang: sc })),
    parts.map((p) => {
      const c = cellOf(r, p.id);
      const n = total(c);
      const label = t("cellLabel", { agency: agencyName(r.agency), part: pick(p.title, sc), lead: c.lead.length, coop: c.cooperating.length });
      return el("td", { class: "heat heat-" + heat(n, max), "data-part": p.id },
        n ? linkTo(router.urls.overview({ agency: r.agency.id, part: p.id, sort: route.sort, dir: route.dir }),
          "cell-link", `${c.lead.length} · ${c.cooperating.length}`, { "aria-label": label, title: label })
          : el("span", { class: "zero", "aria-label": label, text: "–" }));
    }),
    el("td", { class: "num" }, String(r.lead_count)),
    el("td", { class: "num" }, String(r.cooperating_count)))));
}

export function render(model, route) {
  const sc = script();
  const parts = (Array.isArray(model.data.parts) ? model.data.parts : []).filter((p) => p && p.id);
  const rows = rowsOf(model.data);
  const max = Math.max(0, ...rows.flatMap((r) => parts.map((p) => total(cellOf(r, p.id)))));
  let sort = route.sort || "lead";
  let dir = route.dir || (sort === "name" ? "asc" : "desc");
  const columns = [["name", t("colAgency")], ...parts.map((p) => [p.id, pick(p.title, sc)]),
    ["lead", t("colLeadTotal")], ["coop", t("colCoopTotal")]];
  const heads = columns.map(([key, label]) => {
    const button = el("button", { type: "button", class: "sort", "data-sort": key, lang: sc,
      on: { click: () => {
        const flip = sort === key;
        dir = flip ? (dir === "asc" ? "desc" : "asc") : key === "name" ? "asc" : "desc";
        sort = key;
        const current = router.current();
        router.replace(router.urls.overview({ agency: current.agency, part: current.part, sort, dir }));
        draw();
      } } }, label);
    return el("th", { scope: "col", class: key === "name" ? "col-agency" : "num" }, button);
  });
  const table = el("table", { class: "overview-table" },
    el("caption", { class: "sr-only", text: t("overviewCaption") }),
    el("thead", null, el("tr", null, heads)), el("tbody"));
  function draw() {
    heads.forEach((th, i) => th.setAttribute("aria-sort", columns[i][0] === sort ? (dir === "asc" ? "ascending" : "descending") : "none"));
    table.replaceChild(body(sortRows(rows, sort, dir, sc), parts, { ...route, sort, dir }, max), table.tBodies[0]);
  }
  draw();
  return el("section", { class: "overview" },
    el("h1", { tabindex: "-1", "data-focus": "", text: t("navOverview") }),
    el("p", { class: "hint", text: t("overviewIntro") }),
    panel(model, route, parts),
    el("p", { class: "heat-legend", "aria-hidden": "true" },
      el("span", { text: t("legendCell") }), " ",
      Array.from({ length: HEAT_LEVELS + 1 }, (_, i) => el("span", { class: "swatch heat-" + i }))),
    el("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-label": t("overviewCaption") }, table));
}

export function title(model, route) {
  const row = route.agency && rowsOf(model.data).find((r) => r.agency.id === route.agency);
  return row ? agencyName(row.agency) + " · " + t("navOverview") : t("navOverview");
}

/** After drawing: an open cell's passages are what the reader asked for. */
export function shown(route) {
  const box = route.agency && document.getElementById("cell-panel");
  if (!box) return;
  box.scrollIntoView({ block: "start" });
  box.focus({ preventScroll: true });
}

export const status = (model) => t("overviewCount", { n: rowsOf(model.data).length });
