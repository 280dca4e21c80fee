"""What each part of the keyword side's text analysis is worth: the Snowball stemmer, the
British/American spelling folding and the query-side synonyms (corpus/source/synonyms.json),
each left out in turn, on dev and held-out test. Part of `atp eval` (eval/run.py); nothing
is chosen on the test rows.

A variant re-indexes the English BM25 with its own analysis (a hundred passages: well under
a second); the Chinese side's passages are tokenised the same in every variant (only its
query synonyms change), and the dense side is untouched.
"""

from __future__ import annotations

import dataclasses

import bm25s

from corpus.build import load_questions as load_search_aids
from eval.run import run_queries, score
from index.artifacts import keyword_docs
from index.search import Searcher
from index.text import Analysis

VARIANTS = {
    "shipped: stemmer, spelling folding, synonyms": Analysis(),
    "without synonyms": Analysis(synonyms=False),
    "without spelling folding": Analysis(spelling=False),
    "without the stemmer": Analysis(stem=False),
    "none of the three": Analysis(stem=False, spelling=False, synonyms=False),
}
COLUMNS = [  # (mode, language or None for all, metric)
    ("hybrid", None, "recall@5"),
    ("hybrid", None, "mrr@10"),
    ("keyword", None, "recall@5"),
    ("keyword", None, "mrr@10"),
    ("keyword", "en", "mrr@10"),
    ("keyword", "zh", "mrr@10"),
]


def variant(searcher: Searcher, analysis: Analysis) -> Searcher:
    """The same searcher with its English BM25 rebuilt under another analysis."""
    _, en_docs = keyword_docs(searcher.passages, load_search_aids(), analysis)
    bm25_en = bm25s.BM25()
    bm25_en.index(en_docs, show_progress=False)
    if analysis == searcher.analysis and bm25_en.vocab_dict != searcher.index.bm25_en.vocab_dict:
        raise RuntimeError("the index was not built from this corpus: rebuild it first")
    index = dataclasses.replace(searcher.index, bm25_en=bm25_en)
    agencies = list(searcher.aliases.agencies)
    rebuilt = Searcher(searcher.passages, agencies, index, searcher.encoder, analysis=analysis)
    rebuilt.encode_query = searcher.encode_query  # the same encoder: share its query cache
    return rebuilt


def ablation_section(searcher: Searcher, splits: dict, qrels: dict) -> list[str]:
    """Markdown lines: one table per split, a row per variant."""
    heads = [f"{mode} {lang or 'all'} {metric}" for mode, lang, metric in COLUMNS]
    lines = [
        "## Keyword-side text analysis (ablation)",
        "",
        "Each part of the analysis of English and Chinese keyword tokens left out in turn: "
        "the Snowball stemmer (PyStemmer), the British→American spelling folding (breame) "
        "and the query-side synonyms (corpus/source/synonyms.json, what people type → the "
        "plan's wording). Keyword columns by question language: en, zh (both scripts).",
        "",
    ]
    for split, questions in splits.items():
        rows = []
        for name, analysis in VARIANTS.items():
            s = searcher if analysis == searcher.analysis else variant(searcher, analysis)
            runs = {mode: run_queries(s, questions, mode=mode) for mode in ("hybrid", "keyword")}
            cells = []
            for mode, lang, metric in COLUMNS:
                ids = [
                    q.id
                    for q in questions
                    if q.answerable and (lang is None or q.lang.startswith(lang))
                ]
                cells.append(f"{score(runs[mode], qrels[split], ids)[metric]:.3f}")
            rows.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += [
            f"| {split} | " + " | ".join(heads) + " |",
            "|---|" + "---|" * len(COLUMNS),
            *rows,
            "",
        ]
    return lines
