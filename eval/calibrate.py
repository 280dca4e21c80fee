"""The /ask no-answer thresholds: measured on the dev questions and the everyday off-topic
questions (index/background/), never on the held-out test split, and stored with the index
they were measured on (index/calibration.py). `atp index build` and `atp eval` call this."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.artifacts import load_background
from index.calibration import write_calibration
from index.search import Searcher
from service import intent
from service.answer import RULE_SIDES, NoAnswerRule, coverage, rule_side

QUESTIONS = Path(__file__).parent / "data" / "queries.jsonl"


@dataclass(frozen=True)
class Top:
    """What the no-answer rule sees of one question's search."""

    coverage: float
    keyword: float
    answerable: bool
    side: str


def top_scores(searcher: Searcher, texts_and_answerable: list[tuple[str, bool]]) -> list[Top]:
    out = []
    for text, answerable in texts_and_answerable:
        result = searcher.search(text, k=1)  # hybrid, as /ask searches
        out.append(
            Top(coverage(result), result.top_keyword, answerable, rule_side(result.query.lang))
        )
    return out


def keyword_evidence(background: list[Top], quantile: float = 0.95) -> dict[str, float]:
    """Per side, the keyword score that 95% of everyday off-topic questions stay under:
    wording that matches the plan better than that is taken as on topic. Set from the
    background questions alone, never from the eval set."""
    scores = {name: [t.keyword for t in background if t.side == name] for name in RULE_SIDES}
    return {  # a side without background questions (no BM25 of its own) never rescues
        name: round(float(np.quantile(s, quantile)), 4) if s else math.inf
        for name, s in scores.items()
    }


def declined(top: Top, thresholds: dict, evidence: dict) -> bool:
    rule = NoAnswerRule(thresholds[top.side], evidence[top.side])
    return not rule.admits(top.coverage, top.keyword)


# The share of answerable dev questions a side may decline. None on the border-language
# side: its dev questions are few (one question moved its threshold past two of the page's
# Mongolian examples), and a victim or family asking in their own language has no other
# way into the plan, so there a wrong decline costs most.
MAX_WRONGLY_DECLINED = {"zh": 0.05, "en": 0.05, "intl": 0.0}


def calibrate(tops: list[Top], max_wrongly_declined: dict[str, float] | None = None) -> dict:
    """Per side, the coverage threshold that declines the most out-of-scope questions while
    declining at most its share of answerable ones (MAX_WRONGLY_DECLINED), on coverage
    alone. Chosen jointly with the keyword evidence, it rose to a knife-edge (zh 0.0007 vs
    -0.02 alone) that declined short plain questions such as 孩子丢了怎么办, whose few
    words score low on BM25 however on-topic they are; so the wording signal only rescues,
    it never moves the threshold."""
    allowed = MAX_WRONGLY_DECLINED if max_wrongly_declined is None else max_wrongly_declined
    evidence = dict.fromkeys(RULE_SIDES, math.inf)
    thresholds = {}
    for name in RULE_SIDES:
        pos = [t for t in tops if t.answerable and t.side == name]
        neg = [t for t in tops if not t.answerable and t.side == name]
        best = (min((t.coverage for t in pos), default=0.0), -1)
        for threshold in sorted({t.coverage for t in pos + neg}):
            trial = {name: threshold}
            wrongly = sum(declined(t, trial, evidence) for t in pos) / max(len(pos), 1)
            count = sum(declined(t, trial, evidence) for t in neg)
            if wrongly <= allowed[name] and count > best[1]:
                best = (threshold, count)
        thresholds[name] = round(float(best[0]), 4)
    return thresholds


def no_answer_quality(tops: list[Top], thresholds: dict, evidence: dict) -> dict:
    outcome = [(declined(t, thresholds, evidence), t.answerable) for t in tops]
    return {
        "out-of-scope questions": sum(not ok for _, ok in outcome),
        "correctly declined": sum(d and not ok for d, ok in outcome),
        "answerable questions": sum(ok for _, ok in outcome),
        "wrongly declined": sum(d and ok for d, ok in outcome),
    }


def dev_questions(path: Path = QUESTIONS) -> list[tuple[str, bool]]:
    """(text, answerable) of the dev split: the only questions thresholds are chosen on."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(r["text"], r["answerable"]) for r in rows if r["split"] == "dev"]


def judged_by_the_rule(searcher: Searcher, text: str) -> bool:
    """Whether /ask leaves this question to the no-answer rule: questions read as an
    agency's obligations or a plan fact are always answered, those read as out of scope
    always declined (service/intent.py), so only the rest can calibrate the rule."""
    reading = intent.read(text, tuple(searcher.aliases.mentioned(text)))
    return reading.intent in ("clause", "responsibility")


def measure(searcher: Searcher) -> dict:
    """Keyword evidence from the background questions, coverage thresholds from dev."""
    evidence = keyword_evidence(top_scores(searcher, [(b, False) for b in load_background()]))
    judged = [(t, a) for t, a in dev_questions() if judged_by_the_rule(searcher, t)]
    dev = top_scores(searcher, judged)
    thresholds = calibrate(dev)
    return {
        "answer_min_score": thresholds,
        "keyword_evidence": evidence,
        "measured_on": "dev questions left to the rule (thresholds), index/background "
        "(keyword evidence)",
        "dev": no_answer_quality(dev, thresholds, evidence),
    }


def calibrate_index(searcher: Searcher, index_dir: Path) -> dict:
    return write_calibration(index_dir, measure(searcher))
