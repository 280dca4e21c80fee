"""Check the ATP Search evaluation set (queries.jsonl + qrels/{dev,test}.tsv) and print its counts.

Run: .venv/bin/python eval/data/validate.py [--passages PATH] [--agencies PATH]
PATH defaults to corpus/data/passages.jsonl (any JSONL with an "id" per passage; ids starting
with "title:" are headings and are not valid targets) and corpus/data/agencies.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# Chinese (both scripts) and English, then the border languages of issue 12.
LANGS = ("zh-Hans", "zh-Hant", "en", "vi", "my", "lo", "th", "km", "ko", "ru", "mn")
GROUPS = ("frontline", "ngo", "translator")
SPLITS = ("dev", "test")
KINDS = ("obligations", "responsibility", "clause", "fact", "out_of_scope")
ROLES = ("lead", "cooperating", "any")
FACTS = ("period", "issuer", "document_number", "date", "measure_count", "parts", "title")


def load_passages(path: Path) -> list[dict]:
    """Passages that can be judged (headings excluded)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [p for p in rows if not p["id"].startswith("title:")]


def agency_passages(passages: list[dict], agency: str, role: str) -> list[str]:
    """Ids of the passages that name `agency` as lead, as cooperating, or either (`any`).

    This is the whole truth of an obligations question: its qrels are exactly these, score 2.
    """
    fields = {"lead": ("lead_agencies",), "cooperating": ("cooperating_agencies",)}.get(
        role, ("lead_agencies", "cooperating_agencies")
    )
    return [
        p["id"]
        for p in passages
        if any(a["id"] == agency for field in fields for a in p.get(field, []))
    ]


def check_kind(
    q: dict,
    rels: dict[str, int],
    leads: dict[str, set[str]],
    passages: list[dict],
    agency_ids: set[str],
) -> list[str]:
    """The kind-specific fields of one question, and its qrels where the kind fixes them."""
    qid, kind, errors = q["_id"], q.get("kind"), []
    if kind not in KINDS:
        return [f"{qid}: bad kind {kind!r}"]
    if (kind == "out_of_scope") == q["answerable"]:
        errors.append(f"{qid}: kind out_of_scope must go with answerable false, and only with it")
    if kind == "obligations":
        agency, role = q.get("agency"), q.get("role")
        if agency not in agency_ids:
            errors.append(f"{qid}: obligations with unknown agency {agency!r}")
        if role not in ROLES:
            errors.append(f"{qid}: obligations with bad role {role!r}")
        if agency in agency_ids and role in ROLES:
            want = {pid: 2 for pid in agency_passages(passages, agency, role)}
            if not want:
                errors.append(f"{qid}: {agency} has no passages as {role}")
            if rels != want:
                missing, extra = sorted(set(want) - set(rels)), sorted(set(rels) - set(want))
                errors.append(
                    f"{qid}: qrels differ from {agency}'s {role} passages (missing {missing}, "
                    f"extra {extra}, or a score is not 2); run eval/data/obligation_qrels.py"
                )
    elif "agency" in q or "role" in q:
        errors.append(f"{qid}: agency/role belong to obligations questions only")
    if kind == "responsibility":
        lead = q.get("lead")
        if not isinstance(lead, list) or not lead or not all(a in agency_ids for a in lead):
            errors.append(f"{qid}: responsibility needs a non-empty `lead` list of agency ids")
        elif not any(set(lead) <= leads[pid] for pid, s in rels.items() if s == 2):
            errors.append(f"{qid}: `lead` {lead} are not the lead agencies of any score-2 passage")
    elif "lead" in q:
        errors.append(f"{qid}: `lead` belongs to responsibility questions only")
    if kind == "fact":
        if q.get("fact") not in FACTS:
            errors.append(f"{qid}: fact needs `fact` in {FACTS}, got {q.get('fact')!r}")
        if rels:
            errors.append(f"{qid}: fact questions have no qrels rows")
    elif "fact" in q:
        errors.append(f"{qid}: `fact` belongs to fact questions only")
    if kind == "out_of_scope" and not q.get("note", "").startswith("out-of-scope"):
        errors.append(f"{qid}: out_of_scope note must start with 'out-of-scope'")
    return errors


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", type=Path, default=ROOT / "corpus" / "data" / "passages.jsonl")
    ap.add_argument("--agencies", type=Path, default=ROOT / "corpus" / "data" / "agencies.json")
    args = ap.parse_args()
    errors: list[str] = []

    passages = load_passages(args.passages)
    passage_ids = {p["id"] for p in passages}
    leads = {p["id"]: {a["id"] for a in p.get("lead_agencies", [])} for p in passages}
    agency_ids = {a["id"] for a in json.loads(args.agencies.read_text(encoding="utf-8"))}

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
        if q["answerable"] and q.get("kind") != "fact" and 2 not in rels.get(qid, {}).values():
            errors.append(f"{qid}: answerable but no score-2 passage")
        if not q["answerable"] and rels.get(qid):
            errors.append(f"{qid}: unanswerable but has qrels rows")
        errors += check_kind(q, dict(rels.get(qid, {})), leads, passages, agency_ids)

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
            if total:  # the border languages have no translator questions
                print(f"| {lang} | {group} | {cells[0]} | {cells[1]} | {total} |")
    by_kind = Counter((q.get("kind"), q["lang"], q["split"]) for q in queries.values())
    print("\n| lang | " + " | ".join(KINDS) + " | dev/test | total |")
    print("|---|" + "---|" * (len(KINDS) + 2))
    for lang in LANGS:
        cells = [
            f"{by_kind[(kind, lang, 'dev')]}/{by_kind[(kind, lang, 'test')]}" for kind in KINDS
        ]
        dev, test = (sum(by_kind[(kind, lang, s)] for kind in KINDS) for s in SPLITS)
        print(f"| {lang} | " + " | ".join(cells) + f" | {dev}/{test} | {dev + test} |")
    totals = [sum(by_kind[(kind, lang, s)] for lang in LANGS for s in SPLITS) for kind in KINDS]
    dev, test = (sum(by_kind[(kind, lang, s)] for kind in KINDS for lang in LANGS) for s in SPLITS)
    print("| total | " + " | ".join(map(str, totals)) + f" | {dev}/{test} | {dev + test} |")
    print("\n(kind cells: dev/test)\n")
    for field in ("lang", "group", "split", "answerable", "kind"):
        print(f"{field}: {dict(Counter(q.get(field) for q in queries.values()))}")
    print(
        "split x answerable:",
        dict(Counter((q["split"], q["answerable"]) for q in queries.values())),
    )
    nokw = [q for q in queries.values() if "no-keyword" in q.get("note", "")]
    print(f"no-keyword: {len(nokw)} {dict(Counter(q['lang'] for q in nokw))}")
    unans = [q for q in queries.values() if not q["answerable"]]
    print(f"unanswerable by lang x split: {dict(Counter((q['lang'], q['split']) for q in unans))}")
    obl = [q for q in queries.values() if q.get("kind") == "obligations"]
    print(
        f"obligations by role: {dict(Counter(q['role'] for q in obl))}; "
        f"agencies: {len({q['agency'] for q in obl})}"
    )

    for e in errors:
        print("ERROR:", e, file=sys.stderr)
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
