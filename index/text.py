"""Text tools shared by indexing and querying: script detection, normalisation,
sentence splitting with character spans, and tokenisation for BM25."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import jieba
import Stemmer
from breame.spelling import get_american_spelling

from corpus.scripts import to_simplified
from corpus.synonyms import load_synonyms

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]")
_ZH_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")
_EN_SENTENCE = re.compile(r"\S.*?(?:[.!?;](?=\s|$)|$)", re.S)
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")  # women's one word; anti-trafficking two
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


@dataclass(frozen=True)
class Analysis:
    """How text becomes BM25 tokens, the same for passages and questions, plus the
    synonyms a question adds (corpus/source/synonyms.json: what people type -> the plan's
    wording). The switches exist so the evaluation can measure each part (eval/ablation.py);
    the search uses them all."""

    stem: bool = True  # Snowball English (PyStemmer): trafficked, trafficking -> traffick
    spelling: bool = True  # British -> American (breame): labour -> labor, counselling
    synonyms: bool = True

    def en(self, text: str) -> list[str]:
        """English words, lower case, hyphenated words split, stop words out, spelling
        folded and stemmed."""
        text = _APOSTROPHE.sub("'", normalize(text).lower())
        words = [w for w in _EN_TOKEN.findall(text) if w not in EN_STOPWORDS]
        if self.spelling:
            words = [get_american_spelling(w) for w in words]
        return [_stem(w) for w in words] if self.stem else words

    def zh(self, text: str) -> list[str]:
        return tokenize_zh(text)

    def query_en(self, text: str) -> list[str]:
        """A question's tokens plus the plan's wording for what it typed, where it lacks it."""
        tokens = self.en(text)
        if self.synonyms:
            typed = [plan for words, plan in _synonyms(self, "en") if _has_phrase(tokens, words)]
            tokens += _missing(tokens, typed)
        return tokens

    def query_zh(self, text: str) -> list[str]:
        tokens = self.zh(text)
        if self.synonyms:
            simplified = to_simplified(normalize(text))
            typed = [plan for words, plan in _synonyms(self, "zh") if words[0] in simplified]
            tokens += _missing(tokens, typed)
        return tokens

    def fingerprint(self) -> str:
        """Changes whenever passages would be tokenised differently: an index built with
        another analysis is stale."""
        versions = f"PyStemmer {version('PyStemmer')} breame {version('breame')}"
        return f"{self.stem}/{self.spelling}; {versions}"


ANALYSIS = Analysis()


def tokenize_en(text: str) -> list[str]:
    """English BM25 tokens as the index has them (ANALYSIS.en)."""
    return ANALYSIS.en(text)


_APOSTROPHE = re.compile(r"[’‘ʼ`´′]")
_STEMMERS = threading.local()  # a PyStemmer stemmer is not thread-safe: one per thread


def _stem(word: str) -> str:
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = Stemmer.Stemmer("english")
    return stemmer.stemWord(word)


@lru_cache(maxsize=8)
def _synonyms(analysis: Analysis, lang: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(what people type, as tokens, or as the zh string itself; the plan's tokens)."""
    table = []
    for s in load_synonyms():
        if s.lang == lang:
            tokenize = analysis.en if lang == "en" else analysis.zh
            for typed in s.typed:
                words = tuple(analysis.en(typed)) if lang == "en" else (typed,)
                table.append((words, tuple(tokenize(s.plan))))
    return tuple(table)


def _has_phrase(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1))


def _missing(tokens: list[str], plans: list[tuple[str, ...]]) -> list[str]:
    """The plan's tokens a question lacks, each once."""
    have, out = set(tokens), []
    for token in (t for plan in plans for t in plan):
        if token not in have:
            have.add(token)
            out.append(token)
    return out
