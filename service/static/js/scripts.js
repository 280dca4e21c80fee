/* Which language a run of text is in. Answers and UI strings of one language quote others
 * (an English citation or clause in a Korean answer, the Chinese original, a document number
 * 国办发〔2021〕13号 in a Vietnamese footer); each quoted run gets its own lang attribute, so
 * screen readers pronounce it and the right font draws it. */

import { el, str } from "./dom.js";

export const CHINESE = ["zh-Hans", "zh-Hant"];
/* Languages whose own script is not Latin: a Latin run in their text is English
 * (a citation, an agency's name, the quoted clause). */
const NON_LATIN = ["my", "lo", "th", "km", "ko", "ru", "mn"];
// A run of Chinese: starts with a Han character, may hold CJK punctuation and digits.
const HAN_RUN = /\p{Script=Han}(?:[\p{Script=Han}\u3000-\u303f\uff01-\uff65\d]*[\p{Script=Han}\u3000-\u303f\uff01-\uff65])?/gu;
const LATIN_RUN = /[A-Za-z](?:[A-Za-z0-9().,'’\-–— ]*[A-Za-z0-9.)])?/g;

/** Split a text by regex matches: matches get `lang`, the rest is left as it is. */
function splitRuns(text, re, lang) {
  const out = [];
  let pos = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > pos) out.push({ text: text.slice(pos, m.index) });
    out.push({ text: m[0], lang });
    pos = m.index + m[0].length;
  }
  if (pos < text.length) out.push({ text: text.slice(pos) });
  return out;
}

/** A text of language `lang` as segments {text, lang?, link?}: each of `marks` ({find, lang}
 * or {find, link}) cut out where it occurs, then, in a non-Chinese text, Chinese runs marked
 * zh-Hans and, in a language whose script is not Latin, Latin runs marked en. Pure. */
export function segments(text, lang, marks = []) {
  text = str(text);
  const wanted = marks.filter((m) => m && str(m.find).length > 1)
    .sort((a, b) => b.find.length - a.find.length); // the longest first: a quote before its citation
  let parts = [{ text }];
  for (const mark of wanted) {
    const next = [];
    for (const part of parts) {
      if (part.lang || part.link || !part.text.includes(mark.find)) {
        next.push(part);
        continue;
      }
      part.text.split(mark.find).forEach((piece, i) => {
        if (i > 0) next.push({ text: mark.find, lang: mark.lang, link: mark.link });
        if (piece) next.push({ text: piece });
      });
    }
    parts = next;
  }
  const runs = [];
  if (!CHINESE.includes(lang)) runs.push([HAN_RUN, "zh-Hans"]);
  if (NON_LATIN.includes(lang)) runs.push([LATIN_RUN, "en"]);
  for (const [re, runLang] of runs) {
    parts = parts.flatMap((p) => (p.lang || p.link ? [p] : splitRuns(p.text, re, runLang)));
  }
  return parts.filter((p) => p.text);
}

/** Segments as nodes: text, a <span lang> for another language, `link(segment)` for links. */
export function spans(segs, lang, link) {
  return segs.map((s) => {
    if (s.link) return link(s);
    if (s.lang && s.lang !== lang) return el("span", { lang: s.lang, text: s.text });
    return s.text;
  });
}
