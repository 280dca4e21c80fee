"""The benchmark (`atp bench`): the load runs, the floor, the peers, the stage profile."""

from __future__ import annotations

import json
from pathlib import Path


def emit(result: dict, path: str | None) -> None:
    """A helper's result as JSON: to ``path`` when given (what bench/runner.py reads back),
    and to stdout."""
    text = json.dumps(result, indent=2)
    if path:
        Path(path).write_text(text, encoding="utf-8")
    print(text)
