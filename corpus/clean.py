"""Cleaning the supplied text: reviewed errata, pinyin annotations, punctuation width.

The seed was machine-converted and carries a pinyin reading after many characters
(`國務(wù)院`) and a few mojibake spans. Mojibake cannot be repaired by rule, so those
fixes are reviewed data (errata.json); pinyin is regular and is removed by rule.
"""

from __future__ import annotations

import json
import re
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


def load_errata(path: Path) -> list[Erratum]:
    return [Erratum(**item) for item in json.loads(path.read_text(encoding="utf-8"))]


def apply_errata(text: str, errata: list[Erratum]) -> str:
    """Replace each reviewed span; a span that is absent means the errata went stale."""
    for erratum in errata:
        if erratum.span not in text:
            raise CleaningError(f"erratum span not found in source: {erratum.span!r}")
        text = text.replace(erratum.span, erratum.correction)
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


def clean(raw: str, errata: list[Erratum]) -> str:
    """Seed text to clean, full-width, Traditional text; raises if any defect remains."""
    text = strip_pinyin(apply_errata(raw.replace("\r\n", "\n"), errata))
    text = to_fullwidth(text)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip()) + "\n"
    problems = find_suspects(text)
    if problems:
        raise CleaningError("the cleaned text still has defects:\n" + "\n".join(problems))
    return text
