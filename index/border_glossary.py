"""The keyword side of a border-language question: a reviewed glossary of the domain's terms
(corpus/source/border-glossary.json) turns the words a Vietnamese, Burmese, Lao, Thai,
Khmer, Korean, Russian or Mongolian question uses into the plan's English and Chinese
wording, which the BM25 indexes know. The plan has no text in these languages, so without
it such a question has only its dense score.

Matching is pure and per writing system: Thai, Lao, Khmer and Burmese write without spaces
between words (and Korean spaces loosely, with particles glued on), so a term matches as a
substring with spaces ignored, never ending inside a syllable (before a combining mark);
Vietnamese terms are whole syllable sequences; Russian and Mongolian terms are word stems,
each word of a term the start of a word of the question. Where matches overlap, one lying
inside a longer one is dropped (``người nước ngoài``, a foreigner, is not also ``nước
ngoài``, abroad), so the longest reading wins.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from corpus.models import Passage
from index.text import ANALYSIS, Analysis

GLOSSARY_PATH = Path(__file__).parent.parent / "corpus" / "source" / "border-glossary.json"
Style = Literal["substring", "words", "stems"]
STYLES: dict[str, Style] = {
    "my": "substring",
    "lo": "substring",
    "th": "substring",
    "km": "substring",
    "ko": "substring",
    "vi": "words",
    "ru": "stems",
    "mn": "stems",
}
# combining marks of the scripts written without spaces (and the general ones): a substring
# match must not stop before one, or it would end inside a syllable
_MARK_BLOCKS = ((0x0300, 0x0370), (0x0E00, 0x0F00), (0x1000, 0x10A0), (0x1780, 0x1800))
_MARKS = "".join(  # combining diacritics; Thai and Lao; Myanmar; Khmer
    chr(c)
    for low, high in _MARK_BLOCKS
    for c in range(low, high)
    if unicodedata.category(chr(c)).startswith("M")
)
_NOT_BEFORE_MARK = f"(?![{re.escape(_MARKS)}])"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Concept:
    """One domain concept: the plan's English and Chinese wording for it, and the terms
    people use for it in each border language."""

    en: str
    zh: str
    note: str
    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (language, its terms)


def fold(text: str, lang: str) -> str:
    """The form both a question and a term are matched in: NFC, case-folded, ё as е;
    without spaces where the script does not separate words."""
    text = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    if STYLES.get(lang) == "substring":
        return _SPACE.sub("", text)
    return _SPACE.sub(" ", text).strip()


def term_pattern(term: str, lang: str) -> re.Pattern[str]:
    """A term as a pattern over folded text, by the language's way of writing words."""
    folded = fold(term, lang)
    style = STYLES[lang]
    if style == "substring":
        return re.compile(re.escape(folded) + _NOT_BEFORE_MARK)
    words = [re.escape(w) for w in folded.split(" ")]
    if style == "words":
        return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")
    return re.compile(r"(?<!\w)" + r"\w*\s+".join(words) + r"\w*")  # stems


def maximal(spans: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """(start, end, concept) spans without those lying inside a longer span, in order."""
    spans = sorted(set(spans), key=lambda s: (s[0], -(s[1] - s[0])))
    kept = []
    for start, end, concept in spans:
        inside = any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
        if not inside:
            kept.append((start, end, concept))
    return kept


class BorderGlossary:
    """The concepts, with each term compiled once into its language's pattern."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        self.concepts = tuple(concepts)
        self.patterns: dict[str, list[tuple[re.Pattern[str], int]]] = {}
        for i, concept in enumerate(self.concepts):
            for lang, terms in concept.terms:
                if lang not in STYLES:  # check_border_glossary names it
                    continue
                self.patterns.setdefault(lang, []).extend((term_pattern(t, lang), i) for t in terms)

    def match(self, text: str, lang: str) -> list[Concept]:
        """The concepts a question in ``lang`` names, in the order it names them, once each."""
        if lang not in STYLES:
            return []
        folded = fold(text, lang)
        spans = [
            (m.start(), m.end(), i)
            for pattern, i in self.patterns.get(lang, [])
            for m in pattern.finditer(folded)
        ]
        seen: list[int] = []
        for _, _, i in maximal(spans):
            if i not in seen:
                seen.append(i)
        return [self.concepts[i] for i in seen]

    def english(self, text: str, lang: str) -> str:
        """The plan's English wording for what the question names (a keyword query)."""
        return " ".join(c.en for c in self.match(text, lang))


def parse_border_glossary(items: list[dict]) -> BorderGlossary:
    concepts = tuple(
        Concept(
            en=item["en"],
            zh=item["zh"],
            note=item["note"],
            terms=tuple((lang, tuple(ts)) for lang, ts in item["terms"].items()),
        )
        for item in items
    )
    return BorderGlossary(concepts)


@cache
def load_border_glossary(path: Path = GLOSSARY_PATH) -> BorderGlossary:
    """The shipped glossary; a missing file is an error, not an empty glossary (that would
    quietly rank every border-language question on its dense score alone)."""
    return parse_border_glossary(json.loads(path.read_text(encoding="utf-8")))


def check_border_glossary(
    glossary: BorderGlossary, passages: list[Passage], analysis: Analysis = ANALYSIS
) -> list[str]:
    """Each concept leads to wording the plan really uses (every English token is one the
    plan's English BM25 side has; every Chinese word is in its Simplified text), says why,
    names only border languages, and no term means two things."""
    english = {t for p in passages for t in analysis.en(p.text.en)}
    chinese = "".join(p.text.zh_hans for p in passages)
    problems = []
    owner: dict[tuple[str, str], str] = {}
    for c in glossary.concepts:
        where = f"border-glossary.json: {c.en!r}"
        problems += [
            f"{where}: the plan's English never says {t!r}" for t in _absent(c, english, analysis)
        ]
        problems += [
            f"{where}: the plan's Chinese never says {w!r}"
            for w in c.zh.split()
            if w not in chinese
        ]
        if not c.note.strip() or not c.terms:
            problems.append(f"{where}: needs terms and a note")
        for lang, terms in c.terms:
            if lang not in STYLES:
                problems.append(f"{where}: {lang!r} is not a border language")
                continue
            for t in terms:
                key = (lang, fold(t, lang))
                if not key[1]:
                    problems.append(f"{where}: an empty {lang} term")
                if key in owner and owner[key] != c.en:
                    problems.append(f"{where}: {lang} {t!r} also means {owner[key]!r}")
                owner[key] = c.en
    return problems


def _absent(concept: Concept, english: set[str], analysis: Analysis) -> list[str]:
    return [t for t in analysis.en(concept.en) if t not in english]
