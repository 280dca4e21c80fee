"""The no-answer thresholds, stored with the index they were measured on.

A calibration is only valid for the index (views, background questions, model) it was
measured against, so it lives in the index folder and names that index by the checksum of
its manifest; loading refuses one that is missing or belongs to another build.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from index.artifacts import IndexError_

FILE = "calibration.json"


class CalibrationError(IndexError_):
    """No calibration for this index, or one measured on another index."""


def index_fingerprint(index_dir: Path) -> str:
    return hashlib.sha256((index_dir / "manifest.json").read_bytes()).hexdigest()


def write_calibration(index_dir: Path, calibration: dict) -> dict:
    """Write atomically, stamped with the index it belongs to; return what was written."""
    stamped = {**calibration, "index_fingerprint": index_fingerprint(index_dir)}
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=f".{FILE}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(stamped, indent=2) + "\n")
    os.replace(tmp, index_dir / FILE)
    return stamped


def load_calibration(index_dir: Path) -> dict:
    path = index_dir / FILE
    hint = "calibrate it with `atp index build` (or `atp eval`)"
    try:
        calibration = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalibrationError(f"the index has no no-answer calibration ({FILE}): {hint}") from None
    except ValueError as exc:
        raise CalibrationError(f"{FILE} is not valid JSON ({exc}): {hint}") from None
    if calibration.get("index_fingerprint") != index_fingerprint(index_dir):
        raise CalibrationError(f"{FILE} was measured on another build of the index: {hint}")
    return calibration
