"""Traditional/Simplified conversion: OpenCC's t2s profile plus reviewed phrase overrides,
the check that the published Traditional text holds no Simplified form, and the check that
a question in a border language is written in that language's script."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import opencc

OVERRIDES_PATH = Path(__file__).parent / "source" / "zh-Hans-overrides.json"


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@lru_cache(maxsize=1)
def _overrides() -> dict[str, str]:
    """Phrases t2s leaves in their Traditional form (著重 -> 着重), reviewed by hand."""
    return json.loads(OVERRIDES_PATH.read_text(encoding="utf-8"))


def to_simplified(text: str) -> str:
    text = _converter("t2s").convert(text)
    for traditional, simplified in _overrides().items():
        text = text.replace(traditional, simplified)
    return text


def simplified_leftovers(text: str, exempt: Iterable[str] = ()) -> list[str]:
    """Every character OpenCC's s2tw would still change, as 'line L, column C: 并 -> 並',
    except inside an exempt span (correct Traditional that s2tw rewrites, like 了解)."""
    problems = []
    spans = [re.compile(re.escape(span)) for span in exempt]
    for lineno, line in enumerate(text.splitlines(), start=1):
        converted = _converter("s2tw").convert(line)
        if converted == line:
            continue
        if len(converted) != len(line):
            problems.append(f"line {lineno}: s2tw rewrites {line!r} as {converted!r}")
            continue
        covered = {i for s in spans for m in s.finditer(line) for i in range(m.start(), m.end())}
        for col, (old, new) in enumerate(zip(line, converted, strict=True)):
            if old != new and col not in covered:
                where = line[max(0, col - 4) : col + 5]
                problems.append(f"line {lineno}, column {col + 1}: {old} -> {new} in {where!r}")
    return problems


# Search-aid questions may be written in the languages of the countries around China whose
# people are trafficked into it or look for those who were (issue 12). Each is written in one
# script; a script unique to the language is checked by its Unicode block.
BORDER_LANGUAGES = ("vi", "my", "lo", "th", "km", "ko", "ru", "mn")
_BLOCKS = {
    "my": ("Myanmar", "\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff"),
    "lo": ("Lao", "\u0e80-\u0eff"),
    "th": ("Thai", "\u0e00-\u0e7f"),
    "km": ("Khmer", "\u1780-\u17ff\u19e0-\u19ff"),
    "ko": ("Hangul", "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff"),
    "ru": ("Cyrillic", "\u0400-\u04ff"),
    "mn": ("Cyrillic", "\u0400-\u04ff"),
}
_MONGOLIAN_ONLY = re.compile("[ӨөҮү]")  # Cyrillic letters Mongolian has and Russian lacks
# Vietnamese once decomposed (NFD): ASCII letters and đ, with only these marks on them; and
# at least one sign no other Latin-script language uses (é, è, â alone could be French)
_VIETNAMESE_MARKS = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
_VIETNAMESE_LETTER = re.compile(f"[A-Za-zĐđ{_VIETNAMESE_MARKS}]")
_VIETNAMESE_SIGN = re.compile("[Đđ\u031b\u0306\u0309\u0323]")  # đ, horn, breve, hook, dot
_LATIN = re.compile("[A-Za-z]")  # acronyms and names (DNA, COMMIT, UNICEF) in any language


def _vietnamese_problem(letters: list[str]) -> str | None:
    def decomposed(letter: str) -> str:
        return unicodedata.normalize("NFD", letter)

    stray = {c for c in letters if not all(map(_VIETNAMESE_LETTER.fullmatch, decomposed(c)))}
    if stray:
        return f"not Vietnamese letters: {''.join(sorted(stray))!r}"
    if not any(_VIETNAMESE_SIGN.search(decomposed(c)) for c in letters):
        return "no Vietnamese letter (đ, ă, ơ, ư, a hook above or a dot below)"
    return None


def script_problem(text: str, lang: str) -> str | None:
    """Why `text` is not plain `lang` in its own script, or None. Latin letters are allowed
    beside a non-Latin script (acronyms, names) as long as they are not most of the text;
    invisible characters and unnormalised (non-NFC) text are refused, since the same words
    would then embed differently from what a user types."""
    if unicodedata.normalize("NFC", text) != text:
        return "not NFC-normalised"
    hidden = [c for c in text if unicodedata.category(c) in ("Cc", "Cf")]
    if hidden:
        return f"invisible character U+{ord(hidden[0]):04X}"
    letters = [c for c in text if unicodedata.category(c)[0] in "LM"]
    if lang == "vi":
        return _vietnamese_problem(letters)
    name, block = _BLOCKS[lang]
    own = re.compile(f"[{block}]")
    stray = sorted({c for c in letters if not own.fullmatch(c) and not _LATIN.fullmatch(c)})
    if stray:
        return f"letters outside {name}: {''.join(stray)!r}"
    if 2 * sum(bool(own.fullmatch(c)) for c in letters) <= len(letters):
        return f"mostly not {name}"
    if lang == "ru" and _MONGOLIAN_ONLY.search(text):
        return "Mongolian letters (ө, ү) in Russian"
    return None
