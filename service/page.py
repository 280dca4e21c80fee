"""The page's first paint in the reader's language, and its assets cached for good.

index.html is a static file whose strings are in English. Sent as it is, a phone on a slow
network showed English for seconds and then moved everything when the Chinese strings
arrived (issue 14: blank, then English, layout shift 0.15). So the server fills in the
strings of the language the reader wants (the saved choice's cookie, else
Accept-Language) before sending it, and points the page at a versioned copy of the static
files (/static/v/<version>/...), which may be cached for a year because a new build has a
new version. The page script then finds its text already in place.

The same start-up writes what makes the page installable and usable offline (issue 14): the
web app manifest in each language, and the service worker (static/sw.js) with this
version's name and file list, so a new build installs a new worker and drops the old cache.

Pure functions over the template and the string tables; `Pages` renders every language
once, at start-up.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LANG_COOKIE = "atp_lang"  # set by the page's script when the reader picks a language
FALLBACK = "en"
VERSIONED = "/static/v/"
MANIFEST = "/manifest.webmanifest"
WORKER = "sw.js"  # served at /sw.js, so that its scope is the whole site
# what the worker keeps at install, beside the page and its languages' strings
CACHED_SUFFIXES = (".js", ".css", ".svg")
THEME = "#0b3d66"  # index.html's theme-color
BACKGROUND = "#f6f7f9"  # style.css's --bg

_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_ATTR = r'(?<=\s){name}="([^"]*)"'  # after a space: placeholder is not data-i18n-placeholder
# an element whose whole content is one string: <x ... data-i18n="key">text</x>
_TEXT = re.compile(r'(<([a-z0-9]+)\b[^<>]*\bdata-i18n="([^"]+)"[^<>]*>)([^<]*)(</\2>)')
FILLED_ATTRIBUTES = (("data-i18n-placeholder", "placeholder"), ("data-i18n-aria", "aria-label"))
_BUTTON = re.compile(r'<button\b[^<>]*\bdata-lang="([^"]+)"[^<>]*>([^<]*)</button>')


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first (RFC 9110 q-values;
    q=0 means not wanted)."""
    weighted = []
    for i, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag.strip() and tag.strip() != "*" and q > 0:
            weighted.append((-q, i, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def match_language(
    preferred: Iterable[str], supported: Sequence[str], fallback: str = FALLBACK
) -> str:
    """The supported language that best fits a list of BCP 47 tags (as the page's
    i18n.matchLanguage does): Chinese by script, Hant for zh-Hant/TW/HK/MO, else Hans."""
    by_lower = {s.lower(): s for s in supported}
    for tag in preferred:
        lower = tag.lower().replace("_", "-")
        if lower in by_lower:
            return by_lower[lower]
        if re.match(r"zh(-|$)", lower):
            hant = not re.search(r"-hans(-|$)", lower) and re.search(
                r"-(hant|tw|hk|mo)(-|$)", lower
            )
            chinese = by_lower.get("zh-hant" if hant else "zh-hans")
            if chinese:
                return chinese
        primary = by_lower.get(lower.split("-")[0])
        if primary:
            return primary
    return fallback


def choose_language(cookie: str | None, accept: str | None, supported: Sequence[str]) -> str:
    """The saved choice when it is a UI language, else the browser's preference."""
    if cookie in supported:
        return cookie
    return match_language(parse_accept_language(accept), supported)


def render(
    template: str,
    lang: str,
    strings: Mapping[str, object],
    fallback: Mapping[str, object],
    *,
    static_prefix: str = "/static/",
    max_query_chars: int | None = None,
) -> str:
    """index.html in `lang`: every data-i18n text, placeholder and aria-label filled in
    (English where a string is missing), the title, <html lang>, the pressed language
    button, the current language's name, the static URLs under `static_prefix`, the
    language's strings preloaded beside the English ones. Pure."""

    def text(key: str) -> str | None:
        value = strings.get(key, fallback.get(key))
        return value if isinstance(value, str) else None

    def fill_text(m: re.Match[str]) -> str:
        value = text(m.group(3))
        return m.group(0) if value is None else m.group(1) + html.escape(value) + m.group(5)

    def set_attr(tag: str, name: str, value: str) -> str:
        pattern = re.compile(_ATTR.format(name=re.escape(name)))
        quoted = html.escape(value, quote=True)
        if pattern.search(tag):
            return pattern.sub(lambda _: f'{name}="{quoted}"', tag, count=1)
        return tag[:-1].rstrip("/ ") + f' {name}="{quoted}">'

    def fill_tag(m: re.Match[str]) -> str:
        tag = m.group(0)
        for source, target in (
            ("data-i18n-placeholder", "placeholder"),
            ("data-i18n-aria", "aria-label"),
        ):
            key = re.search(_ATTR.format(name=source), tag)
            if key and text(key.group(1)) is not None:
                tag = set_attr(tag, target, text(key.group(1)))
        button = re.search(_ATTR.format(name="data-lang"), tag)
        if button and "aria-pressed" in tag:
            tag = set_attr(tag, "aria-pressed", "true" if button.group(1) == lang else "false")
        if tag.startswith("<html"):
            tag = set_attr(set_attr(tag, "lang", lang), "data-rendered", "server")
        if max_query_chars is not None and "data-max=" in tag:
            tag = set_attr(tag, "data-max", str(max_query_chars))
        return tag

    names = {code: name.strip() for code, name in _BUTTON.findall(template)}
    page = _TEXT.sub(fill_text, template)
    page = _TAG.sub(fill_tag, page)
    if text("title") is not None:
        page = re.sub(r"<title>[^<]*</title>", f"<title>{html.escape(text('title'))}</title>", page)
    page = re.sub(
        r'(<span class="lang-current" id="lang-current")>[^<]*</span>',
        lambda m: f'{m.group(1)} lang="{lang}">{html.escape(names.get(lang, lang))}</span>',
        page,
    )
    if lang != FALLBACK:
        page = page.replace(
            '<link rel="preload" href="/static/i18n/en.json" as="fetch" crossorigin>',
            '<link rel="preload" href="/static/i18n/en.json" as="fetch" crossorigin>\n'
            f'<link rel="preload" href="/static/i18n/{lang}.json" as="fetch" crossorigin>',
        )
    page = page.replace(f'href="{MANIFEST}"', f'href="{MANIFEST}?lang={lang}"')
    if static_prefix != "/static/":
        page = re.sub(r'((?:src|href)=")/static/', lambda m: m.group(1) + static_prefix, page)
    return page


def manifest(
    lang: str, strings: Mapping[str, object], fallback: Mapping[str, object], static_prefix: str
) -> dict:
    """The web app manifest in `lang`: the page's own name and intro, its colours and icon.
    Pure."""

    def text(key: str) -> str:
        value = strings.get(key, fallback.get(key))
        return value if isinstance(value, str) else str(fallback[key])

    icon = {"src": f"{static_prefix}icon.svg", "sizes": "any", "type": "image/svg+xml"}
    return {
        "id": "/",
        "name": text("brand"),
        "short_name": text("brand"),
        "description": text("intro"),
        "lang": lang,
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": THEME,
        "icons": [{**icon, "purpose": "any"}, {**icon, "purpose": "maskable"}],
    }


def service_worker(template: str, version: str, assets: Sequence[str]) -> str:
    """static/sw.js with this build's version and the files to keep. Pure."""
    lines = {
        'const VERSION = "dev";': f"const VERSION = {json.dumps(version)};",
        "const ASSETS = [];": f"const ASSETS = {json.dumps(list(assets))};",
    }
    for placeholder, line in lines.items():
        if placeholder not in template:
            raise ValueError(f"sw.js has lost its line {placeholder!r}")
        template = template.replace(placeholder, line, 1)
    return template


def cached_assets(static_dir: Path, static_prefix: str) -> list[str]:
    """The versioned URLs of the page's code, style and icon (not the worker itself, not
    the languages: the worker keeps the reader's and English, the rest when used)."""
    return [
        static_prefix + path.relative_to(static_dir).as_posix()
        for path in sorted(static_dir.rglob("*"))
        if path.is_file() and path.suffix in CACHED_SUFFIXES and path.name != WORKER
    ]


def static_version(static_dir: Path) -> str:
    """A short hash of every static file's path and bytes: a new build, a new version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(static_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Pages:
    """The page rendered once per UI language, with the static files' version."""

    version: str
    by_lang: Mapping[str, bytes]
    manifests: Mapping[str, bytes]
    worker: bytes

    @property
    def languages(self) -> list[str]:
        return list(self.by_lang)

    @property
    def static_prefix(self) -> str:
        return f"{VERSIONED}{self.version}/"

    @classmethod
    def build(cls, static_dir: Path, *, max_query_chars: int) -> Pages:
        template = (static_dir / "index.html").read_text(encoding="utf-8")
        version = static_version(static_dir)
        tables = {
            path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((static_dir / "i18n").glob("*.json"))
        }
        languages = [code for code, _ in _BUTTON.findall(template) if code in tables]
        prefix = f"{VERSIONED}{version}/"
        by_lang = {
            lang: render(
                template,
                lang,
                tables[lang],
                tables[FALLBACK],
                static_prefix=prefix,
                max_query_chars=max_query_chars,
            ).encode("utf-8")
            for lang in languages
        }
        manifests = {
            lang: json.dumps(
                manifest(lang, tables[lang], tables[FALLBACK], prefix), ensure_ascii=False
            ).encode("utf-8")
            for lang in languages
        }
        worker = service_worker(
            (static_dir / WORKER).read_text(encoding="utf-8"),
            version,
            cached_assets(static_dir, prefix),
        ).encode("utf-8")
        return cls(version=version, by_lang=by_lang, manifests=manifests, worker=worker)

    def page(self, cookie: str | None, accept: str | None) -> tuple[str, bytes]:
        lang = choose_language(cookie, accept, self.languages)
        return lang, self.by_lang[lang]

    def manifest(self, lang: str | None, accept: str | None) -> tuple[str, bytes]:
        """The manifest the page names (?lang=), else in the browser's language."""
        lang = choose_language(lang, accept, self.languages)
        return lang, self.manifests[lang]
