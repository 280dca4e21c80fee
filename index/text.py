"""Text tools shared by indexing and querying: script detection, normalisation,
sentence splitting with character spans, and tokenisation for BM25."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jieba

from corpus.scripts import to_simplified

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]")
_ZH_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")
_EN_SENTENCE = re.compile(r"\S.*?(?:[.!?;](?=\s|$)|$)", re.S)
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_ZH_TOKEN = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
EN_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "me",
        "must",
        "shall",
    ]
)
ZH_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "对",
        "是",
        "我",
        "你",
        "他",
        "她",
        "们",
        "怎么",
        "怎么办",
        "怎样",
        "如何",
        "什么",
        "哪些",
        "哪个",
        "应该",
        "应当",
        "要",
        "吗",
        "呢",
        "吧",
        "啊",
        "有",
        "被",
        "把",
        "为",
        "就",
        "都",
        "也",
        "还",
        "该",
        "谁",
        "时",
        "后",
    ]
)


def normalize(text: str) -> str:
    """NFKC (full-width Latin and digits to half-width), no control chars, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def detect_script(text: str) -> str:
    """'zh-Hans', 'zh-Hant', 'en' or 'mixed' (substantial Chinese and English words)."""
    cjk = CJK.findall(text)
    latin_words = LATIN_WORD.findall(text)
    if not cjk:
        return "en"
    if len(latin_words) >= 3 and sum(map(len, latin_words)) > len(cjk):
        return "mixed"
    han = "".join(cjk)
    return "zh-Hant" if to_simplified(han) != han else "zh-Hans"


def answer_language(text: str) -> str:
    """The script to answer in: mixed questions get the script of their Chinese part."""
    script = detect_script(text)
    if script != "mixed":
        return script
    han = "".join(CJK.findall(text))
    return "zh-Hant" if to_simplified(han) != han else "zh-Hans"


def sentence_spans(text: str, script: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a passage text (end exclusive)."""
    pattern = _EN_SENTENCE if script == "en" else _ZH_SENTENCE
    spans = [(m.start(), m.end()) for m in pattern.finditer(text) if m.group().strip()]
    return spans or [(0, len(text))]


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    """A private jieba with the plan's terms and agency names, loaded once on first use."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def add_user_words(words: Iterable[str]) -> None:
    tokenizer = _jieba()
    for word in words:
        if len(word) >= 2:
            tokenizer.add_word(word, freq=50_000)


def load_user_dict(path: Path) -> None:
    if path.exists():
        add_user_words(path.read_text(encoding="utf-8").split())


def tokenize_zh(text: str) -> list[str]:
    """jieba search-mode tokens of the Simplified text, plus single characters so a
    query word jieba split differently still matches by its characters."""
    simplified = to_simplified(normalize(text)).lower()
    words = [w for w in _jieba().cut_for_search(simplified) if _ZH_TOKEN.search(w)]
    tokens = [w for w in words if w not in ZH_STOPWORDS]
    chars = [c for c in simplified if CJK.match(c) and c not in ZH_STOPWORDS]
    return tokens + chars


def tokenize_en(text: str) -> list[str]:
    """Lower-case words without stop words, crudely stemmed (trafficked -> traffick)."""
    words = _EN_TOKEN.findall(normalize(text).lower())
    return [_stem(w) for w in words if w not in EN_STOPWORDS]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "ers", "er", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word
