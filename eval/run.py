"""`atp eval`: retrieval quality per mode, view set and fusion, on dev and held-out test.

Reads the BEIR-layout question set in eval/data/, scores runs with ranx, calibrates the
/ask no-answer threshold on the dev split only, and writes eval/REPORT.md and
eval/calibration.json. The test split is never used to choose anything.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ranx import Qrels, Run, evaluate

from index.search import Searcher
from service.answer import coverage

EVAL_DIR = Path(__file__).parent
DATA = EVAL_DIR / "data"
METRICS = ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
VIEW_SETS = {
    "all views": ("doc-zh", "doc-en", "sent-zh", "sent-en", "ask-zh", "ask-en"),
    "passage + sentences (no questions)": ("doc-zh", "doc-en", "sent-zh", "sent-en"),
    "whole passage only": ("doc-zh", "doc-en"),
    "sentences only": ("sent-zh", "sent-en"),
    "questions only": ("ask-zh", "ask-en"),
    "zh views only": ("doc-zh", "sent-zh", "ask-zh"),
    "en views only": ("doc-en", "sent-en", "ask-en"),
}
TARGETS = {"recall@5": 0.90, "mrr@10": 0.75}


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    lang: str
    group: str
    answerable: bool
    split: str


def load_questions(data: Path = DATA) -> list[Question]:
    rows = [
        json.loads(line)
        for line in (data / "queries.jsonl").read_text().splitlines()
        if line.strip()
    ]
    return [
        Question(r["_id"], r["text"], r["lang"], r["group"], r["answerable"], r["split"])
        for r in rows
    ]


def load_qrels(split: str, data: Path = DATA) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (data / "qrels" / f"{split}.tsv").read_text().splitlines()[1:]:
        if line.strip():
            qid, pid, score = line.split("\t")
            qrels[qid][pid] = int(score)
    return dict(qrels)


def run_queries(searcher: Searcher, questions: list[Question], **options) -> dict:
    """qid -> {passage id: score} for the top 10."""
    run = {}
    for q in questions:
        hits = searcher.search(q.text, k=10, **options).hits
        run[q.id] = {h.passage.id: float(len(hits) - i) for i, h in enumerate(hits)}
    return run


def score(run: dict, qrels: dict, ids: list[str]) -> dict[str, float]:
    """ranx metrics over the given answerable question ids."""
    sub_qrels = {i: qrels[i] for i in ids if i in qrels}
    if not sub_qrels:
        return dict.fromkeys(METRICS, float("nan"))
    sub_run = {i: run.get(i) or {"__none__": 0.0} for i in sub_qrels}
    result = evaluate(Qrels(sub_qrels), Run(sub_run), METRICS, make_comparable=True)
    return {m: float(result[m]) for m in METRICS}


def side(lang: str) -> str:
    """No-answer thresholds are per side: English questions score lower across the board."""
    return "en" if lang == "en" else "zh"


def top_scores(searcher: Searcher, questions: list[Question]) -> list[tuple[float, bool, str]]:
    out = []
    for q in questions:
        result = searcher.search(q.text, k=1, mode="dense")
        out.append((coverage(result), q.answerable, side(result.query.lang)))
    return out


def calibrate(tops: list[tuple[float, bool, str]], max_wrongly_declined: float = 0.05) -> dict:
    """Per side, the threshold that declines the most out-of-scope questions while
    declining at most 5% of answerable ones."""
    thresholds = {}
    for name in ("zh", "en"):
        pos = [t for t, ok, s in tops if ok and s == name]
        neg = [t for t, ok, s in tops if not ok and s == name]
        best = (min(pos, default=0.0), -1)
        for threshold in sorted(set(pos + neg)):
            wrongly = sum(t < threshold for t in pos) / max(len(pos), 1)
            declined = sum(t < threshold for t in neg)
            if wrongly <= max_wrongly_declined and declined > best[1]:
                best = (threshold, declined)
        thresholds[name] = round(float(best[0]), 4)
    return thresholds


def no_answer_quality(tops: list[tuple[float, bool, str]], thresholds: dict) -> dict:
    declined = [(t < thresholds[s], ok) for t, ok, s in tops]
    return {
        "out-of-scope questions": sum(not ok for _, ok in declined),
        "correctly declined": sum(d and not ok for d, ok in declined),
        "answerable questions": sum(ok for _, ok in declined),
        "wrongly declined": sum(d and ok for d, ok in declined),
    }


def _row(name: str, metrics: dict[str, float], n: int) -> str:
    cells = " | ".join(f"{metrics[m]:.3f}" for m in METRICS)
    return f"| {name} | {n} | {cells} |"


def _table(title: str, rows: list[str]) -> list[str]:
    head = "| " + title + " | n | " + " | ".join(METRICS) + " |"
    return [head, "|" + "---|" * (len(METRICS) + 2), *rows, ""]


def report(searcher: Searcher) -> tuple[str, dict]:
    questions = load_questions()
    splits = {s: [q for q in questions if q.split == s] for s in ("dev", "test")}
    qrels = {s: load_qrels(s) for s in splits}
    lines = [
        "# Retrieval evaluation",
        "",
        "Generated by `atp eval` (eval/run.py); do not edit by hand. Question set: "
        "eval/data (BEIR layout). The **test** split is held out: nothing was tuned on "
        "it. Metrics by ranx over answerable questions; graded relevance (2 = the "
        "clause, 1 = related).",
        "",
    ]
    summary: dict = {}
    for split, qs in splits.items():
        answerable = [q.id for q in qs if q.answerable]
        lines += [f"## {split} split ({len(qs)} questions, {len(answerable)} answerable)", ""]
        rows, per_mode = [], {}
        started = time.perf_counter()
        for mode in ("hybrid", "dense", "keyword"):
            run = run_queries(searcher, qs, mode=mode)
            per_mode[mode] = run
            rows.append(_row(f"{mode}", score(run, qrels[split], answerable), len(answerable)))
        fusion = searcher.fusion
        searcher.fusion = "minmax" if fusion == "rrf" else "rrf"
        alt = run_queries(searcher, qs, mode="hybrid")
        rows.append(
            _row(
                f"hybrid, {searcher.fusion} fusion",
                score(alt, qrels[split], answerable),
                len(answerable),
            )
        )
        searcher.fusion = fusion
        took = (time.perf_counter() - started) / (4 * len(qs)) * 1000
        lines += _table(f"mode (fusion: {fusion})", rows)
        lines += [f"Mean time per query over these runs: {took:.1f} ms.", ""]

        rows = []
        for name, kinds in VIEW_SETS.items():
            run = run_queries(searcher, qs, mode="dense", view_kinds=kinds)
            rows.append(_row(name, score(run, qrels[split], answerable), len(answerable)))
        lines += _table("dense views", rows)

        hybrid = per_mode["hybrid"]
        rows = []
        for lang in ("zh-Hans", "zh-Hant", "en"):
            ids = [q.id for q in qs if q.answerable and q.lang == lang]
            rows.append(_row(lang, score(hybrid, qrels[split], ids), len(ids)))
        for group in ("frontline", "ngo", "translator"):
            ids = [q.id for q in qs if q.answerable and q.group == group]
            rows.append(_row(group, score(hybrid, qrels[split], ids), len(ids)))
        lines += _table("hybrid, by language and user group", rows)
        summary[split] = {
            mode: score(run, qrels[split], answerable) for mode, run in per_mode.items()
        }
        summary[split]["by_lang"] = {
            lang: score(hybrid, qrels[split], [q.id for q in qs if q.answerable and q.lang == lang])
            for lang in ("zh-Hans", "zh-Hant", "en")
        }

    thresholds = calibrate(top_scores(searcher, splits["dev"]))
    lines += [
        "## No-answer decision (/ask)",
        "",
        "/ask declines when the question's coverage (best dense score over the plan minus "
        "best cosine to everyday off-topic questions, index/background/) is under a "
        "threshold, one for Chinese "
        "and one for English questions, chosen on dev to decline the most out-of-scope "
        f"questions while declining at most 5% of answerable ones: **{thresholds}**.",
        "",
    ]
    for split, qs in splits.items():
        quality = no_answer_quality(top_scores(searcher, qs), thresholds)
        lines.append(f"- {split}: " + "; ".join(f"{k}: {v}" for k, v in quality.items()))
    lines += ["", "## Acceptance checks (held-out test, hybrid)", ""]
    test = summary["test"]
    for metric, target in TARGETS.items():
        ok = test["hybrid"][metric] >= target
        lines.append(
            f"- {metric} = {test['hybrid'][metric]:.3f} (target ≥ {target}): "
            f"{'OK' if ok else 'FAIL'}"
        )
    zh = min(test["by_lang"]["zh-Hans"]["mrr@10"], test["by_lang"]["zh-Hant"]["mrr@10"])
    en = test["by_lang"]["en"]["mrr@10"]
    lines.append(
        f"- English MRR@10 {en:.3f} vs Chinese (worse script) {zh:.3f}: "
        f"{'OK' if en >= zh - 0.05 else 'FAIL'} (within 0.05)"
    )
    best_single = max(test["dense"]["mrr@10"], test["keyword"]["mrr@10"])
    lines.append(
        f"- hybrid MRR@10 {test['hybrid']['mrr@10']:.3f} vs best single mode "
        f"{best_single:.3f}: {'OK' if test['hybrid']['mrr@10'] >= best_single else 'FAIL'}"
    )
    calibration = {"answer_min_score": thresholds, "measured_on": "dev", "test": quality}
    return "\n".join(lines) + "\n", calibration


def main() -> None:
    from service.engine import load_engine
    from service.settings import Settings

    engine = load_engine(Settings())
    text, calibration = report(engine.searcher)
    (EVAL_DIR / "REPORT.md").write_text(text, encoding="utf-8")
    (EVAL_DIR / "calibration.json").write_text(json.dumps(calibration, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    main()
