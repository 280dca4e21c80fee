"""`atp corpus build`: seed text -> validated passages.jsonl, agencies.json and a manifest.

Inputs live in one source folder (reviewed data, all checked in):
  *.zh-Hant.txt          the plan as supplied
  errata.json            mojibake spans and their reviewed corrections
  zh-Hant-corrections.json  Simplified forms left in the Traditional text, each fixed with
                         its count and reason, and the spans of correct Traditional that
                         OpenCC's s2tw would still change (了解)
  agencies.json          the agency registry (zh-Hant, English, abbreviations, aliases,
                         names that resolve only typed alone, and a note on each name
                         that is not the agency's own: a local bureau, a former name)
  translation.en.jsonl   the project's unofficial English, one line per passage or title
  glossary.json          one English term per Chinese term, checked against the translation
  synonyms.json          words people type for the plan's wording (query side), each
                         leading to wording the plan uses, with its reason
  questions.jsonl        plain-language questions each passage answers (a search aid,
                         written from the passages, never from the evaluation set): zh-Hans
                         and en for each, and for the clauses people across the border ask
                         about also vi, my, lo, th, km, ko, ru, mn, each in its own script
The build is deterministic: the same inputs give byte-identical outputs. It fails if the
published Traditional text (plan, titles, citations, registry names) holds a character
that s2tw would change outside the listed exemptions, if an agency tag spells a name
otherwise than the registry does, or if two agencies share a name once normalised.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from corpus.clean import Exemption, clean, load_corrections, load_errata
from corpus.glossary import load_glossary, missing_terms
from corpus.models import Agency, AgencyRef, Passage, PathStep, Text, json_schemas
from corpus.names import name_key
from corpus.parse import Node, parse, passages
from corpus.scripts import BORDER_LANGUAGES, script_problem, simplified_leftovers, to_simplified
from corpus.synonyms import check_synonyms, load_synonyms

SOURCE_DIR = Path(__file__).parent / "source"
DATA_DIR = Path(__file__).parent / "data"
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
CN_ORDINAL = "〇一二三四五六七八九十"


class BuildError(ValueError):
    """The inputs do not make a valid corpus; the message says which and where."""


@dataclass(frozen=True)
class Corpus:
    passages: list[Passage]
    agencies: list[Agency]
    clean_text: str
    input_hash: str
    questions: dict[str, dict[str, list[str]]]


def source_file(source_dir: Path) -> Path:
    found = sorted(source_dir.glob("*.zh-Hant.txt"))
    if len(found) != 1:
        raise BuildError(f"expected one *.zh-Hant.txt in {source_dir}, found {len(found)}")
    return found[0]


def input_hash(source_dir: Path) -> str:
    """sha256 over every input file, names included, so any edit changes it."""
    digest = hashlib.sha256()
    for path in sorted(p for p in source_dir.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_registry(path: Path) -> list[Agency]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return [
        Agency.model_validate({**item, "zh-Hans": to_simplified(item["zh-Hant"])}) for item in items
    ]


def load_translations(path: Path) -> dict[str, dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return {row["id"]: row for row in rows}


def _chapter_label(node: Node) -> tuple[str, str]:
    number = int(node.id.split(".")[0])
    return f"第{CN_ORDINAL[number]}部分", f"Part {ROMAN[number]}"


def citation(node: Node) -> tuple[str, str]:
    """Traditional and English: ('第二部分（一）2.（2）第3項', 'Part II (i) 2. (2), bullet 3').

    English keeps the Chinese levels apart as official translations do: a section （一）
    is a lower-case Roman (i), a numbered measure （2） stays (2)."""
    if node.id == "0":
        return "序言", "Preamble"
    numbers = node.id.split(".")
    zh, en = _chapter_label(node)
    if len(numbers) > 1:
        zh += f"（{CN_ORDINAL[int(numbers[1])]}）"
        en += f" ({ROMAN[int(numbers[1])].lower()})"
    if len(numbers) > 2:
        zh += f"{numbers[2]}."
        en += f" {numbers[2]}."
    if len(numbers) > 3:
        zh += f"（{numbers[3]}）"
        en += f" ({numbers[3]})"
    if len(numbers) > 4:
        zh += f"第{numbers[4]}項"
        en += f", bullet {numbers[4]}"
    return zh, en


def _first_sentence_en(text: str) -> str:
    head, sep, _ = text.partition(". ")
    return head + "." if sep else text


class _Assembler:
    """Joins parsed nodes with translations and the registry; collects every problem."""

    def __init__(self, translations: dict, registry: list[Agency]) -> None:
        self.translations = translations
        self.by_name = {a.zh_hant: a for a in registry}
        self.by_simplified = {a.zh_hans: a for a in registry}
        self.problems: list[str] = []

    def english(self, key: str, zh_hans: str) -> str:
        row = self.translations.get(key)
        if row is None or not row.get("en", "").strip():
            self.problems.append(f"{key}: no English translation")
            return "(missing)"
        if row.get("zh-Hans") != zh_hans:
            self.problems.append(f"{key}: translation is stale (its zh-Hans differs from source)")
        return row["en"].strip()

    def text(self, key: str, zh_hant: str) -> Text:
        zh_hans = to_simplified(zh_hant)
        return Text.model_validate(
            {"zh-Hant": zh_hant, "zh-Hans": zh_hans, "en": self.english(key, zh_hans)}
        )

    def step(self, node: Node) -> PathStep:
        if node.kind == "measure":  # a measure as parent: its first sentence is its title
            full = self.text(node.id, node.text)
            title = Text.model_validate(
                {
                    "zh-Hant": node.title,
                    "zh-Hans": to_simplified(node.title),
                    "en": _first_sentence_en(full.en),
                }
            )
            return PathStep(id=node.id, title=title)
        return PathStep(id=node.id, title=self.text(f"title:{node.id}", node.title))

    def agencies(self, names: tuple[str, ...], where: str) -> list[AgencyRef]:
        refs = []
        for name in names:
            agency = self.by_name.get(name)
            near = self.by_simplified.get(to_simplified(name))
            if agency is None and near is not None:
                self.problems.append(
                    f"{where}: agency tag {name!r} is spelt {near.zh_hant!r} in the registry"
                )
            elif agency is None:
                self.problems.append(f"{where}: agency {name!r} is not in the registry")
            else:
                refs.append(agency.ref())
        return refs

    def passage(self, node: Node) -> Passage:
        zh_c, en_c = citation(node)
        where = f"passage {node.id} (line {node.line})"
        return Passage(
            id=node.id,
            kind=node.kind,
            path=[self.step(a) for a in node.ancestors],
            citation=Text.model_validate(
                {"zh-Hant": zh_c, "zh-Hans": to_simplified(zh_c), "en": en_c}
            ),
            text=self.text(node.id, node.text),
            lead_agencies=self.agencies(node.tag.lead, where),
            cooperating_agencies=self.agencies(node.tag.cooperating, where),
            parent_id=node.parent.id if node.kind == "bullet" else None,
            source_line=node.line,
        )


def assemble(source_dir: Path) -> Corpus:
    """Pure core of the build: read inputs, clean, parse, translate, resolve, validate."""
    raw = source_file(source_dir).read_text(encoding="utf-8")
    corrections, exemptions = load_corrections(source_dir / "zh-Hant-corrections.json")
    text = clean(raw, load_errata(source_dir / "errata.json"), corrections)
    nodes = parse(text)
    registry = load_registry(source_dir / "agencies.json")
    assembler = _Assembler(load_translations(source_dir / "translation.en.jsonl"), registry)
    built = [assembler.passage(node) for node in passages(nodes)]
    assembler.problems += check_traditional(text, built, registry, exemptions)
    assembler.problems += check_registry(registry)
    assembler.problems += check_synonyms(load_synonyms(source_dir / "synonyms.json"), built)

    glossary = load_glossary(source_dir / "glossary.json")
    for p in built:
        for term in missing_terms(p.text.zh_hans, p.text.en, glossary):
            assembler.problems.append(
                f"passage {p.id}: glossary term {term.zh_hans} should read '{term.en}' in English"
            )
        if p.kind in ("measure", "bullet") and p.cooperating_agencies and not p.lead_agencies:
            assembler.problems.append(f"passage {p.id}: agency tag without a lead agency")
    ids = Counter(p.id for p in built)
    assembler.problems += [f"duplicate passage id {i}" for i, n in ids.items() if n > 1]
    questions = load_questions_source(source_dir / "questions.jsonl")
    assembler.problems += check_questions(questions, [p.id for p in built])
    if assembler.problems:
        raise BuildError("corpus build failed:\n" + "\n".join(assembler.problems))
    return Corpus(built, registry, text, input_hash(source_dir), questions)


def check_traditional(
    text: str, built: list[Passage], registry: list[Agency], exemptions: list[Exemption]
) -> list[str]:
    """The published zh-Hant is Traditional throughout: s2tw would change nothing in the
    plan, its citations or the registry's names, apart from the reviewed exemptions, each
    found as often as it was reviewed for."""
    spans = [e.span for e in exemptions]
    problems = [f"plan.zh-Hant.txt {p}" for p in simplified_leftovers(text, spans)]
    others = [*(p.citation.zh_hant for p in built), *(a.zh_hant for a in registry)]
    problems += [f"citation or agency name {p}" for p in simplified_leftovers("\n".join(others))]
    for e in exemptions:
        if text.count(e.span) != e.count:
            problems.append(
                f"s2tw exemption {e.span!r}: reviewed for {e.count} places, "
                f"found {text.count(e.span)}"
            )
    return problems


def check_registry(registry: list[Agency]) -> list[str]:
    """Every name, once normalised (corpus/names.py), leads to one agency only, and every
    note explains a name the agency has."""
    problems, owner = [], {}
    for a in registry:
        for name in a.names():
            key = name_key(name)
            if not key:
                problems.append(f"agencies.json: {a.id}: name {name!r} is empty once normalised")
            elif owner.setdefault(key, a.id) != a.id:
                problems.append(f"agencies.json: {name!r} ({a.id}) is also a name of {owner[key]}")
        problems += [
            f"agencies.json: {a.id}: note on {n!r}, which is not one of its names"
            for n in a.notes
            if n not in a.names()
        ]
    return problems


QUESTION_LANGUAGES = ("zh-Hans", "en", *BORDER_LANGUAGES)


def load_questions_source(path: Path) -> dict[str, dict[str, list[str]]]:
    """Passage id -> language -> questions, every language the file gives (checked later)."""
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {r["id"]: {lang: qs for lang, qs in r.items() if lang != "id"} for r in rows}


def check_questions(questions: dict, passage_ids: list[str]) -> list[str]:
    """Search-aid questions must name real passages, give Simplified Chinese and English,
    and be written in each language's own script (zh-Hans Simplified; the border languages
    as corpus/scripts.py checks)."""
    problems = [
        f"questions.jsonl: unknown passage id {i}" for i in questions if i not in set(passage_ids)
    ]
    for pid, by_lang in questions.items():
        problems += [
            f"questions.jsonl: {pid}: no {lang!r} questions"
            for lang in ("zh-Hans", "en")
            if lang not in by_lang
        ]
        for lang, texts in by_lang.items():
            if lang not in QUESTION_LANGUAGES:
                problems.append(f"questions.jsonl: {pid}: unknown language {lang!r}")
                continue
            if not isinstance(texts, list) or not all(
                isinstance(t, str) and t.strip() for t in texts
            ):
                problems.append(f"questions.jsonl: {pid} [{lang}]: not a list of questions")
                continue
            for text in texts:
                if lang == "zh-Hans" and to_simplified(text) != text:
                    problems.append(f"questions.jsonl: {pid}: not Simplified Chinese: {text!r}")
                elif lang in BORDER_LANGUAGES and (why := script_problem(text, lang)):
                    problems.append(f"questions.jsonl: {pid} [{lang}]: {why}: {text!r}")
    return problems


def _dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _in_language_order(by_lang: dict[str, list[str]]) -> dict[str, list[str]]:
    """The published order of a passage's languages, whatever order the source gives."""
    return {lang: by_lang[lang] for lang in QUESTION_LANGUAGES if lang in by_lang}


def render(corpus: Corpus) -> dict[str, str]:
    """File name -> exact contents of every output file."""
    lines = [json.dumps(p.model_dump(by_alias=True), ensure_ascii=False) for p in corpus.passages]
    kinds = Counter(p.kind for p in corpus.passages)
    manifest = {
        "input_sha256": corpus.input_hash,
        "passages": len(corpus.passages),
        "passages_by_kind": dict(sorted(kinds.items())),
        "agencies": len(corpus.agencies),
    }
    schemas = json_schemas()
    return {
        "passages.jsonl": "\n".join(lines) + "\n",
        "agencies.json": _dump([a.model_dump(by_alias=True) for a in corpus.agencies]),
        "plan.zh-Hant.txt": corpus.clean_text,
        "plan.zh-Hans.txt": to_simplified(corpus.clean_text),
        "passage.schema.json": _dump(schemas["passage"]),
        "agency.schema.json": _dump(schemas["agency"]),
        "manifest.json": _dump(manifest),
        "questions.jsonl": "".join(
            json.dumps(
                {"id": p.id, **_in_language_order(corpus.questions[p.id])}, ensure_ascii=False
            )
            + "\n"
            for p in corpus.passages
            if p.id in corpus.questions
        ),
    }


def write_atomic(out_dir: Path, files: dict[str, str]) -> None:
    """Write every file to a temp name in out_dir, then rename: readers never see half."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
            os.chmod(tmp, 0o644)
            os.replace(tmp, out_dir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def build(source_dir: Path = SOURCE_DIR, out_dir: Path = DATA_DIR) -> Corpus:
    corpus = assemble(source_dir)
    write_atomic(out_dir, render(corpus))
    return corpus


def load_passages(data_dir: Path = DATA_DIR) -> list[Passage]:
    path = data_dir / "passages.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `atp corpus build` (or `make corpus`)")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Passage.model_validate_json(line) for line in lines if line.strip()]


def load_questions(data_dir: Path = DATA_DIR) -> dict[str, dict[str, list[str]]]:
    """Passage id -> {'zh-Hans': [...], 'en': [...], 'vi': [...], ...}: the questions each
    passage answers, in Simplified Chinese, English and, for some, the border languages."""
    return load_questions_source(data_dir / "questions.jsonl")


def corpus_fingerprint(data_dir: Path = DATA_DIR) -> str:
    """sha256 of what the index embeds: a changed passage or question makes it stale."""
    digest = hashlib.sha256()
    for name in ("passages.jsonl", "questions.jsonl"):
        path = data_dir / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()


def load_agencies(data_dir: Path = DATA_DIR) -> list[Agency]:
    path = data_dir / "agencies.json"
    return [Agency.model_validate(a) for a in json.loads(path.read_text(encoding="utf-8"))]
