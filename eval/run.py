"""`atp eval`: retrieval quality per mode, view set and fusion, on dev and held-out test.

Reads the BEIR-layout question set in eval/data/, scores runs with ranx, calibrates the
/ask no-answer thresholds on the dev split only (stored with the index:
eval/calibrate.py), and writes eval/REPORT.md. The test split is never used to choose
anything.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ranx import Qrels, Run, evaluate

from eval import answers
from eval.calibrate import judged_by_the_rule, measure, no_answer_quality, top_scores
from index.artifacts import VIEW_KINDS
from index.language import BORDER_LANGUAGES
from index.search import BORDER_WEIGHTS, INTL_WEIGHT, Searcher
from service.answer import RULE_SIDES
from service.engine import Engine, answer_rules
from service.facts import load_facts

EVAL_DIR = Path(__file__).parent
DATA = EVAL_DIR / "data"
METRICS = ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
VIEW_SETS = {  # ask-intl (border-language questions) counts for border-language questions only
    "all views": VIEW_KINDS,
    "passage + sentences (no questions)": ("doc-zh", "doc-en", "sent-zh", "sent-en"),
    "whole passage only": ("doc-zh", "doc-en"),
    "sentences only": ("sent-zh", "sent-en"),
    "questions only": ("ask-zh", "ask-en", "ask-intl"),
    "zh views only": ("doc-zh", "sent-zh", "ask-zh"),
    "en views only": ("doc-en", "sent-en", "ask-en"),
}
TARGETS = {"recall@5": 0.90, "mrr@10": 0.75}
BORDER_TARGETS = {"recall@5": 0.95, "mrr@10": 0.85}  # issue 12, per border language
BORDER_ANSWER_LANGUAGE_TARGET = 0.95  # /ask answers in the question's language (issue 12)
# The share of a border-language question's dense score from the border-language question
# views (index/search.py INTL_WEIGHT): 0 is the search without them; chosen on dev
INTL_WEIGHTS = (0.0, 1 / 3, 0.5, 2 / 3)
# Their keyword side (index/border_glossary.py): weights of the zh and en BM25 scores of the
# plan's wording for their terms, beside dense 1.0; (0, 0) is the search without it
BORDER_KEYWORD_WEIGHTS = ((0.0, 0.0), (0.0, 0.3), (0.0, 0.5), (0.0, 0.8), (0.3, 0.3))
# Clauses a question is easily sent to in the wrong direction (issue 12): foreign victims
# trafficked into China vs Chinese citizens trafficked abroad; leniency for victims coerced
# into crime vs heavier punishment for ringleaders and repeat offenders
DIRECTION_PAIRS = (
    ("2.6.2.6", "2.6.2.5", "into China (2.6.2.6) vs out of China (2.6.2.5)"),
    ("2.2.2.2.6", "2.2.2.2.2", "leniency for coerced victims (2.2.2.2.6) vs heavier punishment"),
)
LANGUAGES = ("zh-Hans", "zh-Hant", "en", *BORDER_LANGUAGES)
FIRST_RELEASE_LAST_ID = 297  # q001-q297: the set the first release was measured on


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    lang: str
    group: str
    answerable: bool
    split: str
    kind: str  # obligations | responsibility | clause | fact | out_of_scope

    @property
    def ranked(self) -> bool:
        """Scored for retrieval: a question one clause (or a few) answers. Obligations
        questions have every passage of an agency as relevant and facts none; /ask is
        checked on those per kind instead (eval/answers.py)."""
        return self.answerable and self.kind in ("clause", "responsibility")

    @property
    def first_release(self) -> bool:
        return int(self.id[1:]) <= FIRST_RELEASE_LAST_ID


def load_questions(data: Path = DATA) -> list[Question]:
    rows = [
        json.loads(line)
        for line in (data / "queries.jsonl").read_text().splitlines()
        if line.strip()
    ]
    return [
        Question(r["_id"], r["text"], r["lang"], r["group"], r["answerable"], r["split"], r["kind"])
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


def _row(name: str, metrics: dict[str, float], n: int) -> str:
    cells = " | ".join(f"{metrics[m]:.3f}" for m in METRICS)
    return f"| {name} | {n} | {cells} |"


def _table(title: str, rows: list[str]) -> list[str]:
    head = "| " + title + " | n | " + " | ".join(METRICS) + " |"
    return [head, "|" + "---|" * (len(METRICS) + 2), *rows, ""]


def load_rows(data: Path = DATA) -> list[dict]:
    """The question set as written, every field (kind, agency, role, lead, fact)."""
    text = (data / "queries.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def border_weight_section(searcher: Searcher, qs: list[Question], qrels: dict) -> list[str]:
    """Hybrid on the border-language questions as the share of the border-language
    question views varies: the shipped share is chosen on the dev rows."""
    border = [q for q in qs if q.lang in BORDER_LANGUAGES]
    ids = [q.id for q in border if q.ranked]
    rows = []
    for weight in INTL_WEIGHTS:
        run = run_queries(searcher, border, mode="hybrid", intl_weight=weight)
        name = f"{weight:.2f}" + (" (shipped)" if math.isclose(weight, INTL_WEIGHT) else "")
        name += " (no border-language views)" if weight == 0 else ""
        rows.append(_row(name, score(run, qrels, ids), len(ids)))
    return _table("border-language questions, share of their question views (ask-intl)", rows)


def border_keyword_section(searcher: Searcher, qs: list[Question], qrels: dict) -> list[str]:
    """Hybrid on the border-language questions as the weight of their glossary keyword side
    varies: the shipped weights are chosen on the dev rows."""
    border = [q for q in qs if q.lang in BORDER_LANGUAGES]
    ids = [q.id for q in border if q.ranked]
    rows = []
    for zh, en in BORDER_KEYWORD_WEIGHTS:
        weights = [1.0, zh, en]
        run = run_queries(searcher, border, mode="hybrid", border_weights=weights)
        name = f"zh {zh:.1f}, en {en:.1f}"
        name += " (shipped)" if weights == BORDER_WEIGHTS else ""
        name += " (no glossary keyword side)" if zh == en == 0 else ""
        rows.append(_row(name, score(run, qrels, ids), len(ids)))
    return _table("border-language questions, weight of their glossary keyword side", rows)


def clause_only_section(run: dict, qs: list[Question], qrels: dict) -> list[str]:
    """Hybrid on the border-language questions per language, judged on the score-2
    passages alone (the clause that answers): where recall@5 falls short of the target,
    it shows whether the clause or only a related (score-1) passage is missing."""
    clause = {qid: {p: g for p, g in rel.items() if g == 2} for qid, rel in qrels.items()}
    rows = []
    for lang in BORDER_LANGUAGES:
        ids = [q.id for q in qs if q.ranked and q.lang == lang]
        if ids:
            rows.append(_row(lang, score(run, clause, ids), len(ids)))
    return _table("border-language questions, the answering clause (score 2) only", rows)


def direction_section(run: dict, qs: list[Question], qrels: dict) -> list[str]:
    """For questions the one clause answers and its look-alike does not: how often the
    clause ranks above the look-alike (hybrid, top 10)."""
    lines = [
        "| clause vs its look-alike (hybrid) | questions | border: clause ranked above "
        "| zh/en: clause ranked above |",
        "|---|---|---|---|",
    ]
    for a, b, name in DIRECTION_PAIRS:
        for right, wrong in ((a, b), (b, a)):
            asked = [q for q in qs if qrels.get(q.id, {}).get(right) == 2]
            asked = [q for q in asked if qrels[q.id].get(wrong) != 2]
            cells = []
            for langs in (BORDER_LANGUAGES, ("zh-Hans", "zh-Hant", "en")):
                mine = [q for q in asked if q.lang in langs]
                ahead = sum(_ranked_above(run.get(q.id, {}), right, wrong) for q in mine)
                cells.append(f"{ahead}/{len(mine)}")
            head = f"| {name}: asked about {right} | {len(asked)} | "
            lines.append(head + " | ".join(cells) + " |")
    return [*lines, ""]


def _ranked_above(hits: dict[str, float], right: str, wrong: str) -> bool:
    return right in hits and hits[right] > hits.get(wrong, -math.inf)


def report(searcher: Searcher, corpus_dir: Path) -> tuple[str, dict]:
    questions = load_questions()
    splits = {s: [q for q in questions if q.split == s] for s in ("dev", "test")}
    qrels = {s: load_qrels(s) for s in splits}
    lines = [
        "# Retrieval evaluation",
        "",
        "Generated by `atp eval` (eval/run.py); do not edit by hand. Question set: "
        "eval/data (BEIR layout). The **test** split is held out: nothing was tuned on "
        "it. Metrics by ranx over the clause and responsibility questions (obligations and "
        "fact questions are checked per kind below); graded relevance (2 = the "
        "clause, 1 = related).",
        "",
    ]
    summary: dict = {}
    for split, qs in splits.items():
        answerable = [q.id for q in qs if q.ranked]
        lines += [
            f"## {split} split ({len(qs)} questions, {len(answerable)} scored for retrieval)",
            "",
        ]
        rows, per_mode = [], {}
        started = time.perf_counter()
        for mode in ("hybrid", "dense", "keyword"):
            run = run_queries(searcher, qs, mode=mode)
            per_mode[mode] = run
            rows.append(_row(f"{mode}", score(run, qrels[split], answerable), len(answerable)))
        first = [q.id for q in qs if q.ranked and q.first_release]
        rows.append(
            _row(
                "hybrid, first-release questions",
                score(per_mode["hybrid"], qrels[split], first),
                len(first),
            )
        )
        alt = run_queries(searcher, qs, mode="hybrid", fusion="rrf")
        rows.append(
            _row("hybrid, rrf fusion", score(alt, qrels[split], answerable), len(answerable))
        )
        took = (time.perf_counter() - started) / (4 * len(qs)) * 1000
        lines += _table("mode (fusion: minmax)", rows)
        lines += [f"Mean time per query over these runs: {took:.1f} ms.", ""]

        rows = []
        for name, kinds in VIEW_SETS.items():
            run = run_queries(searcher, qs, mode="dense", view_kinds=kinds)
            rows.append(_row(name, score(run, qrels[split], answerable), len(answerable)))
        lines += _table("dense views", rows)

        hybrid = per_mode["hybrid"]
        rows = []
        for lang in LANGUAGES:
            ids = [q.id for q in qs if q.ranked and q.lang == lang]
            if ids:
                rows.append(_row(lang, score(hybrid, qrels[split], ids), len(ids)))
        for group in ("frontline", "ngo", "translator"):
            ids = [q.id for q in qs if q.ranked and q.group == group]
            rows.append(_row(group, score(hybrid, qrels[split], ids), len(ids)))
        lines += _table("hybrid, by language and user group", rows)
        lines += border_weight_section(searcher, qs, qrels[split])
        lines += border_keyword_section(searcher, qs, qrels[split])
        lines += clause_only_section(hybrid, qs, qrels[split])
        lines += direction_section(hybrid, qs, qrels[split])
        summary[split] = {
            mode: score(run, qrels[split], answerable) for mode, run in per_mode.items()
        }
        summary[split]["first"] = score(per_mode["hybrid"], qrels[split], first)
        summary[split]["by_lang"] = {
            lang: score(hybrid, qrels[split], [q.id for q in qs if q.ranked and q.lang == lang])
            for lang in LANGUAGES
        }

    from eval.ablation import ablation_section  # it reuses this module's runs and scores

    lines += ablation_section(searcher, splits, qrels)
    calibration = measure(searcher)
    evidence, thresholds = calibration["keyword_evidence"], calibration["answer_min_score"]
    tops = {
        split: top_scores(
            searcher,
            [(q.text, q.answerable) for q in qs if judged_by_the_rule(searcher, q.text)],
        )
        for split, qs in splits.items()
    }
    lines += [
        "## No-answer decision (/ask)",
        "",
        "Questions that service/intent.py does not already read as obligations, facts or out "
        "of scope are left to this rule (the table counts those only). "
        "/ask says the plan does not cover a question only when two signals agree. Meaning: "
        "its coverage (best dense score over the plan minus best cosine to everyday "
        "off-topic questions, index/background/) is under a threshold. Wording: its best "
        "BM25 score in its own language is under the score that 95% of those everyday "
        f"questions stay under (set from them alone): **{evidence}**. The coverage "
        "thresholds, one for Chinese and one for English questions, are chosen on dev, on "
        "coverage alone, to decline the most out-of-scope questions while declining at most "
        f"5% of answerable ones: **{thresholds}**; the wording signal then only rescues "
        "questions that use the plan's terms.",
        "",
        "| split | rule | out-of-scope | correctly declined | answerable | wrongly declined |",
        "|---|---|---|---|---|---|",
    ]
    meaning_only = dict.fromkeys(RULE_SIDES, math.inf)
    for split in splits:
        for name, rule_evidence in (("coverage only", meaning_only), ("shipped", evidence)):
            quality = no_answer_quality(tops[split], thresholds, rule_evidence)
            lines.append(f"| {split} | {name} | " + " | ".join(map(str, quality.values())) + " |")
    engine = Engine(
        searcher.passages,
        list(searcher.aliases.agencies),
        searcher,
        answer_rules(calibration),
        load_facts(corpus_dir, searcher.passages),
        0.0,
    )
    outcomes = answers.outcomes(engine, load_rows())
    answer_lines, by_kind = answers.report_lines(outcomes)
    language_lines, answer_language = answers.answer_language_lines(outcomes)
    lines += ["", *answer_lines, *language_lines]
    lines += ["## Acceptance checks (held-out test, hybrid)", ""]
    test = summary["test"]
    for metric, target in TARGETS.items():
        for name, measured in (("all", test["hybrid"]), ("first-release", test["first"])):
            ok = measured[metric] >= target
            lines.append(
                f"- {metric}, {name} questions = {measured[metric]:.3f} (target ≥ {target}): "
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
    kinds = by_kind["test"]["zh/en"]
    lines.append("- /ask on zh-Hans, zh-Hant and English questions:")
    for label, value, target in (
        ("out-of-scope questions declined", kinds["declined"], 0.90),
        ("answerable questions answered", kinds["answered"], 0.97),
        (
            "obligations: the agency's passages in the asked role, counts stated",
            kinds["obligations"],
            0.95,
        ),
        ("responsibility: a lead agency named", kinds["responsibility"], 0.95),
    ):
        lines.append(
            f"  - {label}: {value:.3f} (target ≥ {target}): {'OK' if value >= target else 'FAIL'}"
        )
    border = by_kind["test"]["border"]
    lines.append(
        f"- /ask on border-language questions (no target yet): out of scope declined "
        f"{border['declined']:.3f}, answerable answered {border['answered']:.3f}"
    )
    lines.append("- border-language questions (issue 12), each language:")
    for metric, target in BORDER_TARGETS.items():
        measured = {lang: test["by_lang"][lang][metric] for lang in BORDER_LANGUAGES}
        short = [lang for lang, value in measured.items() if not value >= target]
        values = ", ".join(f"{lang} {value:.3f}" for lang, value in measured.items())
        verdict = "OK" if not short else f"FAIL ({', '.join(short)} under)"
        lines.append(f"  - {metric} (target ≥ {target}): {values}: {verdict}")
    share = answer_language["test"]
    lines.append(
        f"  - /ask answers in the question's language: {share:.3f} "
        f"(target ≥ {BORDER_ANSWER_LANGUAGE_TARGET}): "
        f"{'OK' if share >= BORDER_ANSWER_LANGUAGE_TARGET else 'FAIL'}"
    )
    return "\n".join(lines) + "\n", calibration


def main(encoder: str | None = None) -> None:
    from index.calibration import write_calibration
    from service.engine import load_searcher
    from service.settings import Settings

    settings = Settings()
    if encoder is not None:
        from eval.encoders import compare_encoders

        compare_encoders(settings, encoder)
        return
    text, calibration = report(load_searcher(settings), settings.corpus_dir)
    (EVAL_DIR / "REPORT.md").write_text(text, encoding="utf-8")
    write_calibration(settings.index_dir, calibration)
    print(text)


if __name__ == "__main__":
    main()
