"""`atp index build` and index loading: a directory of plain files plus a manifest.

Layout: dense.faiss (inner product over normalised embeddings of every view),
views.json (view -> passage and sentence), bm25-zh/ and bm25-en/ (bm25s, no pickle),
userdict.txt (jieba words), manifest.json (model, corpus hash, versions, and the sha256
of every other file, all checked at load). The index folder (index/data) is a symlink to
the build it serves (index/data.<build id>): a build writes a temp folder beside it and
switches the link with one rename, so a failed or killed build leaves the previous index.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import bm25s
import faiss
import numpy as np

from corpus.models import Agency, Passage
from index.language import BORDER_LANGUAGES
from index.model.folder import checksum_problem, checksums
from index.text import ANALYSIS, Analysis, add_user_words, sentence_spans

FORMAT = 3
# ask-intl: the questions written in the border languages (vi, my, lo, th, km, ko, ru, mn),
# searched only for questions in one of them (index/search.py)
VIEW_KINDS = ("doc-zh", "doc-en", "sent-zh", "sent-en", "ask-zh", "ask-en", "ask-intl")
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
    # sentence (sent-*) or question (ask-*) index, -1 for doc-* views; ask-intl counts the
    # passage's border-language questions in BORDER_LANGUAGES order (border_questions)
    sentence: int


def model_fingerprint(model_dir: Path) -> str:
    """Hash of the converter's provenance file: changes whenever the weights can."""
    stamp = model_dir / "atp_model.json"
    if not stamp.exists():
        return "unknown"
    return hashlib.sha256(stamp.read_bytes()).hexdigest()


def border_questions(asked: dict[str, list[str]]) -> list[str]:
    """A passage's questions in the border languages, one list in BORDER_LANGUAGES order."""
    return [q for lang in BORDER_LANGUAGES for q in asked.get(lang, [])]


def make_views(
    passages: list[Passage], questions: dict[str, dict[str, list[str]]] | None = None
) -> tuple[list[View], list[str]]:
    """Every view of every passage and the text to embed for it: the whole text and
    each sentence in zh-Hans and English, and the plain-language questions it answers
    (zh-Hans, English, and the border languages pooled in one kind: a Lao question meets
    the Thai wording too, and one kind keeps a single side per question in the search)."""
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
        for q, question in enumerate(border_questions(asked)):
            views.append(View(i, "ask-intl", q))
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
    """Embed and index every view; publish atomically; return the manifest.

    One build at a time (a lock beside ``out_dir``); the disk is checked for room, and the
    folder for writes, before any embedding; the finished build is switched in by one
    rename of a symlink (``publish``), so a crash at any point leaves the previous index.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(out_dir):
        recover(out_dir)
        words = user_words(passages, agencies)
        add_user_words(words)
        views, texts = make_views(passages, questions)
        background = background or []
        texts = texts + background
        dim = encoder.get_embedding_dimension()
        require_free_space(out_dir.parent, needed_bytes(len(texts), dim))
        # The temp folder first: a folder that refuses writes fails now, not after embedding.
        tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.build-"))
        try:
            # Longest first, batched by length: padding, not text, dominates CPU time otherwise.
            order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
            embeddings = np.zeros((len(texts), dim), np.float32)
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                embeddings[batch] = encoder.encode(
                    [texts[i] for i in batch], prompt_name="passage", normalize_embeddings=True
                )
                if progress:
                    progress(min(start + batch_size, len(texts)), len(texts))
            dense = faiss.IndexFlatIP(dim)
            dense.add(embeddings[: len(views)])
            contrast = faiss.IndexFlatIP(dim)
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
            manifest = {
                "format": FORMAT,
                "model": {"dir": model_dir.name, "fingerprint": model_fingerprint(model_dir)},
                "corpus_sha256": corpus_sha256,
                "analysis": ANALYSIS.fingerprint(),
                "passages": len(passages),
                "views": {k: sum(v.kind == k for v in views) for k in VIEW_KINDS},
                "background": len(background),
                "dim": int(dim),
                "versions": _versions(),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "build_seconds": round(time.perf_counter() - started, 2),
                "files": checksums(tmp),
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
            publish(tmp, out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return manifest


# ------------------------------------------------------------------ one build at a time


class IndexBuildRunningError(IndexError_):
    """Another build holds the lock of this index."""


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``.<name>.lock`` beside the index for the whole build; a second build fails at
    once. flock goes with the process, so a killed build never leaves a stale lock."""
    path = out_dir.parent / f".{out_dir.name}.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBuildRunningError(
                f"another `atp index build` is writing {out_dir} (it holds {path}); "
                "wait for it to finish"
            ) from None
        yield


# Beside the embeddings (float32, one row per text, in two FAISS files), a build writes
# views, BM25 and JSON files of well under a MiB for this corpus: 16 MiB of headroom.
HEADROOM_BYTES = 16 << 20


def needed_bytes(texts: int, dim: int) -> int:
    """Disk a build needs, estimated before embedding: twice the raw vectors, plus headroom."""
    return 2 * texts * dim * 4 + HEADROOM_BYTES


def require_free_space(folder: Path, needed: int) -> None:
    """Fail before a minute of embedding, not after it, on a disk without room."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise OSError(
            errno.ENOSPC,
            f"{free >> 20} MiB free in {folder}, the index build needs about "
            f"{-(-needed >> 20)} MiB: free some space and build again",
            str(folder),
        )


# ------------------------------------------------------------------ the atomic switch

_VERSION = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")


def _version_name(target: Path) -> str:
    return f"{target.name}.{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.urandom(4).hex()}"


def publish(tmp: Path, target: Path) -> None:
    """Make the finished build in ``tmp`` the index at ``target``: ``tmp`` becomes the
    folder ``<name>.<build id>`` and ``target`` a symlink to it, replaced by one rename.

    A crash before that rename leaves the previous index in place, after it the new one,
    never neither; an error puts everything back. A plain folder from before this layout is
    first kept as a version: a crash between its rename and the link's leaves the link
    waiting beside it, which loading follows and the next build puts in place (``recover``).
    Afterwards only the current and the previous version stay.
    """
    version = target.with_name(_version_name(target))
    link = target.with_name(f".{target.name}.link-{version.name}")
    _fsync_tree(tmp)
    os.rename(tmp, version)
    moved = None
    try:
        os.symlink(version.name, link)  # relative: the folder and its versions move together
        previous = target.resolve() if target.is_symlink() else None
        if target.is_dir() and not target.is_symlink():  # the layout before symlinks
            previous = moved = target.with_name(_version_name(target))
            os.rename(target, moved)
        os.replace(link, target)
    except BaseException:
        if moved is not None and not os.path.lexists(target):
            os.rename(moved, target)
        if os.path.lexists(link):
            os.unlink(link)
        shutil.rmtree(version, ignore_errors=True)
        raise
    _fsync_dir(target.parent)
    _remove_leftovers(target, keep={version.name, previous.name if previous else ""})


def pending_link(target: Path) -> Path | None:
    """The link a switch cut short was about to rename to ``target``, if ``target`` is gone."""
    if os.path.lexists(target):
        return None
    links = sorted(target.parent.glob(f".{target.name}.link-*"))
    return next((link for link in reversed(links) if link.resolve().is_dir()), None)


def recover(target: Path) -> None:
    """Finish a switch cut short (``publish``) and drop links no switch will use."""
    waiting = pending_link(target)
    if waiting is not None:
        os.replace(waiting, target)
    for link in target.parent.glob(f".{target.name}.link-*"):
        link.unlink()


def _remove_leftovers(target: Path, keep: set[str]) -> None:
    """Versions other than ``keep`` and the temp folders of builds killed halfway. Only
    called under the build lock, so no running build's folder is among them."""
    for path in target.parent.glob(f".{target.name}.build-*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in target.parent.glob(f"{target.name}.*"):
        is_version = _VERSION.fullmatch(path.name[len(target.name) + 1 :])
        if is_version and path.is_dir() and not path.is_symlink() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder of the new index, so a power cut after the switch does
    not leave a link to files the disk never got."""
    for path in [*sorted(folder.rglob("*")), folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class LoadedIndex:
    manifest: dict
    dense: faiss.Index
    background: faiss.Index
    views: list[View]
    bm25_zh: bm25s.BM25
    bm25_en: bm25s.BM25


# Written after the checksums: the manifest itself, and the calibration measured later
# (stamped with the manifest's checksum: index/calibration.py).
UNLISTED = ("manifest.json", "calibration.json")


def load_index(
    index_dir: Path, *, corpus_sha256: str, passage_ids: list[str], model_dir: Path
) -> LoadedIndex:
    """Load and check an index; refuse a missing, corrupt, stale or mismatched one."""
    index_dir = pending_link(index_dir) or index_dir
    manifest_path = index_dir / "manifest.json"
    if not manifest_path.exists():
        raise IndexMissingError(
            f"no index at {index_dir}: build it with `atp index build` (or `make index`)"
        )
    folder = index_dir.resolve()  # one build, even if a new one is switched in meanwhile
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except json.JSONDecodeError as exc:
        raise IndexCorruptError(f"{manifest_path} is not valid JSON ({exc}); rebuild") from exc
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        raise IndexCorruptError(
            f"{manifest_path} has no list of file checksums; rebuild with `atp index build`"
        )
    problem = checksum_problem(folder, listed, skip=UNLISTED)
    if problem:
        raise IndexCorruptError(
            f"index file {problem} (manifest.json): the index is damaged or was altered; "
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
    views_doc = json.loads((folder / "views.json").read_text(encoding="utf-8"))
    if views_doc["passage_ids"] != passage_ids:
        raise IndexStaleError("the index's passages differ from the corpus; rebuild the index")
    from index.text import load_user_dict

    load_user_dict(folder / "userdict.txt")
    return LoadedIndex(
        manifest=manifest,
        dense=faiss.read_index(str(folder / "dense.faiss")),
        background=faiss.read_index(str(folder / "background.faiss")),
        views=[View(*v) for v in views_doc["views"]],
        bm25_zh=bm25s.BM25.load(str(folder / "bm25-zh")),
        bm25_en=bm25s.BM25.load(str(folder / "bm25-en")),
    )
