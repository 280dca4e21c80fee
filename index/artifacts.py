"""`atp index build` and index loading: a directory of plain files plus a manifest.

Layout: dense.faiss (inner product over normalised embeddings of every view),
views.json (view -> passage and sentence), bm25-zh/ and bm25-en/ (bm25s, no pickle),
userdict.txt (jieba words), manifest.json (model, corpus hash, versions, checksums).
A build writes into a temp folder beside the target and renames it into place, so a
failed or killed build leaves the previous index untouched.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import bm25s
import faiss
import numpy as np

from corpus.models import Agency, Passage
from index.model.folder import sha256_file, swap_in
from index.text import ANALYSIS, Analysis, add_user_words, sentence_spans

FORMAT = 3
VIEW_KINDS = ("doc-zh", "doc-en", "sent-zh", "sent-en", "ask-zh", "ask-en")
BACKGROUND = Path(__file__).parent / "background" / "questions.jsonl"
Progress = Callable[[int, int], None]


class IndexError_(RuntimeError):
    """Base of index loading problems; the message says what to run."""


class IndexMissingError(IndexError_):
    pass


class IndexCorruptError(IndexError_):
    pass


class IndexStaleError(IndexError_):
    pass


@dataclass(frozen=True)
class View:
    """One embedded text: a whole passage or one of its sentences, in one language."""

    passage: int  # position in the passage list
    kind: str  # one of VIEW_KINDS
    sentence: int  # sentence (sent-*) or question (ask-*) index; -1 for doc-* views


def model_fingerprint(model_dir: Path) -> str:
    """Hash of the converter's provenance file: changes whenever the weights can."""
    stamp = model_dir / "atp_model.json"
    if not stamp.exists():
        return "unknown"
    return hashlib.sha256(stamp.read_bytes()).hexdigest()


def make_views(
    passages: list[Passage], questions: dict[str, dict[str, list[str]]] | None = None
) -> tuple[list[View], list[str]]:
    """Every view of every passage and the text to embed for it: the whole text and
    each sentence in zh-Hans and English, and the plain-language questions it answers."""
    views, texts = [], []
    for i, p in enumerate(passages):
        for kind, text, script in (
            ("doc-zh", p.text.zh_hans, "zh-Hans"),
            ("doc-en", p.text.en, "en"),
        ):
            views.append(View(i, kind, -1))
            texts.append(text)
            spans = sentence_spans(text, script)
            if len(spans) > 1:
                for s, (start, end) in enumerate(spans):
                    views.append(View(i, "sent-" + kind[4:], s))
                    texts.append(text[start:end])
        asked = (questions or {}).get(p.id, {})
        for lang, key in (("zh", "zh-Hans"), ("en", "en")):
            for q, question in enumerate(asked.get(key, [])):
                views.append(View(i, f"ask-{lang}", q))
                texts.append(question)
    return views, texts


def load_background(path: Path = BACKGROUND) -> list[str]:
    """Everyday questions on other topics: the contrast for the no-answer decision."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def keyword_docs(
    passages: list[Passage],
    questions: dict[str, dict[str, list[str]]] | None = None,
    analysis: Analysis = ANALYSIS,
) -> tuple[list[list[str]], list[list[str]]]:
    """BM25 documents: the text, the names of its agencies (so a question naming an
    agency, or an alias expanded at query time, finds its clauses) and the plain-language
    questions the passage answers (everyday words the plan does not use)."""
    zh, en = [], []
    for p in passages:
        agencies = p.lead_agencies + p.cooperating_agencies
        asked = (questions or {}).get(p.id, {})
        zh_parts = [p.text.zh_hans, *(a.zh_hans for a in agencies), *asked.get("zh-Hans", [])]
        en_parts = [p.text.en, *(a.en for a in agencies), *asked.get("en", [])]
        zh.append(analysis.zh(" ".join(zh_parts)))
        en.append(analysis.en(" ".join(en_parts)))
    return zh, en


def user_words(passages: list[Passage], agencies: list[Agency]) -> list[str]:
    """Agency names and quoted plan terms (“团圆”, “一长三包责任制”) for jieba."""
    import re

    words = set()
    for a in agencies:
        words.update([a.zh_hans, *(x for x in a.aliases if re.search(r"[\u4e00-\u9fff]", x))])
    for p in passages:
        words.update(re.findall(r"[“《]([\u4e00-\u9fff]{2,12})[”》]", p.text.zh_hans))
    return sorted(words)


def _versions() -> dict[str, str]:
    names = ["sentence-transformers", "transformers", "torch", "faiss-cpu", "bm25s", "jieba"]
    return {"python": platform.python_version(), **{n: version(n) for n in names}}


def build_index(
    passages: list[Passage],
    agencies: list[Agency],
    encoder,
    out_dir: Path,
    *,
    corpus_sha256: str,
    model_dir: Path,
    questions: dict[str, dict[str, list[str]]] | None = None,
    background: list[str] | None = None,
    progress: Progress | None = None,
    batch_size: int = 16,
) -> dict:
    """Embed and index every view; write atomically; return the manifest."""
    started = time.perf_counter()
    words = user_words(passages, agencies)
    add_user_words(words)
    views, texts = make_views(passages, questions)
    background = background or []
    texts = texts + background
    # The temp folder first: a disk that refuses writes fails now, not after the embedding.
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.build-"))
    try:
        # Longest first and batched by length: padding, not text, dominates CPU time otherwise.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        embeddings = np.zeros((len(texts), encoder.get_embedding_dimension()), np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            embeddings[batch] = encoder.encode(
                [texts[i] for i in batch], prompt_name="passage", normalize_embeddings=True
            )
            if progress:
                progress(min(start + batch_size, len(texts)), len(texts))
        dense = faiss.IndexFlatIP(embeddings.shape[1])
        dense.add(embeddings[: len(views)])
        contrast = faiss.IndexFlatIP(embeddings.shape[1])
        contrast.add(embeddings[len(views) :])
        zh_docs, en_docs = keyword_docs(passages, questions)

        faiss.write_index(dense, str(tmp / "dense.faiss"))
        faiss.write_index(contrast, str(tmp / "background.faiss"))
        (tmp / "views.json").write_text(
            json.dumps(
                {
                    "passage_ids": [p.id for p in passages],
                    "views": [[v.passage, v.kind, v.sentence] for v in views],
                }
            ),
            encoding="utf-8",
        )
        (tmp / "userdict.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
        for name, docs in (("bm25-zh", zh_docs), ("bm25-en", en_docs)):
            bm25 = bm25s.BM25()
            bm25.index(docs, show_progress=False)
            bm25.save(str(tmp / name), show_progress=False)
        files = {
            str(p.relative_to(tmp)): sha256_file(p) for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        manifest = {
            "format": FORMAT,
            "model": {"dir": model_dir.name, "fingerprint": model_fingerprint(model_dir)},
            "corpus_sha256": corpus_sha256,
            "analysis": ANALYSIS.fingerprint(),
            "passages": len(passages),
            "views": {k: sum(v.kind == k for v in views) for k in VIEW_KINDS},
            "background": len(background),
            "dim": int(embeddings.shape[1]),
            "versions": _versions(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.perf_counter() - started, 2),
            "files": files,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _swap_in(new: Path, target: Path) -> None:
    """Put the new index in place (the previous one goes back if that fails), then clear
    the temp folders of builds killed long ago."""
    swap_in(new, target)
    _remove_abandoned_builds(target)


def _remove_abandoned_builds(target: Path, older_than_s: float = 3600) -> None:
    """Temp folders of builds killed long ago; a build running now is younger than this."""
    for leftover in target.parent.glob(f".{target.name}.build-*"):
        if time.time() - leftover.stat().st_mtime > older_than_s:
            shutil.rmtree(leftover, ignore_errors=True)


@dataclass
class LoadedIndex:
    manifest: dict
    dense: faiss.Index
    background: faiss.Index
    views: list[View]
    bm25_zh: bm25s.BM25
    bm25_en: bm25s.BM25


def load_index(
    index_dir: Path, *, corpus_sha256: str, passage_ids: list[str], model_dir: Path
) -> LoadedIndex:
    """Load and check an index; refuse a missing, corrupt, stale or mismatched one."""
    manifest_path = index_dir / "manifest.json"
    if not manifest_path.exists():
        raise IndexMissingError(
            f"no index at {index_dir}: build it with `atp index build` (or `make index`)"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as exc:
        raise IndexCorruptError(f"{manifest_path} is not valid JSON ({exc}); rebuild") from exc
    for name, expected in manifest.get("files", {}).items():
        path = index_dir / name
        if not path.exists() or sha256_file(path) != expected:
            raise IndexCorruptError(
                f"index file {name} is missing or its checksum does not match the manifest; "
                "rebuild with `atp index build`"
            )
    if manifest.get("format") != FORMAT:
        raise IndexStaleError(
            f"index format {manifest.get('format')} != {FORMAT}; rebuild with `atp index build`"
        )
    if manifest.get("corpus_sha256") != corpus_sha256:
        raise IndexStaleError(
            "the index was built from another corpus (corpus hash differs); "
            "rebuild with `atp index build`"
        )
    if manifest.get("analysis") != ANALYSIS.fingerprint():
        raise IndexStaleError(
            "the index's keyword tokens were made by another text analysis (stemmer or "
            "spelling folding differ); rebuild with `atp index build`"
        )
    fingerprint = model_fingerprint(model_dir)
    if fingerprint == "unknown" and manifest["model"]["fingerprint"] != fingerprint:
        # no model to compare with: rebuilding the index would not help, building the model does
        from index.model.folder import BUILD_HINT, ModelMissingError

        state = "does not exist" if not model_dir.exists() else "has no atp_model.json"
        raise ModelMissingError(
            f"embedding model folder {model_dir} {state}: " + BUILD_HINT.format(path=model_dir)
        )
    if manifest["model"]["fingerprint"] != fingerprint:
        raise IndexStaleError(
            "the index was built with another model (fingerprint differs); "
            "rebuild with `atp index build`"
        )
    views_doc = json.loads((index_dir / "views.json").read_text(encoding="utf-8"))
    if views_doc["passage_ids"] != passage_ids:
        raise IndexStaleError("the index's passages differ from the corpus; rebuild the index")
    from index.text import load_user_dict

    load_user_dict(index_dir / "userdict.txt")
    return LoadedIndex(
        manifest=manifest,
        dense=faiss.read_index(str(index_dir / "dense.faiss")),
        background=faiss.read_index(str(index_dir / "background.faiss")),
        views=[View(*v) for v in views_doc["views"]],
        bm25_zh=bm25s.BM25.load(str(index_dir / "bm25-zh")),
        bm25_en=bm25s.BM25.load(str(index_dir / "bm25-en")),
    )
