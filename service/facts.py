"""Facts about the plan itself (title, issuer, document number, date, period, structure),
read once from the published corpus: the notice header of the plan text and the passages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from corpus.models import Passage

SCRIPTS = ("zh-Hans", "zh-Hant", "en")
ISSUER_EN = "the General Office of the State Council"  # 国务院办公厅, as the glossary renders it
_DOC_NUMBER = re.compile(r"国办发〔\d{4}〕\d+号|國辦發〔\d{4}〕\d+號")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_TITLE = re.compile(r"《([^》]+（(\d{4})—(\d{4})年）)》")
_EN_TITLE = re.compile(r"(China(?:'s)? Action Plan[^()]*\(\d{4}[–-]\d{4}\))")
MONTHS = "January February March April May June July August September October November December"


class FactsError(ValueError):
    """The plan text lacks its notice header (title, document number, issuer, date)."""


@dataclass(frozen=True)
class Part:
    id: str
    title: dict[str, str]  # per script


@dataclass(frozen=True)
class PlanFacts:
    title: dict[str, str]
    issuer: dict[str, str]
    document_number: dict[str, str]
    date: tuple[int, int, int]
    period: tuple[int, int]
    parts: list[Part]
    areas: int  # the sections of Part II
    measures: int
    bullets: int
    safeguards: int

    @classmethod
    def from_corpus(cls, headers: dict[str, str], passages: list[Passage]) -> PlanFacts:
        """``headers``: the start of the published plan text per Chinese script."""
        title, issuer, number = {}, {}, {}
        for script, text in headers.items():
            lines = [line.strip() for line in text.splitlines()[:12]]
            found_number = next((m.group() for m in map(_DOC_NUMBER.search, lines) if m), None)
            date_line = next((i for i, line in enumerate(lines) if _DATE.fullmatch(line)), None)
            found_title = next((m for m in map(_TITLE.search, lines) if m), None)
            if not (found_number and date_line and found_title):
                raise FactsError(f"no notice header (document number, date, title) in {script}")
            number[script], issuer[script] = found_number, lines[date_line - 1]
            title[script] = found_title.group(1)
            year, month, day = map(int, _DATE.fullmatch(lines[date_line]).groups())
            start, end = int(found_title.group(2)), int(found_title.group(3))
        english = _EN_TITLE.search(passages[0].text.en)
        title["en"] = english.group(1) if english else f"the Action Plan ({start}–{end})"
        issuer["en"], number["en"] = ISSUER_EN, number["zh-Hans"]
        parts: dict[str, Part] = {}
        for p in passages:
            if p.path and p.path[0].id not in parts:
                node = p.path[0]
                parts[node.id] = Part(node.id, {s: node.title.get(s) for s in SCRIPTS})
        kinds = [p.kind for p in passages]
        areas = {p.path[1].id for p in passages if len(p.path) > 1 and p.path[0].id == "2"}
        return cls(
            title,
            issuer,
            number,
            (year, month, day),
            (start, end),
            list(parts.values()),
            len(areas),
            kinds.count("measure"),
            kinds.count("bullet"),
            kinds.count("guarantee"),
        )


def load_facts(corpus_dir: Path, passages: list[Passage]) -> PlanFacts:
    headers = {
        script: (corpus_dir / f"plan.{script}.txt").read_text(encoding="utf-8")[:2000]
        for script in ("zh-Hans", "zh-Hant")
    }
    return PlanFacts.from_corpus(headers, passages)
