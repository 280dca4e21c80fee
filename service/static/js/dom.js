/* DOM helpers that only ever create text nodes.
 * SECURITY: every string from the API, the URL or the search box reaches the page through
 * el(), append() or marked() below, i.e. as textContent or a text node. No module of the
 * page assigns innerHTML (tests/test_web.py checks the sources for HTML sinks). */

/** An element with attributes, event handlers ({on: {click: fn}}) and children. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k === "hidden") node.hidden = !!v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  append(node, children);
  return node;
}

/** Append children: nodes, strings and numbers (as text), arrays; null and false are skipped. */
export function append(node, child) {
  if (child == null || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(node, c);
    return;
  }
  const isText = typeof child === "string" || typeof child === "number";
  node.appendChild(isText ? document.createTextNode(String(child)) : child);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Replace a node's children. */
export function replace(node, child) {
  clear(node);
  append(node, child);
}

/** Any API value as a string ("" for null): the page never trusts a field's type. */
export function str(v) {
  return typeof v === "string" ? v : v == null ? "" : String(v);
}

/** The text of a {zh-Hans, zh-Hant, en} object in one script, falling back to the others. */
export function pick(obj, script) {
  if (!obj || typeof obj !== "object") return str(obj);
  return str(obj[script] || obj["zh-Hans"] || obj["zh-Hant"] || obj.en || "");
}

/** Highlight spans [[start, end], ...] clipped to the text, sorted and merged. Pure. */
export function mergeSpans(text, spans) {
  const list = [];
  for (const sp of Array.isArray(spans) ? spans : []) {
    if (!Array.isArray(sp) || sp.length < 2) continue;
    const s = Math.max(0, Math.floor(Number(sp[0])));
    const e = Math.min(text.length, Math.floor(Number(sp[1])));
    if (Number.isFinite(s) && Number.isFinite(e) && e > s) list.push([s, e]);
  }
  list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged = [];
  for (const [s, e] of list) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/** Text with its highlight spans wrapped in <mark>, built from text nodes only. */
export function marked(text, spans) {
  const frag = document.createDocumentFragment();
  text = str(text);
  let pos = 0;
  for (const [s, e] of mergeSpans(text, spans)) {
    if (s > pos) frag.appendChild(document.createTextNode(text.slice(pos, s)));
    frag.appendChild(el("mark", { text: text.slice(s, e) }));
    pos = e;
  }
  if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
  return frag;
}
