"""The web page's UI strings: one JSON file per UI language in service/static/i18n/.

Every language has exactly the keys English has, with the same {placeholders}; every key the
page asks for exists, and every key in the files is asked for. Keys the JavaScript builds at
run time ("error." + code, "kind." + kind, "script." + script) are checked as families against
the lists they come from: the server's ErrorCode, the corpus' Kind and Script, and the codes
the page's own HTTP client throws.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import get_args

import pytest
from fastapi.testclient import TestClient

from corpus.models import Kind, Script
from service.app import create_app
from service.errors import ErrorCode
from service.settings import Settings

STATIC = Path(__file__).resolve().parents[2] / "service" / "static"
I18N = STATIC / "i18n"
SOURCE = "en"
LANGS = sorted(p.stem for p in I18N.glob("*.json"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")

# How the page's JavaScript asks for strings: t("key"), has("key"), list("key") and
# translate("en", "key"); a literal followed by `+` starts a key built at run time.
KEY_CALL = re.compile(r"""\b(?:t|has|list)\(\s*"([^"]+)"\s*[,)]""")
TRANSLATE_CALL = re.compile(r"""\btranslate\(\s*"[^"]+"\s*,\s*"([^"]+)"\s*[,)]""")
KEY_PREFIX = re.compile(r""""((?:[a-z]+)\.)"\s*\+""")
CLIENT_CODE = re.compile(r"""new ApiError\(\s*"(\w+)\"""")


def strings(lang: str) -> dict:
    return json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))


def javascript() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(STATIC.rglob("*.js")))


class _HtmlKeys(HTMLParser):
    """The data-i18n* keys and the language switcher's languages of index.html."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()
        self.buttons: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("data-i18n", "data-i18n-placeholder", "data-i18n-aria"):
            if attrs.get(name):
                self.keys.add(attrs[name])
        if "lang-btn" in (attrs.get("class") or "").split():
            self.buttons.append(attrs["data-lang"])


def index_html() -> _HtmlKeys:
    parser = _HtmlKeys()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    return parser


def families() -> dict[str, set[str]]:
    """Keys the page builds at run time, by prefix, from the lists they come from."""
    client_codes = set(CLIENT_CODE.findall(javascript()))
    return {
        "error.": {f"error.{code}" for code in {c.value for c in ErrorCode} | client_codes},
        "kind.": {f"kind.{kind}" for kind in get_args(Kind)},
        "script.": {f"script.{script}" for script in get_args(Script)},
    }


def test_there_are_the_eleven_ui_languages_and_each_has_a_button():
    assert {"zh-Hans", "zh-Hant", "en", "vi", "my", "lo", "th", "km", "ko", "ru", "mn"} <= set(
        LANGS
    )
    assert sorted(index_html().buttons) == LANGS, "a language file without a button, or back"


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_has_exactly_the_english_keys(lang):
    source, table = strings(SOURCE), strings(lang)
    assert sorted(set(source) - set(table)) == [], f"{lang} misses keys"
    assert sorted(set(table) - set(source)) == [], f"{lang} has keys English does not"


@pytest.mark.parametrize("lang", LANGS)
def test_values_are_text_with_the_english_placeholders(lang):
    source, table = strings(SOURCE), strings(lang)
    for key, value in table.items():
        if isinstance(source.get(key), list):  # example questions: a list of strings
            assert isinstance(value, list) and value, key
            assert all(isinstance(s, str) and s.strip() for s in value), key
            continue
        assert isinstance(value, str) and value.strip(), f"{lang} {key}: empty or not text"
        expected = sorted(PLACEHOLDER.findall(source[key]))
        assert sorted(PLACEHOLDER.findall(value)) == expected, f"{lang} {key}: placeholders"


SAME_EVERYWHERE = {"openMarkdown"}  # "Markdown": a format's name


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != SOURCE])
def test_no_string_is_left_in_english(lang):
    """A value equal to the English one is a string not yet translated (names of formats,
    the same in every language, aside)."""
    source, table = strings(SOURCE), strings(lang)
    same = [
        key for key, value in table.items() if value == source[key] and key not in SAME_EVERYWHERE
    ]
    assert same == [], f"{lang}: still in English: {same}"


def test_every_key_the_page_uses_exists():
    code = javascript()
    used = set(KEY_CALL.findall(code)) | set(TRANSLATE_CALL.findall(code)) | index_html().keys
    assert len(used) > 40, "the key scan found too little: did the calls change shape?"
    assert sorted(used - set(strings(SOURCE))) == []


def test_every_key_built_at_run_time_is_a_checked_family_and_complete():
    prefixes = set(KEY_PREFIX.findall(javascript()))
    known = families()
    assert prefixes == set(known), "a key built at run time that this test does not check"
    source = set(strings(SOURCE))
    for prefix, keys in known.items():
        assert sorted(keys - source) == [], f"{prefix}* keys missing"


def test_every_server_error_code_and_client_error_has_a_message():
    keys = families()["error."]
    assert {f"error.{c.value}" for c in ErrorCode} <= keys
    assert {"error.network_error", "error.bad_response"} <= keys
    for lang in LANGS:
        table = strings(lang)
        assert sorted(k for k in keys if k not in table) == [], lang


def test_no_key_is_unused():
    code = javascript()
    used = set(KEY_CALL.findall(code)) | set(TRANSLATE_CALL.findall(code)) | index_html().keys
    built = set().union(*families().values())
    assert sorted(set(strings(SOURCE)) - used - built) == []


def test_language_files_and_modules_are_served_with_their_content_types():
    client = TestClient(create_app(Settings()))  # no lifespan: static files need no engine
    for lang in LANGS:
        response = client.get(f"/static/i18n/{lang}.json")
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == "application/json"
        assert response.json() == strings(lang)
    for path in sorted(STATIC.rglob("*.js")):
        response = client.get("/static/" + path.relative_to(STATIC).as_posix())
        assert response.status_code == 200, path
        # a module script with any other type is refused by the browser
        assert response.headers["content-type"].split(";")[0] == "text/javascript", path
    assert client.get("/static/i18n/xx.json").status_code == 404
