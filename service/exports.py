"""The whole plan to browse and take away: its tree in reading order, who does what in each
part, an agency's list as CSV or Markdown, the parallel text as TMX 1.4b and the glossary
as TBX. Pure functions of the corpus; the routes only choose the input and the media type.

TMX and TBX are written by translate-toolkit (the formats OmegaT, memoQ and Trados read),
CSV by the csv module; tests/test_exports.py re-reads each with a reader of its format."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import opencc
from lxml import etree
from translate.storage import tbx, tmx

from corpus.glossary import Term, load_glossary
from corpus.models import SCRIPTS, UNOFFICIAL_EN, Agency, AgencyRef, Passage, PathStep, Role, Text

TOOL = "ATP Search"
TOOL_VERSION = "0.1.0"
SOURCE_LANG = "zh-Hans"  # the plan was issued in Simplified Chinese
CSV_BOM = "\ufeff"  # so Excel opens the file as UTF-8; csv readers: encoding="utf-8-sig"
CSV_HEADER = (
    "role",
    "passage_id",
    "citation_zh-Hans",
    "citation_en",
    "text_zh-Hans",
    "text_en",
    "permalink",
    "citation_zh-Hant",
    "text_zh-Hant",
)


# ---------------------------------------------------------------- the plan as a tree


@dataclass
class PlanNode:
    """A heading of the plan (part, section, subsection) with the passages directly under
    it and its sub-headings; reading order is a node's passages, then its children."""

    id: str
    title: Text
    passages: list[str] = field(default_factory=list)
    children: list[PlanNode] = field(default_factory=list)


def headings(p: Passage) -> list[PathStep]:
    """The steps of a passage's path that are headings: a bullet's parent measure is a
    passage of its own, so its bullets sit beside it rather than in a node of their own."""
    return [step for step in p.path if step.id != p.parent_id]


def plan_tree(passages: Sequence[Passage]) -> list[PlanNode]:
    """The top-level nodes; a passage outside every heading (the preamble) is a node of its
    own, titled by its citation. Raises ValueError unless the tree reads in corpus order."""
    top: list[PlanNode] = []
    by_id: dict[tuple[str, ...], PlanNode] = {}
    for p in passages:
        steps = headings(p) or [PathStep(id=p.id, title=p.citation)]
        siblings, key = top, ()
        for step in steps:
            key = (*key, step.id)
            node = by_id.get(key)
            if node is None:
                node = by_id[key] = PlanNode(step.id, step.title)
                siblings.append(node)
            siblings = node.children
        by_id[key].passages.append(p.id)
    order = reading_order(top)
    if order != [p.id for p in passages]:
        raise ValueError("the plan's headings do not nest in reading order")
    return top


def reading_order(nodes: Iterable[PlanNode]) -> list[str]:
    """Every passage id of the tree, depth first: a node's passages before its children."""
    out: list[str] = []
    for node in nodes:
        out += node.passages
        out += reading_order(node.children)
    return out


# ---------------------------------------------------------------- who does what, per part


def part_of(p: Passage) -> PathStep | None:
    """The part a passage counts in for the overview: its section (Part II (1) …), or its
    top heading when it has no section."""
    steps = headings(p)
    return steps[min(1, len(steps) - 1)] if steps else None


@dataclass(frozen=True)
class Cell:
    part: str
    lead: tuple[str, ...]
    cooperating: tuple[str, ...]


@dataclass(frozen=True)
class AgencyRow:
    agency: AgencyRef
    lead_count: int
    cooperating_count: int
    cells: tuple[Cell, ...]  # one per part, in the order of the parts


def overview(
    passages: Sequence[Passage], agencies: Sequence[Agency]
) -> tuple[list[PathStep], list[AgencyRow]]:
    """The parts in which any agency is named (in reading order) and, per agency, the
    passages it leads and cooperates on in each (roles as ``Passage.role_of`` reads them)."""
    named = [p for p in passages if p.lead_agencies or p.cooperating_agencies]
    parts: dict[str, PathStep] = {}
    for p in named:
        part = part_of(p)
        if part is not None:
            parts.setdefault(part.id, part)
    rows = []
    for agency in agencies:
        per_part: dict[str, dict[Role, list[str]]] = {
            pid: {"lead": [], "cooperating": []} for pid in parts
        }
        for p in named:
            role, part = p.role_of(agency.id), part_of(p)
            if role is not None and part is not None:
                per_part[part.id][role].append(p.id)
        cells = tuple(
            Cell(pid, tuple(r["lead"]), tuple(r["cooperating"])) for pid, r in per_part.items()
        )
        lead = sum(len(c.lead) for c in cells)
        cooperating = sum(len(c.cooperating) for c in cells)
        rows.append(AgencyRow(agency.ref(), lead, cooperating, cells))
    return list(parts.values()), rows


# ---------------------------------------------------------------- searched words


def word_marks(
    passages: Sequence[Passage], zh_terms: Iterable[str], en_terms: Iterable[str]
) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """Spans [start, end) of the searched words in every passage that has any, per script.
    ``zh_terms`` are Simplified words (one character alone would mark everything, so they
    are dropped); ``en_terms`` are the stems the English keyword index uses."""
    zh = sorted({t for t in zh_terms if len(t) >= 2}, key=len, reverse=True)
    en = sorted({t for t in en_terms if len(t) >= 3}, key=len, reverse=True)
    zh_pattern = re.compile("|".join(map(re.escape, zh))) if zh else None
    en_pattern = (
        re.compile(r"\b(?:" + "|".join(map(re.escape, en)) + r")\w*", re.IGNORECASE) if en else None
    )
    out: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for p in passages:
        simplified = p.text.zh_hans
        spans: dict[str, list[tuple[int, int]]] = {s: [] for s in SCRIPTS}
        if zh_pattern is not None:
            found = [m.span() for m in zh_pattern.finditer(simplified)]
            spans["zh-Hans"] = found
            # the two Chinese texts are converted character by character: same positions
            if len(p.text.zh_hant) == len(simplified):
                spans["zh-Hant"] = found
        if en_pattern is not None:
            spans["en"] = [m.span() for m in en_pattern.finditer(p.text.en)]
        if any(spans.values()):
            out[p.id] = spans
    return out


# ---------------------------------------------------------------- an agency's list


def permalink(base: str, passage_id: str) -> str:
    """The web page's address of one passage (the page's router reads ``?passage=``)."""
    return f"{base.rstrip('/')}/?passage={quote(passage_id, safe='')}"


def obligations_csv(found: Sequence[tuple[Role, Passage]], base: str) -> str:
    """An agency's passages as CSV (RFC 4180 via the csv module, UTF-8 with a BOM, a
    header row): the contract's columns first, the Traditional ones after them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for role, p in found:
        writer.writerow(
            (
                role,
                p.id,
                p.citation.zh_hans,
                p.citation.en,
                p.text.zh_hans,
                p.text.en,
                permalink(base, p.id),
                p.citation.zh_hant,
                p.text.zh_hant,
            )
        )
    return CSV_BOM + buffer.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _md(text: str) -> str:
    """Text as Markdown shows it literally."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def obligations_markdown(
    agency: AgencyRef,
    found: Sequence[tuple[Role, Passage]],
    counts: tuple[int, int],
    title: dict[str, str],
    base: str,
) -> str:
    """An agency's passages as Markdown to paste into a report: per role, each passage's
    citation (linked to its permalink), its Chinese and English text."""
    lead, cooperating = counts
    lines = [
        f"# {_md(agency.en)} ({_md(agency.zh_hans)})",
        "",
        f"{_md(title.get('en', ''))} · 《{_md(title.get('zh-Hans', ''))}》",
        "",
        f"Leads {lead} passages and cooperates on {cooperating}"
        f" (牵头 {lead} 项，配合 {cooperating} 项).",
        "",
    ]
    for role, heading in (("lead", "Lead · 负责"), ("cooperating", "Cooperating · 配合")):
        mine = [p for r, p in found if r == role]
        if not mine:
            continue
        lines += [f"## {heading} ({len(mine)})", ""]
        for p in mine:
            lines += [
                f"### [{_md(p.citation.en)} · {_md(p.citation.zh_hans)}]({permalink(base, p.id)})",
                "",
                f"> {_md(p.text.zh_hans)}",
                ">",
                f"> {_md(p.text.en)}",
                "",
            ]
    lines += [f"*{_md(UNOFFICIAL_EN)}*", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- TMX and TBX


def _set_header(store: tmx.tmxfile, title: dict[str, str]) -> None:
    header = store.document.getroot().find("header")
    header.attrib.update(
        {
            "creationtool": TOOL,
            "creationtoolversion": TOOL_VERSION,
            "segtype": "paragraph",
            "o-tmf": "ATP Search corpus",
            "adminlang": "en",
            "srclang": SOURCE_LANG,
            "datatype": "plaintext",
        }
    )
    for text in (title.get("en", ""), title.get("zh-Hans", ""), UNOFFICIAL_EN):
        if text:
            etree.SubElement(header, "note").text = text


def plan_tmx(passages: Sequence[Passage], title: dict[str, str]) -> bytes:
    """The parallel text as TMX 1.4b: one ``<tu tuid="passage id">`` per passage with a
    zh-Hans, zh-Hant and en ``<tuv>``, each carrying its citation as a ``<prop>``."""
    store = tmx.tmxfile(sourcelanguage=SOURCE_LANG)
    _set_header(store, title)
    for p in passages:
        unit = store.addsourceunit(p.text.zh_hans, SOURCE_LANG)
        for script in SCRIPTS:
            if script != SOURCE_LANG:
                unit.settarget(p.text.get(script), script, append=True)
        unit.xmlelement.set("tuid", p.id)
        kind = etree.Element("prop", type="x-kind")
        kind.text = p.kind
        unit.xmlelement.insert(0, kind)  # a <tu>'s props come before its variants
        for tuv in unit.getlanguageNodes():
            lang = tuv.get("{http://www.w3.org/XML/1998/namespace}lang")
            prop = etree.Element("prop", type="x-citation")
            prop.text = p.citation.get(lang)
            tuv.insert(0, prop)
    return bytes(store)


def traditional_terms(glossary: Sequence[Term], passages: Sequence[Passage]) -> list[str]:
    """Each term as the plan itself writes it in Traditional characters: the same span of
    the zh-Hant text where the term occurs in the zh-Hans text (the two are converted
    character by character); OpenCC's s2t for a term the plan's text does not contain."""
    out = []
    for term in glossary:
        form = None
        for p in passages:
            start = p.text.zh_hans.find(term.zh_hans)
            if start >= 0 and len(p.text.zh_hant) == len(p.text.zh_hans):
                form = p.text.zh_hant[start : start + len(term.zh_hans)]
                break
        out.append(form or opencc.OpenCC("s2t").convert(term.zh_hans))
    return out


def read_glossary(path: Path) -> tuple[list[Term], list[str | None]]:
    """The glossary's terms (as corpus.glossary loads them) and their usage notes."""
    notes = [item.get("note") for item in json.loads(path.read_text(encoding="utf-8"))]
    return load_glossary(path), notes


def glossary_tbx(
    glossary: Sequence[Term],
    notes: Sequence[str | None],
    passages: Sequence[Passage],
    title: dict[str, str],
) -> bytes:
    """The glossary as TBX: one ``<termEntry>`` per term with zh-Hans, zh-Hant and en
    ``<langSet>``s; the glossary's usage note, where it has one, as the entry's note."""
    store = tbx.tbxfile(sourcelanguage=SOURCE_LANG)
    root = store.document.getroot()
    root.find("martifHeader/fileDesc/sourceDesc/p").text = (
        f"{TOOL}: the glossary of the project's English translation of "
        f"{title.get('en', 'the plan')} (《{title.get('zh-Hans', '')}》). {UNOFFICIAL_EN}"
    )
    for n, (term, hant, note) in enumerate(
        zip(glossary, traditional_terms(glossary, passages), notes, strict=True), 1
    ):
        unit = store.addsourceunit(term.zh_hans)
        unit.setid(f"atp-term-{n}")
        unit.settarget(hant, "zh-Hant", append=True)
        unit.settarget(term.en, "en", append=True)
        if note:  # an entry's notes come before its language sets
            element = etree.Element("note")
            element.text = note
            unit.xmlelement.insert(0, element)
    return bytes(store)
