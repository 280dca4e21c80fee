"""Agency names in any script or language: resolve one name, or find those a question names.

Both go through the one normalisation of corpus/names.py (width, script, apostrophes,
punctuation, case), so `/agencies/{name}/passages`, the `agency` filter and question
analysis agree on every name of the registry (corpus/source/agencies.json).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from corpus.models import Agency
from corpus.names import name_key

_CJK = re.compile(r"[\u3400-\u9fff]")
# Where a place name ends before a local bureau's name: 北京市|公安局, 朝阳区|民政局.
_PLACE_END = "省市区县州盟旗镇乡"
# A long English name typed with a slip ("ministry of educaton", "civil affair"): close
# enough when at most one edit in ten characters; only names of three words or more, so a
# short word is never mistaken for a name.
TYPO_SIMILARITY = 0.9
TYPO_MIN_WORDS = 3


@dataclass(frozen=True)
class AliasTable:
    """Every way of naming each agency, precompiled once. A name with a note in the
    registry (a local bureau, an officer, a body under the agency: 民警, 救助站) is not the
    agency's own: it tags the agency, but a search does not add the agency's own name for it
    (the question is about that person's work, not about every clause of the ministry)."""

    agencies: tuple[Agency, ...]
    exact: dict[str, str]  # normalised name -> agency id
    chinese: tuple[tuple[str, str, bool], ...]  # (normalised name, id, own), longest first
    latin: tuple[tuple[re.Pattern, str, bool], ...]  # longest first
    abbreviations: tuple[tuple[re.Pattern, str, bool], ...]
    long_latin: tuple[tuple[str, int, str, bool], ...] = ()  # (name, words, id, own)

    @classmethod
    def from_registry(cls, agencies: list[Agency]) -> AliasTable:
        exact: dict[str, str] = {}
        chinese: list[tuple[str, str, bool]] = []
        latin: list[tuple[str, str, bool]] = []
        abbreviations: list[tuple[re.Pattern, str, bool]] = []
        for a in agencies:
            for name in a.names():
                exact.setdefault(name_key(name), a.id)
            for name in [a.zh_hans, a.en, *a.aliases]:
                entry = (name_key(name), a.id, name not in a.notes)
                (chinese if _CJK.search(name) else latin).append(entry)
            for abbr in a.abbreviations:
                # plural=True: a possessive (MPS's) loses its apostrophe in name_key
                abbreviations.append(
                    (_word(name_key(abbr), plural=True), a.id, abbr not in a.notes)
                )
        chinese = sorted(set(chinese), key=lambda item: (-len(item[0]), item))
        latin = sorted(set(latin), key=lambda item: (-len(item[0]), item))
        long_latin = tuple(
            (name, len(name.split()), i, own)
            for name, i, own in latin
            if len(name.split()) >= TYPO_MIN_WORDS
        )
        return cls(
            tuple(agencies),
            exact,
            tuple(chinese),
            tuple((_name_pattern(name), i, own) for name, i, own in latin),
            tuple(abbreviations),
            long_latin,
        )

    def resolve(self, name: str) -> Agency | None:
        """An agency by id, Chinese name in either script, English name, abbreviation or
        alias; a local bureau's name may carry its place (上海市民政局, 朝阳区公安分局)."""
        key = name_key(name)
        unplaced = [
            key[cut + 1 :]
            for cut, char in enumerate(key[:-1])
            if char in _PLACE_END and _CJK.match(key[cut + 1])
        ]
        agency_id = next((self.exact[k] for k in [key, *unplaced] if k in self.exact), None)
        return next((a for a in self.agencies if a.id == agency_id), None)

    def mentioned(self, text: str, *, own_names_only: bool = False) -> list[Agency]:
        """Agencies a question names, in registry order (only those it names by one of their
        own names, with ``own_names_only``)."""
        return [a for a, own in self.mentions(text) if own or not own_names_only]

    def mentions(self, text: str) -> list[tuple[Agency, bool]]:
        """(agency, named by one of its own names) for each agency a question names, in
        registry order: both of `mentioned`'s answers from one pass over the names."""
        found = self._find(text)
        return [(a, found[a.id]) for a in self.agencies if a.id in found]

    def _find(self, text: str) -> dict[str, bool]:
        """Agency id -> named by one of its own names. The longest name is taken first and
        used up (公安机关 is not also 公安; 国家铁路局 is not also 铁路局); abbreviations count
        when typed with at least two capitals (MOE, MoE, not 'moe' or the name 'Mara')."""
        found: dict[str, bool] = {}
        remaining = name_key(text)
        for name, agency_id, own in self.chinese:
            if name in remaining:
                found[agency_id] = found.get(agency_id, False) or own
                remaining = remaining.replace(name, " ")
        for pattern, agency_id, own in self.latin:
            if pattern.search(remaining):
                found[agency_id] = found.get(agency_id, False) or own
                remaining = pattern.sub(" ", remaining)
        if not found:
            found.update(self._near_misses(remaining))
        cased = name_key(text, casefold=False)
        for pattern, agency_id, own in self.abbreviations:
            typed = (m.group() for m in pattern.finditer(cased))
            if any(sum(c.isupper() for c in word) >= 2 for word in typed):
                found[agency_id] = found.get(agency_id, False) or own
        return found

    def _near_misses(self, text: str) -> dict[str, bool]:
        """Agencies named by a long English name with a typo: each run of as many words as
        the name, compared by edit distance (tried only when no name matched exactly); one
        rapidfuzz matrix per name length, as the loop over windows cost most of a search."""
        words = re.findall(r"[a-z0-9]+", text)
        found: dict[str, bool] = {}
        for size, names in self._long_latin_by_size.items():
            windows = [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]
            if not windows:
                continue
            similar = process.cdist(
                windows,
                [name for name, _, _ in names],
                scorer=Levenshtein.normalized_similarity,
                score_cutoff=TYPO_SIMILARITY,
            ).max(axis=0)
            for (_, agency_id, own), score in zip(names, similar, strict=True):
                if score >= TYPO_SIMILARITY:
                    found[agency_id] = found.get(agency_id, False) or own
        return found

    @cached_property
    def _long_latin_by_size(self) -> dict[int, list[tuple[str, str, bool]]]:
        by_size: dict[int, list[tuple[str, str, bool]]] = {}
        for name, size, agency_id, own in self.long_latin:
            by_size.setdefault(size, []).append((name, agency_id, own))
        return by_size


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Russian and Mongolian names decline: Министерство / Министерства / Министерством,
# яам / яамны / яаманд. A word of a Cyrillic name matches by its stem: without its last
# vowels (or й, ь), then any ending.
_CYRILLIC_ENDING = re.compile(r"[аеёиоуыэюяйь]{1,2}$")


def _name_pattern(name: str) -> re.Pattern:
    """How a non-Chinese name is found in a question: Cyrillic ones by the stems of their
    words, whatever the case ending; the rest as whole words (_word)."""
    if not _CYRILLIC.search(name):
        return _word(name, plural=True)
    stems = []
    for word in name.split():
        stem = _CYRILLIC_ENDING.sub("", word)
        stems.append(re.escape(stem if len(stem) >= 3 else word) + r"\w*")
    return re.compile(r"(?<!\w)" + r"\s+".join(stems), re.IGNORECASE)


def _word(name: str, *, plural: bool = False) -> re.Pattern:
    """A Latin name as a whole word (not inside another, also next to Chinese characters,
    where \\b sees no boundary); names may take a plural s; case-insensitive."""
    tail = "s?" if plural else ""
    return re.compile(rf"(?<![a-z0-9]){re.escape(name)}{tail}(?![a-z0-9])", re.IGNORECASE)
