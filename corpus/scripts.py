"""Traditional/Simplified conversion: OpenCC's t2s profile plus reviewed phrase overrides."""

from __future__ import annotations

import json
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
