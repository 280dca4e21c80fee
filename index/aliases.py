"""Agency names in any script or language: resolve one name, or find those a question names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.models import Agency
from corpus.scripts import to_simplified
from index.text import normalize


@dataclass(frozen=True)
class AliasTable:
    """Every way of naming each agency, precompiled once."""

    agencies: tuple[Agency, ...]
    exact: dict[str, str]  # casefolded simplified name -> agency id
    latin: tuple[tuple[re.Pattern, str], ...]
    chinese: tuple[tuple[str, str], ...]  # (simplified name, id), longest first

    @classmethod
    def from_registry(cls, agencies: list[Agency]) -> AliasTable:
        exact: dict[str, str] = {}
        latin: list[tuple[re.Pattern, str]] = []
        chinese: list[tuple[str, str]] = []
        for a in agencies:
            names = [a.id, a.zh_hant, a.zh_hans, a.en, *a.abbreviations, *a.aliases]
            for name in names:
                exact.setdefault(_key(name), a.id)
            for name in [a.zh_hans, *a.aliases]:
                if re.search(r"[\u4e00-\u9fff]", name):
                    chinese.append((to_simplified(name), a.id))
            for name in [a.en, *a.aliases]:
                if not re.search(r"[\u4e00-\u9fff]", name):
                    pattern = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
                    latin.append((pattern, a.id))
            for abbr in a.abbreviations:  # case-sensitive: 'MOE', not 'moe'
                latin.append((re.compile(rf"\b{re.escape(abbr)}\b"), a.id))
        chinese.sort(key=lambda item: -len(item[0]))
        return cls(tuple(agencies), exact, tuple(latin), tuple(chinese))

    def resolve(self, name: str) -> Agency | None:
        """An agency by id, Chinese name in either script, English name or alias."""
        agency_id = self.exact.get(_key(name))
        return next((a for a in self.agencies if a.id == agency_id), None)

    def mentioned(self, text: str) -> list[Agency]:
        """Agencies a question names, in registry order."""
        found: set[str] = set()
        simplified = to_simplified(normalize(text))
        remaining = simplified
        for name, agency_id in self.chinese:
            if name in remaining:
                found.add(agency_id)
                remaining = remaining.replace(name, " ")  # 公安机关 is not also 公安
        for pattern, agency_id in self.latin:
            if pattern.search(simplified):
                found.add(agency_id)
        return [a for a in self.agencies if a.id in found]


def _key(name: str) -> str:
    return to_simplified(normalize(name)).casefold()
