"""Check the ATP Search evaluation set (queries.jsonl + qrels/{dev,test}.tsv) and print its counts.

Run: .venv/bin/python eval/data/validate.py [--passages PATH]
PATH defaults to corpus/data/passages.jsonl (any JSONL with an "id" per passage; ids starting
with "title:" are headings and are not valid targets).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LANGS = ("zh-Hans", "zh-Hant", "en")
GROUPS = ("frontline", "ngo", "translator")
SPLITS = ("dev", "test")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", type=Path, default=ROOT / "corpus" / "data" / "passages.jsonl")
    args = ap.parse_args()
    errors: list[str] = []

    passage_ids = set()
    for line in args.passages.read_text(encoding="utf-8").splitlines():
        if line.strip():
            pid = json.loads(line)["id"]
            if not pid.startswith("title:"):
                passage_ids.add(pid)

    queries: dict[str, dict] = {}
    for n, line in enumerate((HERE / "queries.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        q = json.loads(line)
        qid = q.get("_id")
        if qid in queries:
            errors.append(f"line {n}: duplicate _id {qid}")
        queries[qid] = q
        for field, allowed in (("lang", LANGS), ("group", GROUPS), ("split", SPLITS)):
            if q.get(field) not in allowed:
                errors.append(f"{qid}: bad {field} {q.get(field)!r}")
        if not isinstance(q.get("answerable"), bool) or not q.get("text", "").strip():
            errors.append(f"{qid}: missing text or non-boolean answerable")
    texts = Counter(q["text"] for q in queries.values())
    errors += [f"duplicate text: {t}" for t, c in texts.items() if c > 1]

    rels: dict[str, dict[str, int]] = defaultdict(dict)
    for split in SPLITS:
        lines = (HERE / "qrels" / f"{split}.tsv").read_text(encoding="utf-8").splitlines()
        if lines[0] != "query-id\tcorpus-id\tscore":
            errors.append(f"{split}.tsv: bad header {lines[0]!r}")
        for line in lines[1:]:
            qid, pid, score = line.split("\t")
            if qid not in queries:
                errors.append(f"{split}.tsv: unknown query {qid}")
                continue
            if queries[qid]["split"] != split:
                errors.append(f"{split}.tsv: {qid} belongs to {queries[qid]['split']}")
            if pid not in passage_ids:
                errors.append(f"{split}.tsv: {qid} -> unknown passage {pid}")
            if score not in ("1", "2"):
                errors.append(f"{split}.tsv: {qid} {pid} score {score!r}")
            if pid in rels[qid]:
                errors.append(f"{split}.tsv: {qid} {pid} listed twice")
            rels[qid][pid] = int(score)

    for qid, q in queries.items():
        if q["answerable"] and 2 not in rels.get(qid, {}).values():
            errors.append(f"{qid}: answerable but no score-2 passage")
        if not q["answerable"] and rels.get(qid):
            errors.append(f"{qid}: unanswerable but has qrels rows")

    print(
        f"{len(queries)} queries, {sum(len(r) for r in rels.values())} qrels rows, "
        f"{len({p for r in rels.values() for p, s in r.items() if s == 2})}/{len(passage_ids)} "
        "passages are a score-2 target"
    )
    table = Counter((q["lang"], q["group"], q["split"], q["answerable"]) for q in queries.values())
    print("\n| lang | group | dev (ans/unans) | test (ans/unans) | total |")
    print("|---|---|---|---|---|")
    for lang in LANGS:
        for group in GROUPS:
            cells = [
                f"{table[(lang, group, s, True)]}/{table[(lang, group, s, False)]}" for s in SPLITS
            ]
            total = sum(table[(lang, group, s, a)] for s in SPLITS for a in (True, False))
            print(f"| {lang} | {group} | {cells[0]} | {cells[1]} | {total} |")
    for field in ("lang", "group", "split", "answerable"):
        print(f"{field}: {dict(Counter(q[field] for q in queries.values()))}")
    print(
        "split x answerable:",
        dict(Counter((q["split"], q["answerable"]) for q in queries.values())),
    )
    nokw = [q for q in queries.values() if "no-keyword" in q.get("note", "")]
    print(f"no-keyword: {len(nokw)} {dict(Counter(q['lang'] for q in nokw))}")
    unans = [q for q in queries.values() if not q["answerable"]]
    print(f"unanswerable by lang x split: {dict(Counter((q['lang'], q['split']) for q in unans))}")

    for e in errors:
        print("ERROR:", e, file=sys.stderr)
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
