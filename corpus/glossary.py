"""The translation glossary: one English term per Chinese term, checked, not trusted."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Term:
    zh_hans: str
    en: str
    match: str  # a regex the English must contain wherever the Chinese term occurs


def load_glossary(path: Path) -> list[Term]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return [Term(i["zh-Hans"], i["en"], i["match"]) for i in items]


def missing_terms(zh_hans: str, en: str, glossary: list[Term]) -> list[Term]:
    """Glossary terms present in the Chinese whose English rendering is absent."""
    return [
        term
        for term in glossary
        if term.zh_hans in zh_hans and not re.search(term.match, en, flags=re.IGNORECASE)
    ]
