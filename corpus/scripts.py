"""Traditional/Simplified conversion: OpenCC's t2s profile plus reviewed phrase overrides,
and the check that the published Traditional text holds no Simplified form."""

from __future__ import annotations

import json
import re
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
