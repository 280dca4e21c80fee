"""What the runtime image carries, gathered by the build stage into one folder: the files
`atp serve` reads and nothing else.

Why a script: the runtime stage copies this folder whole, so what ships is decided once, here,
and tests/test_deploy.py serves search from a folder staged by this very function. The index
is copied through its symlink (index/data may point at index/data.<build id>); the model
folder keeps only what the ONNX encoder reads (no safetensors weights, no int8 copy); the
export's checksum list, when it wrote one, keeps the lines of the files shipped, with the
digests the export wrote, so the server's own check still compares against the export.

    python deploy/stage.py OUT   # OUT/app -> /app, OUT/model -> the image's model folder
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from index.model.onnx import ONNX_DATA, ONNX_DIR, ONNX_FILE, ONNX_STAMP, RUNTIME_FILES
from service.settings import ROOT, Settings

# Everything the float32 encoder opens; tests/test_deploy.py serves from exactly these.
MODEL_FILES = (*RUNTIME_FILES, ONNX_FILE, f"{ONNX_DIR}/{ONNX_DATA}", ONNX_STAMP)
MODEL_SUMS = f"{ONNX_DIR}/SHA256SUMS"  # sha256sum format, written by the export when present
PACKAGES = ("corpus", "index", "service")  # what the server imports, with their data files
DEPLOY_FILES = ("nginx.conf", "healthcheck.py")  # the proxy's config, the HEALTHCHECK
# Caches, build locks and temp folders (hidden), and the index builds: the one served is
# copied on its own, resolved.
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "*.tmp")
SKIP_INDEX_BUILDS = shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "*.tmp", "data", "data.*")


def filtered_sums(text: str, keep: set[str]) -> str:
    """The sha256sum lines of ``text`` that name a file in ``keep``; every kept file must be
    listed, or the server would refuse the folder for a reason staging can name now."""
    lines = [line for line in text.splitlines() if line.partition("  ")[2] in keep]
    listed = {line.partition("  ")[2] for line in lines}
    unlisted = sorted(keep - listed)
    if unlisted:
        raise SystemExit(f"{MODEL_SUMS} does not list {', '.join(unlisted)}")
    return "".join(line + "\n" for line in lines)


def stage_model(model_dir: Path, out: Path) -> list[str]:
    """Copy the encoder's files of ``model_dir`` into ``out``; the names copied."""
    missing = [name for name in MODEL_FILES if not (model_dir / name).is_file()]
    if missing:
        raise SystemExit(f"model folder {model_dir} has no {', '.join(missing)}: build it first")
    for name in MODEL_FILES:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(model_dir / name, out / name)
    shipped = list(MODEL_FILES)
    sums = model_dir / MODEL_SUMS
    if sums.is_file():
        text = filtered_sums(sums.read_text(encoding="utf-8"), set(MODEL_FILES))
        (out / MODEL_SUMS).write_text(text, encoding="utf-8")
        shipped.append(MODEL_SUMS)
    return shipped


def stage_app(root: Path, index_dir: Path, out: Path) -> None:
    """Copy the packages (code, corpus, web page, phrases), the served index (resolved) and
    the deploy files into ``out``, laid out as ``root`` is."""
    for package in PACKAGES:
        skip = SKIP_INDEX_BUILDS if package == "index" else SKIP
        shutil.copytree(root / package, out / package, ignore=skip)
    resolved = index_dir.resolve()
    if not (resolved / "manifest.json").is_file():
        raise SystemExit(f"index {index_dir} has no manifest.json: build it first")
    shutil.copytree(resolved, out / "index" / "data", ignore=SKIP)
    (out / "deploy").mkdir()
    for name in DEPLOY_FILES:
        shutil.copy2(root / "deploy" / name, out / "deploy" / name)


def readable_by_all(out: Path) -> None:
    """Folders 755, files 644 (755 if executable): the image runs as a user that owns none
    of them, and a build's temp folders are made owner-only (mkdtemp)."""
    for path in [out, *out.rglob("*")]:
        executable = path.is_dir() or path.stat().st_mode & 0o100
        path.chmod(0o755 if executable else 0o644)


def stage(out: Path, settings: Settings, root: Path = ROOT) -> None:
    """``out``/app and ``out``/model: the runtime image's /app and its model folder."""
    out.mkdir(parents=True)
    stage_app(root, settings.index_dir, out / "app")
    stage_model(settings.model_dir, out / "model")
    readable_by_all(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="a folder that does not exist yet")
    args = parser.parse_args(argv)
    stage(args.out, Settings())
    for path in sorted(p for p in args.out.rglob("*") if p.is_file()):
        if path.stat().st_size > 1_000_000:
            print(f"{path.stat().st_size / 1e6:8.1f} MB  {path.relative_to(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
