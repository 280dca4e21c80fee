"""Cleaning the supplied text: reviewed errata, pinyin annotations, punctuation width,
and reviewed Traditional-character corrections.

The seed was machine-converted and carries a pinyin reading after many characters
(`國務(wù)院`), a few mojibake spans and Simplified forms left in the Traditional text
(并, 規范, 采取). Neither mojibake nor a character's form can be repaired by rule (并 may
be 並 or 併, 復 may stay 復), so those fixes are reviewed data (errata.json,
zh-Hant-corrections.json); pinyin is regular and is removed by rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
# A pinyin reading in half- or full-width parentheses right after a CJK character.
_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff])[(（][a-z{_TONED}]*[{_TONED}][a-z{_TONED}]*[)）]")
_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；"})


class CleaningError(ValueError):
    """The text still holds something that is not clean Chinese; names line and column."""


@dataclass(frozen=True)
class Erratum:
    span: str
    correction: str
    reason: str


@dataclass(frozen=True)
class Correction:
    """A reviewed Traditional-form fix: `span` occurs exactly `count` times in the text."""

    span: str
    correction: str
    count: int
    reason: str


def load_errata(path: Path) -> list[Erratum]:
    return [Erratum(**item) for item in json.loads(path.read_text(encoding="utf-8"))]


@dataclass(frozen=True)
class Exemption:
    """A span of correct Traditional that OpenCC's s2tw would still change (了解 -> 瞭解)."""

    span: str
    count: int
    reason: str


def load_corrections(path: Path) -> tuple[list[Correction], list[Exemption]]:
    """The reviewed zh-Hant corrections and s2tw exemptions; none when the file is absent."""
    if not path.exists():
        return [], []
    data = json.loads(path.read_text(encoding="utf-8"))
    return (
        [Correction(**item) for item in data["corrections"]],
        [Exemption(**item) for item in data["s2tw_exceptions"]],
    )


def apply_errata(text: str, errata: list[Erratum]) -> str:
    """Replace each reviewed span; a span that is absent means the errata went stale."""
    for erratum in errata:
        if erratum.span not in text:
            raise CleaningError(f"erratum span not found in source: {erratum.span!r}")
        text = text.replace(erratum.span, erratum.correction)
    return text


def apply_corrections(text: str, corrections: list[Correction]) -> str:
    """Replace each reviewed span; a count that differs means the review went stale
    (the source changed, or another correction already took some of the places)."""
    for c in corrections:
        found = text.count(c.span)  # occurrences do not overlap: the spans are words
        if found != c.count:
            raise CleaningError(
                f"zh-Hant correction {c.span!r}: reviewed for {c.count} places, found {found}"
            )
        text = text.replace(c.span, c.correction)
    return text


def strip_pinyin(text: str) -> str:
    return _PINYIN.sub("", text)


def to_fullwidth(text: str) -> str:
    """Official documents use full-width (，：；（）) in Chinese text."""
    return text.translate(_HALF_TO_FULL)


_SUSPECT = [
    (re.compile(r"[?\ufffd]"), "question mark or replacement character (mojibake?)"),
    (re.compile(r"[\u0400-\u04ff]"), "Cyrillic letter (mojibake?)"),
    (re.compile(r"[\u3040-\u30ff]"), "kana (mojibake?)"),
    (re.compile(r"[(（][^()（）]*[A-Za-z" + _TONED + r"][^()（）]*[)）]"), "Latin in parentheses"),
]


def find_suspects(text: str) -> list[str]:
    """Every leftover defect as 'line L, column C: what'; empty when clean."""
    problems = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        for pattern, what in _SUSPECT:
            for match in pattern.finditer(line):
                problems.append(f"line {lineno}, column {match.start() + 1}: {what}: {match[0]!r}")
    return problems


def clean(raw: str, errata: list[Erratum], corrections: Sequence[Correction] = ()) -> str:
    """Seed text to clean, full-width, Traditional text; raises if any defect remains."""
    text = strip_pinyin(apply_errata(raw.replace("\r\n", "\n"), errata))
    text = to_fullwidth(text)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip()) + "\n"
    text = apply_corrections(text, list(corrections))
    problems = find_suspects(text)
    if problems:
        raise CleaningError("the cleaned text still has defects:\n" + "\n".join(problems))
    return text
