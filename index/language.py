"""Which language a question is in: Chinese (either script), English, or one of the border
languages whose speakers ask about trafficking into China (vi, my, lo, th, km, ko, ru, mn).

A script that belongs to one language decides by itself (Myanmar, Lao, Thai, Khmer, Hangul).
Latin and Cyrillic text go to py3langid (langid.py's model, shipped in the package, no
download), restricted to the languages that script can be here: en or vi, ru or mn.
"""

from __future__ import annotations

import re
import threading
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from index.text import detect_script

BORDER_LANGUAGES = ("vi", "my", "lo", "th", "km", "ko", "ru", "mn")
UNIQUE_SCRIPTS = {
    "my": re.compile(r"[\u1000-\u109f\uaa60-\uaa7f]"),
    "lo": re.compile(r"[\u0e80-\u0eff]"),
    "th": re.compile(r"[\u0e00-\u0e7f]"),
    "km": re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]"),
    "ko": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
}
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MONGOLIAN_LETTERS = re.compile(r"[өүӨҮ]")  # Mongolian Cyrillic has them, Russian does not
VIETNAMESE_LETTERS = re.compile(r"[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")  # letters only Vietnamese uses
CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
MIN_VI_CONFIDENCE = 0.95  # unaccented Vietnamese must be clearly Vietnamese, not English


_LOADING = threading.Lock()  # the model takes about 0.6 s to load: once, not once per thread


@cache
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    with _LOADING:
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(languages))
        return identifier


def load_detector() -> None:
    """Load the identifiers now (the engine does, at start), not on the first question."""
    _identifier(("en", "vi"))
    _identifier(("ru", "mn"))


def detect_language(text: str) -> str:
    """'zh-Hans', 'zh-Hant', 'mixed', 'en' or a border language code."""
    counts = {lang: len(p.findall(text)) for lang, p in UNIQUE_SCRIPTS.items()}
    best = max(counts, key=counts.get)
    if counts[best] and counts[best] >= len(CJK.findall(text)):
        return best
    han = len(CJK.findall(text))  # a Chinese name inside another language keeps that language
    if len(CYRILLIC.findall(text)) > han:
        if MONGOLIAN_LETTERS.search(text):
            return "mn"
        return _identifier(("ru", "mn")).classify(text)[0]
    if VIETNAMESE_LETTERS.search(text) and len(LATIN.findall(text)) > han:
        return "vi"
    if han:
        return detect_script(text)
    if len(text.split()) >= 3:
        lang, confidence = _identifier(("en", "vi")).classify(text)
        if lang == "vi" and confidence >= MIN_VI_CONFIDENCE:
            return "vi"
    return "en"
