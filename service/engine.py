"""Everything heavy the service needs, loaded once: corpus, model, index, searcher, and
what is derived from them (agency roles, sentence spans, no-answer rules, plan facts)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from threadpoolctl import threadpool_limits

from corpus.build import corpus_fingerprint, load_agencies, load_passages
from corpus.models import Agency, Passage
from index.aliases import AliasTable
from index.artifacts import load_index
from index.calibration import CalibrationError, load_calibration
from index.language import load_detector
from index.model.onnx import OnnxEncoder
from index.roles import RoleTable
from index.search import Searcher
from service.answer import RULE_SIDES, NoAnswerRule, rule_side
from service.facts import PlanFacts, load_facts
from service.settings import Settings

log = logging.getLogger("atp.engine")


@dataclass(frozen=True)
class Engine:
    passages: list[Passage]
    agencies: list[Agency]
    searcher: Searcher
    answer_rules: dict[str, NoAnswerRule]  # per side: "zh" or "en"
    facts: PlanFacts  # about the plan itself: title, issuer, date, structure
    load_seconds: float

    @property
    def aliases(self) -> AliasTable:
        return self.searcher.aliases

    @property
    def roles(self) -> RoleTable:
        return self.searcher.roles

    def answer_rule(self, lang: str) -> NoAnswerRule:
        return self.answer_rules[rule_side(lang)]

    def passage(self, passage_id: str) -> Passage | None:
        index = self.searcher.by_id.get(passage_id)
        return None if index is None else self.passages[index]


def answer_rules(calibration: dict, min_coverage: float | None = None) -> dict[str, NoAnswerRule]:
    """The no-answer rule per side, as calibrated on dev for this index; ``min_coverage``
    overrides the calibrated coverage threshold of both sides."""
    coverage, evidence = calibration["answer_min_score"], calibration["keyword_evidence"]
    missing = [side for side in RULE_SIDES if side not in coverage or side not in evidence]
    if missing:
        raise CalibrationError(
            f"the no-answer calibration has no thresholds for {missing}: recalibrate it with "
            "`atp index build` (or `atp eval`)"
        )
    return {
        side: NoAnswerRule(coverage[side] if min_coverage is None else min_coverage, evidence[side])
        for side in RULE_SIDES
    }


def load_query_encoder(settings: Settings) -> OnnxEncoder:
    """The model questions are embedded with, on ONNX Runtime (no torch in the server)."""
    int8 = settings.encoder == "onnx-int8"
    return OnnxEncoder(
        settings.model_dir,
        threads=settings.encoder_threads,
        int8=int8,
        max_query_tokens=settings.max_query_tokens,
    )


def load_searcher(settings: Settings) -> Searcher:
    """Corpus, index and query encoder, checked to belong together.

    BLAS on one thread, for the whole process: a search's products are small, and the
    server's parallelism is its requests; OpenBLAS's own threads spun on the other core
    and multiplied a search's CPU time several-fold. ONNX Runtime keeps its own pool."""
    threadpool_limits(limits=1, user_api="blas")
    passages = load_passages(settings.corpus_dir)
    index = load_index(
        settings.index_dir,
        corpus_sha256=corpus_fingerprint(settings.corpus_dir),
        passage_ids=[p.id for p in passages],
        model_dir=settings.model_dir,
    )
    encoder = load_query_encoder(settings)
    agencies = load_agencies(settings.corpus_dir)
    return Searcher(passages, agencies, index, encoder, cache_size=settings.query_cache_size)


def load_engine(settings: Settings) -> Engine:
    """Load everything, refusing an index without its calibration."""
    started = time.perf_counter()
    # one build of the index for everything read from it, even if a build switches in a
    # new one meanwhile (index/artifacts.py publish); the index is checked before its
    # calibration, so a damaged one is reported as such
    settings = settings.model_copy(update={"index_dir": settings.index_dir.resolve()})
    searcher = load_searcher(settings)
    calibration = load_calibration(settings.index_dir)
    load_detector()
    searcher.search("预热 warm-up", k=1)  # first call pays lazy init; not the first user
    rules = answer_rules(calibration, settings.answer_min_score)
    took = time.perf_counter() - started
    log.info("engine loaded in %.2fs: %d passages", took, len(searcher.passages))
    agencies = list(searcher.aliases.agencies)
    facts = load_facts(settings.corpus_dir, searcher.passages)
    return Engine(searcher.passages, agencies, searcher, rules, facts, round(took, 3))
