"""What counts as the same agency name: the one normalisation every name in the registry and
every name a person types goes through before they are compared.

"Women’s Federation" (a phone's curly apostrophe), "Womens Federation" (none at all),
"ＷＯＭＥＮ'Ｓ FEDERATION" (full width) and "All China Women's Federation" (no hyphen) are
one name; so are 婦聯 and 妇联. The build refuses a registry in which two agencies claim
the same normalised name.
"""

from __future__ import annotations

import re
import unicodedata

from corpus.scripts import to_simplified

_APOSTROPHES = re.compile(r"['’‘ʼ`´′]")  # ASCII, curly, modifier letter, grave, acute, prime
_NOT_A_LETTER = re.compile(r"[^\w]|_")  # punctuation, hyphens, brackets, symbols -> space
_SPACES = re.compile(r"\s+")


def name_key(text: str, *, casefold: bool = True) -> str:
    """The normalised form of a name (or of a question a name is looked for in): NFKC
    (full-width letters to half width), Simplified script, apostrophes dropped, any other
    punctuation a single space, lower case unless ``casefold`` is false."""
    text = to_simplified(unicodedata.normalize("NFKC", text))
    text = _APOSTROPHES.sub("", text)
    text = _SPACES.sub(" ", _NOT_A_LETTER.sub(" ", text)).strip()
    return text.casefold() if casefold else text
