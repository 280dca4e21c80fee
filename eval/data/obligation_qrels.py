"""Write the qrels of every obligations question from the passages' agency tags.

An obligations question ("what does 民政局 lead?") is judged by the data, not by hand: every
passage naming its `agency` in its `role` (lead / cooperating / any) scores 2, nothing else.
Rerun after the corpus's agency tags change; other questions' rows are left as they are.

Run: .venv/bin/python eval/data/obligation_qrels.py [--passages PATH]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from validate import HERE, ROOT, SPLITS, agency_passages, load_passages


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", type=Path, default=ROOT / "corpus" / "data" / "passages.jsonl")
    args = ap.parse_args()
    passages = load_passages(args.passages)
    lines = (HERE / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line) for line in lines]
    obligations = [q for q in queries if q.get("kind") == "obligations"]
    ids = {q["_id"] for q in obligations}
    for split in SPLITS:
        path = HERE / "qrels" / f"{split}.tsv"
        header, *lines = path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.split("\t")[0] not in ids]
        added = [
            f"{q['_id']}\t{pid}\t2"
            for q in obligations
            if q["split"] == split
            for pid in agency_passages(passages, q["agency"], q["role"])
        ]
        path.write_text("\n".join([header, *kept, *added]) + "\n", encoding="utf-8")
        print(f"{split}.tsv: {len(added)} obligations rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
