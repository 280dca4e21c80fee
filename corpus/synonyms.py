"""The words people use for the plan's words: a reviewed table (source/synonyms.json), read
by the search on the query side. Each entry maps what people type to the plan's own
wording, one way (kidnapping -> trafficking, not every trafficking question -> kidnap)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from corpus.models import Passage
from corpus.scripts import to_simplified

SYNONYMS_PATH = Path(__file__).parent / "source" / "synonyms.json"


@dataclass(frozen=True)
class Synonym:
    lang: Literal["en", "zh"]
    plan: str  # as the plan writes it (English, or zh-Hans)
    typed: tuple[str, ...]  # what people type instead (zh in Simplified)
    reason: str


def load_synonyms(path: Path = SYNONYMS_PATH) -> list[Synonym]:
    if not path.exists():
        return []
    items = json.loads(path.read_text(encoding="utf-8"))
    return [Synonym(i["lang"], i["plan"], tuple(i["typed"]), i["reason"]) for i in items]


def check_synonyms(synonyms: list[Synonym], passages: list[Passage]) -> list[str]:
    """Each entry leads to wording the plan really uses, says why, and types Simplified."""
    english = " ".join(p.text.en for p in passages).casefold()
    chinese = " ".join(p.text.zh_hans for p in passages)
    problems = []
    for s in synonyms:
        where = f"synonyms.json: {s.plan!r}"
        plan_text = english if s.lang == "en" else chinese
        if s.plan.casefold() not in plan_text:
            problems.append(f"{where}: the plan's {s.lang} text never says it")
        if not s.reason.strip() or not s.typed:
            problems.append(f"{where}: needs typed words and a reason")
        if s.lang == "zh":
            problems += [
                f"{where}: {t!r} is not Simplified" for t in s.typed if to_simplified(t) != t
            ]
    return problems
