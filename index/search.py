"""Hybrid retrieval: dense views in FAISS, jieba/English BM25, fused; pure at the core.

The corpus is small (about a hundred passages), so every signal scores every passage
and filters apply before the cut to k: a filter never empties a page that has matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple, get_args

import numpy as np

from corpus.models import SCRIPTS, Agency, Kind, Passage
from corpus.scripts import to_simplified
from index.aliases import AliasTable
from index.artifacts import VIEW_KINDS, LoadedIndex
from index.batcher import MicroBatcher
from index.border_glossary import BorderGlossary, load_border_glossary
from index.language import BORDER_LANGUAGES, detect_language
from index.roles import RoleFilter, RoleTable
from index.text import ANALYSIS, Analysis, normalize, sentence_spans, tokenize_en

Mode = Literal["hybrid", "dense", "keyword"]
Fusion = Literal["minmax", "rrf"]
Lang = Literal["auto", "zh-Hans", "zh-Hant", "en", "vi", "my", "lo", "th", "km", "ko", "ru", "mn"]
MODES: tuple[Mode, ...] = get_args(Mode)
LANGS: tuple[Lang, ...] = get_args(Lang)
RRF_K = 60  # the constant of Cormack et al.; robust without tuning
HYBRID_WEIGHTS = [1.0, 0.3, 0.3]  # dense, zh BM25, en BM25: chosen on the dev split only
# A border-language question's dense score: this share from its best border-language view
# (ask-intl), the rest from the zh/en mean; chosen on the dev split only (eval/REPORT.md)
INTL_WEIGHT = 0.5
# A border-language question's keyword side is the plan's wording for the terms it uses
# (index/border_glossary.py): dense, zh BM25, en BM25 weights for it; chosen on the dev
# split only (eval/REPORT.md: the Chinese wording added nothing there)
BORDER_WEIGHTS = [1.0, 0.0, 0.5]


def fuse_rrf(signals: list[np.ndarray], k: int = RRF_K) -> np.ndarray:
    """Reciprocal rank fusion of score arrays; a zero score means 'not retrieved'."""
    fused = np.zeros(len(signals[0]), dtype=np.float64)
    for scores in signals:
        order = np.argsort(-scores, kind="stable")
        ranks = np.empty(len(scores), dtype=np.int64)
        ranks[order] = np.arange(1, len(scores) + 1)
        fused += np.where(scores > 0, 1.0 / (k + ranks), 0.0)
    return fused


def fuse_minmax(signals: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """Weighted sum of min-max normalised scores."""
    fused = np.zeros(len(signals[0]), dtype=np.float64)
    for scores, weight in zip(signals, weights, strict=True):
        low, high = float(scores.min()), float(scores.max())
        if high > low:
            fused += weight * (scores - low) / (high - low)
    return fused


@dataclass(frozen=True)
class Filters:
    agency: str | None = None  # agency id
    role: RoleFilter = "any"
    kind: Kind | None = None


@dataclass(frozen=True)
class QueryAnalysis:
    text: str  # normalised
    lang: str  # detected or given: zh-Hans | zh-Hant | en | mixed | a border language
    agencies: tuple[Agency, ...]
    zh_tokens: tuple[str, ...]
    en_tokens: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    dense: float  # mean over zh and en of the best view's cosine (0 when not computed)
    keyword: float  # best BM25 score over zh and en
    highlights: dict[str, list[tuple[int, int]]]


class DenseScores(NamedTuple):
    """Per passage: the score that ranks it; per language, its best sentence (highlights);
    and the score on the plan's zh/en wording alone (the same as ``scores`` for a Chinese
    or English question)."""

    scores: np.ndarray
    sentence: dict[str, np.ndarray]
    plan: np.ndarray


@dataclass(frozen=True)
class SearchResult:
    query: QueryAnalysis
    mode: str
    hits: list[Hit]
    # best dense score over all passages, on the plan's own wording (zh/en views) for every
    # language: the no-answer rule's meaning signal, one scale whatever the question's
    # language (border-language views only reorder the passages)
    top_dense: float = 0.0
    top_background: float = -1.0  # best cosine to everyday off-topic questions
    top_keyword: float = 0.0  # best BM25 score in the question's own language (zh or en)


class Searcher:
    """Holds the loaded index and encoder; safe to share across threads (read only)."""

    def __init__(
        self,
        passages: list[Passage],
        agencies: list[Agency],
        index: LoadedIndex,
        encoder,
        *,
        cache_size: int = 2048,
        analysis: Analysis = ANALYSIS,
        glossary: BorderGlossary | None = None,
    ) -> None:
        self.passages = passages
        self.analysis = analysis  # as the index was built with (eval/ablation.py varies it)
        self.glossary = load_border_glossary() if glossary is None else glossary
        self.by_id = {p.id: i for i, p in enumerate(passages)}
        self.aliases = AliasTable.from_registry(agencies)
        self.roles = RoleTable.from_passages(passages)
        self.index = index
        self.encoder = encoder
        self._kinds = np.array([p.kind for p in passages])
        # sentence spans of every passage in every script, cut once: highlights read them
        self.spans: list[dict[str, list[tuple[int, int]]]] = [
            {script: sentence_spans(p.text.get(script), script) for script in SCRIPTS}
            for p in passages
        ]
        self._view_passage = np.array([v.passage for v in index.views], dtype=np.int64)
        self._view_kind = np.array([v.kind for v in index.views])
        self._view_sentence = np.array([v.sentence for v in index.views], dtype=np.int64)
        self._intl = self._view_kind == "ask-intl"  # the border-language question views
        self._has_intl = np.zeros(len(passages), dtype=bool)  # passages that have some
        self._has_intl[self._view_passage[self._intl]] = True
        # the views' embeddings as one matrix: a question's cosine to every view is one
        # matrix-vector product (FAISS's search sorted all of them, for a top-k of all)
        self._view_vectors = index.dense.reconstruct_n(0, index.dense.ntotal)
        self._side_masks: dict[tuple[str, ...], list[np.ndarray]] = {}
        # per language, the sentence views grouped by passage (stable: view order kept)
        self._sentence_views = {}
        for lang in ("zh", "en"):
            views = np.flatnonzero(self._view_kind == f"sent-{lang}")
            self._sentence_views[lang] = views[np.argsort(self._view_passage[views], kind="stable")]
        self._batcher = MicroBatcher(self._encode_batch)
        self._encode = lru_cache(maxsize=cache_size)(self._batcher.encode)

    # -- query side -------------------------------------------------------------
    def analyse(self, q: str, lang: Lang = "auto") -> QueryAnalysis:
        if lang not in LANGS:
            raise ValueError(f"unknown lang {lang!r}; one of {LANGS}")
        text = normalize(q)
        detected = detect_language(text) if lang == "auto" else lang
        named = self.aliases.mentions(text)
        agencies = tuple(agency for agency, _ in named)
        zh = self.analysis.query_zh(text) if detected in ("zh-Hans", "zh-Hant", "mixed") else []
        en = (
            self.analysis.query_en(text)
            if detected in ("en", "mixed", "zh-Hans", "zh-Hant")
            else []
        )
        for a in (agency for agency, own in named if own):  # across languages
            zh += self.analysis.zh(a.zh_hans)
            en += self.analysis.en(a.en)
        if detected in BORDER_LANGUAGES:  # the plan has no text in these: its words for theirs
            found = self.glossary.match(text, detected)
            zh += self.analysis.zh(" ".join(c.zh for c in found))  # weighs 0 (BORDER_WEIGHTS)
            en += self.analysis.en(" ".join(c.en for c in found))
        return QueryAnalysis(text, detected, agencies, tuple(zh), tuple(en))

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self.encoder.encode(
            texts, prompt_name="query", normalize_embeddings=True, batch_size=len(texts)
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, query: QueryAnalysis) -> np.ndarray:
        return self._encode(to_simplified(query.text))

    # -- signals ----------------------------------------------------------------
    def dense_scores(
        self,
        qvec: np.ndarray,
        view_kinds: tuple[str, ...] = VIEW_KINDS,
        *,
        border: bool = False,
        intl_weight: float = INTL_WEIGHT,
    ) -> DenseScores:
        """Per passage: the mean over languages of its best view's cosine; and, per
        language, the sentence whose view scored best (for highlights).

        A question in a border language (``border``) also meets the questions written in
        those languages (ask-intl): the plan has no text in them, and e5 ties a Khmer or
        Lao question to the zh/en wording more loosely than to a question in its own
        words. They weigh ``intl_weight``; a passage without such views keeps its zh/en
        mean there, so having none is neither a penalty nor a boost."""
        view_scores = self._view_vectors @ np.asarray(qvec, dtype=np.float32).reshape(-1)
        sides = [self._best_per_passage(chosen, view_scores) for chosen in self._sides(view_kinds)]
        plan = best = np.mean(sides, axis=0).astype(np.float32)
        if border and "ask-intl" in view_kinds and self._intl.any():
            asked = self._best_per_passage(self._intl, view_scores)
            asked = np.where(self._has_intl, asked, plan)
            best = ((1 - intl_weight) * plan + intl_weight * asked).astype(np.float32)
        sentence = {lang: self._best_sentence(lang, view_scores) for lang in ("zh", "en")}
        return DenseScores(best, sentence, plan)

    def _sides(self, view_kinds: tuple[str, ...]) -> list[np.ndarray]:
        """The views of each language side (zh, en) among ``view_kinds``, the languages that
        have some: the best view in each, then their mean, so that agreement of both
        versions of a clause beats either alone."""
        if view_kinds not in self._side_masks:
            masks = [
                np.isin(self._view_kind, [k for k in view_kinds if k.endswith(lang)])
                for lang in ("zh", "en")
            ]
            self._side_masks[view_kinds] = [m for m in masks if m.any()]
        return self._side_masks[view_kinds]

    def _best_sentence(self, lang: str, view_scores: np.ndarray) -> np.ndarray:
        """Per passage, the sentence whose view in ``lang`` scored best (the first of equals;
        -1 where a passage has none)."""
        views = self._sentence_views[lang]
        passages = self._view_passage[views]
        order = np.lexsort((-view_scores[views], passages))  # stable: ties keep view order
        first = np.ones(len(order), dtype=bool)
        first[1:] = passages[order][1:] != passages[order][:-1]
        pick = np.full(len(self.passages), -1, dtype=np.int64)
        pick[passages[order][first]] = self._view_sentence[views[order][first]]
        return pick

    def _best_per_passage(self, chosen: np.ndarray, view_scores: np.ndarray) -> np.ndarray:
        side = np.full(len(self.passages), -1.0, dtype=np.float32)
        np.maximum.at(side, self._view_passage[chosen], view_scores[chosen])
        return side

    def keyword_scores(self, query: QueryAnalysis) -> tuple[np.ndarray, np.ndarray]:
        return (
            _bm25(self.index.bm25_zh, query.zh_tokens, len(self.passages)),
            _bm25(self.index.bm25_en, query.en_tokens, len(self.passages)),
        )

    # -- the search ---------------------------------------------------------------
    def search(
        self,
        q: str,
        *,
        k: int = 10,
        mode: Mode = "hybrid",
        lang: Lang = "auto",
        filters: Filters = Filters(),
        view_kinds: tuple[str, ...] = VIEW_KINDS,
        fusion: Fusion = "minmax",
        intl_weight: float = INTL_WEIGHT,
        border_weights: list[float] | None = None,
    ) -> SearchResult:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        if fusion not in get_args(Fusion):
            raise ValueError(f"unknown fusion {fusion!r}")
        query = self.analyse(q, lang)
        n = len(self.passages)
        dense = plan = np.zeros(n, dtype=np.float32)
        sentence: dict[str, np.ndarray] = {}
        background = -1.0
        if mode in ("hybrid", "dense"):
            qvec = self.encode_query(query)
            border = query.lang in BORDER_LANGUAGES
            dense, sentence, plan = self.dense_scores(
                qvec, view_kinds, border=border, intl_weight=intl_weight
            )
            background = self.background_score(qvec)
        zh_kw, en_kw = (np.zeros(n), np.zeros(n))
        if mode in ("hybrid", "keyword"):
            zh_kw, en_kw = self.keyword_scores(query)
        if mode == "dense":
            fused = dense.astype(np.float64)
        elif mode == "keyword":
            fused = fuse_rrf([zh_kw, en_kw])
        elif fusion == "rrf":
            fused = fuse_rrf([np.clip(dense, 1e-6, None), zh_kw, en_kw])
        elif query.lang in BORDER_LANGUAGES:
            fused = fuse_minmax([dense, zh_kw, en_kw], border_weights or BORDER_WEIGHTS)
        else:
            fused = fuse_minmax([dense, zh_kw, en_kw], HYBRID_WEIGHTS)
        mask = self.mask(filters)
        retrieved = mask & (fused > 0) if mode == "keyword" else mask  # BM25 0 = no match
        order = [i for i in np.argsort(-fused, kind="stable") if retrieved[i]][:k]
        hits = [
            Hit(
                passage=self.passages[i],
                score=round(float(fused[i]), 6),
                dense=round(float(dense[i]), 6),
                keyword=round(float(max(zh_kw[i], en_kw[i])), 6),
                highlights=self._highlights(i, sentence, query),
            )
            for i in order
        ]
        own = en_kw if query.lang == "en" else zh_kw
        return SearchResult(
            query,
            mode,
            hits,
            top_dense=float(plan.max()) if n else 0.0,
            top_background=background,
            top_keyword=float(own.max()) if n else 0.0,
        )

    def mask(self, filters: Filters) -> np.ndarray:
        """Passages a search may return under these filters."""
        keep = np.ones(len(self.passages), dtype=bool)
        if filters.kind:
            keep &= self._kinds == filters.kind
        if filters.agency:
            keep &= self.roles.mask(filters.agency, filters.role)
        return keep

    def background_score(self, qvec: np.ndarray) -> float:
        """How much the question looks like everyday questions on other topics."""
        if self.index.background.ntotal == 0:
            return -1.0
        sims, _ = self.index.background.search(qvec, 1)
        return float(sims[0][0])

    def _highlights(
        self, i: int, sentence: dict[str, np.ndarray], query: QueryAnalysis
    ) -> dict[str, list[tuple[int, int]]]:
        """Span of the best-matching sentence in each script."""
        p = self.passages[i]
        out: dict[str, list[tuple[int, int]]] = {}
        for script in SCRIPTS:
            text, spans = p.text.get(script), self.spans[i][script]
            lang = "en" if script == "en" else "zh"
            pick = int(sentence[lang][i]) if lang in sentence else -1
            if len(spans) == 1:
                pick = 0
            elif pick < 0 or pick >= len(spans):
                pick = _lexical_best(text, spans, query, script)
            out[script] = [spans[pick]]
        return out


def _lexical_best(
    text: str, spans: list[tuple[int, int]], query: QueryAnalysis, script: str
) -> int:
    """Without dense scores: the sentence containing the most query tokens."""
    if len(spans) == 1:
        return 0
    if script == "en":
        tokens = set(query.en_tokens)
        overlaps = [len(tokens & set(tokenize_en(text[s:e]))) for s, e in spans]
    else:  # substring tests: no segmentation needed, and both scripts share positions
        tokens = {to_simplified(t) for t in query.zh_tokens}
        simplified = [to_simplified(text[s:e]) for s, e in spans]
        overlaps = [sum(t in sentence for t in tokens) for sentence in simplified]
    return int(np.argmax(overlaps))


def _bm25(bm25, tokens: tuple[str, ...], n: int) -> np.ndarray:
    known = [t for t in tokens if t in bm25.vocab_dict]
    if not known:
        return np.zeros(n, dtype=np.float32)
    return np.asarray(bm25.get_scores(known), dtype=np.float32)
