"""The web page, end to end: the real app in a uvicorn process, driven by headless Chromium.

Needs Debian's Chromium at /usr/bin/chromium and the Noto fonts
(`apt-get install -y chromium fonts-noto-cjk fonts-noto-core`);
without it these tests fail, unless ATP_SKIP_BROWSER=1 says to skip them.
ATP_SCREENSHOTS=1 regenerates docs/screenshots/search-360.png and search-1280.png, the
Vietnamese and Burmese pages at 360 px (search-360-vi.png, search-360-my.png), the passage's
tabs (passage-tabs-360.png) and an offline search (offline-search-360.png).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from service.launcher import Server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "service" / "static"
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_TIMEOUT = 90.0
WAIT_MS = 60_000  # first /ask on a cold CPU model can take a while

ZH_QUESTION = "医护人员发现疑似拐卖儿童怎么办"
BORDER_QUESTION = "Cô dâu bị lừa bán sang Trung Quốc muốn về nhà thì phải làm sao?"
EN_QUESTION = "what should a teacher do if a student may be trafficked"
XSS = "<img src=x onerror=alert(1)>"
SCRIPTS = ("zh-Hans", "zh-Hant", "en")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium_path() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("ATP_SKIP_BROWSER") == "1":
        pytest.skip("ATP_SKIP_BROWSER=1 and no /usr/bin/chromium")
    pytest.fail(
        f"{CHROMIUM} is missing: install it with "
        "`apt-get update && apt-get install -y chromium fonts-noto-cjk` "
        "(or set ATP_SKIP_BROWSER=1 to skip the browser tests)",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def server(chromium_path):
    """The real app (`atp serve`'s app factory) on a free loopback port."""
    server = Server({"HF_HUB_OFFLINE": "1"}).start()
    try:
        server.wait(timeout=READY_TIMEOUT)
        yield server.base
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


class Web:
    """A fresh browser context and page; records dialogs and script errors."""

    def __init__(self, browser, base: str):
        self.browser, self.base = browser, base
        self.contexts: list = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def open(
        self,
        path: str = "/",
        *,
        locale: str = "en-US",
        width: int = 1280,
        height: int = 900,
        permissions: list[str] | None = None,
        service_workers: str = "block",
    ):
        # The service worker is blocked unless a test asks for it: requests it answers
        # from the device never reach page.route(), and a test that fails a request on
        # purpose means the page's own handling, with nothing kept (the offline tests
        # below allow it).
        context = self.browser.new_context(
            locale=locale,
            viewport={"width": width, "height": height},
            permissions=permissions or [],
            service_workers=service_workers,
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.goto(self.base + path)
        # The UI strings arrive as JSON after the load event: wait until the page is wired.
        page.wait_for_selector("html[data-ready]", state="attached", timeout=WAIT_MS)
        return page

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def web(browser, server):
    session = Web(browser, server)
    yield session
    session.close()
    assert not session.errors, f"JavaScript errors on the page: {session.errors}"
    assert not session.dialogs, f"dialogs opened: {session.dialogs}"


# ---------------------------------------------------------------- helpers


def expect(locator):
    """Playwright's auto-waiting assertions (imported here, as the browser fixture does)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def api(base: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path,
        data=data,
        headers={"Content-Type": "application/json"} if data else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())


def search(page, question: str) -> None:
    """Type a question in the labelled search box and submit it with Enter."""
    box = page.get_by_label(re.compile("search|检索|檢索", re.I))
    box.fill(question)
    box.press("Enter")
    wait_results(page)


def wait_results(page) -> None:
    page.wait_for_selector("#view .answer", timeout=WAIT_MS)
    page.wait_for_selector("#view .results .card", timeout=WAIT_MS)


def visible_cards(page) -> int:
    return page.locator("#view .card:visible").count()


def no_horizontal_scroll(page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    assert max(widths[0], widths[1]) <= widths[2], f"horizontal scroll at {widths}"


def merged(spans: list[list[int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted((s, e) for s, e in spans if e > s):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def check_answer_and_results(page, script: str, ask: dict) -> None:
    """The page shows what POST /ask answered: the answer, its citations, the passages."""
    answer = page.locator("#view .answer .answer-text")
    assert answer.inner_text().strip() == ask["answer"].strip()
    assert answer.get_attribute("lang") == ask["lang"]
    citations = page.locator("#view .answer-sources a.citation")
    assert citations.count() == len(ask["citations"])
    for link, cited in zip(citations.all(), ask["citations"], strict=True):
        assert urllib.parse.unquote(link.get_attribute("href")) == f"/?passage={cited}"
    assert page.locator("#view .answer.not-answered").count() == (0 if ask["answered"] else 1)
    cards = page.locator("#view .results .card")
    assert cards.count() == len(ask["results"]) >= 1
    ids = [hit["passage"]["id"] for hit in ask["results"]]
    assert cards.evaluate_all("els => els.map(e => e.dataset.id)") == ids, "not in rank order"
    chips = sum(
        len(hit["passage"]["lead_agencies"]) + len(hit["passage"]["cooperating_agencies"])
        for hit in ask["results"]
    )
    assert chips >= 1, "no result names an agency: pick another question"
    assert page.locator("#view .results .card .chip").count() == chips
    assert page.locator(f"#view .results .card .ptext[lang='{script}']").count() == cards.count()
    first = cards.first
    assert first.locator(".kind").inner_text().strip()
    assert first.locator(".cite").inner_text() == ask["results"][0]["passage"]["citation"][script]


# ---------------------------------------------------------------- tests


def test_static_files_are_small_and_never_use_inner_html():
    files = {p.relative_to(STATIC).as_posix(): p for p in STATIC.rglob("*") if p.is_file()}
    assert {"index.html", "js/main.js", "style.css", "i18n/en.json"} <= set(files)
    sizes = {name: p.stat().st_size for name, p in files.items()}
    # What one visit fetches: the page, its modules and style, English (the fallback) and
    # at most one other UI language (the largest, to be safe).
    languages = {n: size for n, size in sizes.items() if n.startswith("i18n/")}
    visit = sum(sizes.values()) - sum(languages.values())
    largest = max((n for n in languages if n != "i18n/en.json"), key=languages.get)
    visit += sizes["i18n/en.json"] + sizes[largest]
    # Uncompressed. The reading view and overview added ~15 KB; issue 14's offline part
    # ~26 KB (the service worker 5, the keyword search over the kept plan 10, the labels,
    # tabs, kind filter and emergency line in code, style and strings 11), fetched once:
    # a later visit takes it all from the device.
    assert visit < 160_000, sizes
    # as sent (gzip, as the server does it): what a slow network carries on a first visit
    names = [n for n in sizes if n not in languages] + ["i18n/en.json", largest]
    sent = sum(len(gzip.compress(files[n].read_bytes(), 6)) for n in names)
    assert sent < 60_000, sent
    assert len(languages) >= 11, "a language file per UI language"
    scripts = {name: p for name, p in files.items() if name.endswith(".js")}
    assert len(scripts) >= 5, "the page is split into ES modules"
    for name, path in scripts.items():
        code = path.read_text(encoding="utf-8")
        for sink in (
            r"\.innerHTML\s*[+]?=",
            r"\.outerHTML\s*=",
            "insertAdjacentHTML",
            r"document\.write",
            r"\beval\(",
            r"new Function",
        ):
            assert not re.search(sink, code), f"{name} uses {sink}"
        assert not re.search(r"\bfrom\s+[\"']https?://", code), f"{name} imports from a CDN"
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html), "no CDN"
    assert '<script type="module" src="/static/js/main.js">' in html
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/static/([^"]+)">', html))
    modules = set(scripts) - {"js/main.js", "sw.js"}  # the worker is no module of the page
    assert preloaded == modules, "every module main.js imports, preloaded"


def test_chinese_search_shows_answer_highlights_and_agency_chips(web):
    page = web.open("/", locale="zh-CN")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    search(page, ZH_QUESTION)
    ask = api(web.base, "/ask", {"question": ZH_QUESTION, "lang": "auto"})
    check_answer_and_results(page, "zh-Hans", ask)
    assert "q=" in page.url and urllib.parse.unquote(page.url.split("q=", 1)[1]) == ZH_QUESTION

    # Highlights: the card text is the passage text, and each <mark> is one of its spans.
    for hit in ask["results"]:
        text = hit["passage"]["text"]["zh-Hans"]
        card = page.locator(f"#view .results .card[data-id='{hit['passage']['id']}']")
        assert card.locator(".ptext").inner_text() == text
        expected = [text[s:e] for s, e in merged(hit["highlights"]["zh-Hans"])]
        assert card.locator(".ptext mark").all_inner_texts() == expected
    assert page.locator("#view .results mark").count() >= 1, "no highlight marked"

    # An agency chip opens that agency's view; Back returns to the results.
    chip = page.locator("#view .results .chip").first
    agency_id = chip.get_attribute("data-agency")
    chip.click()
    page.wait_for_selector(f"#view .agency-view[data-agency='{agency_id}']", timeout=WAIT_MS)
    assert f"agency={agency_id}" in page.url
    page.go_back()
    wait_results(page)
    assert page.locator("#q").input_value() == ZH_QUESTION


def test_english_search_and_search_permalink(web):
    page = web.open("/", locale="en-US")
    assert page.locator("#search-btn").inner_text().strip() == "Search"
    search(page, EN_QUESTION)
    ask = api(web.base, "/ask", {"question": EN_QUESTION, "lang": "auto"})
    assert ask["lang"] == "en"
    check_answer_and_results(page, "en", ask)
    url = page.url
    assert "q=" in url

    # The permalink reruns the search in a new page.
    again = web.open(url.replace(web.base, ""), locale="en-US")
    wait_results(again)
    assert again.locator("#q").input_value() == EN_QUESTION
    check_answer_and_results(again, "en", ask)

    # A citation under the answer (or, with none, a result's citation) opens its passage.
    citation = again.locator("#view .answer-sources a.citation, #view .results a.cite").first
    cited = urllib.parse.unquote(citation.get_attribute("href").split("passage=", 1)[1])
    citation.click()
    again.wait_for_selector(f"#view .translator[data-id='{cited}']", timeout=WAIT_MS)


def test_passage_permalink_opens_translator_view(web):
    found = api(web.base, "/search?" + urllib.parse.urlencode({"q": ZH_QUESTION, "k": 10}))
    pid = found["results"][0]["passage"]["id"]
    passage = api(web.base, f"/passages/{urllib.parse.quote(pid)}")
    page = web.open(
        f"/?passage={urllib.parse.quote(pid)}",
        locale="en-US",
        permissions=["clipboard-read", "clipboard-write"],
    )
    view = page.wait_for_selector(f"#view .translator[data-id='{pid}']", timeout=WAIT_MS)
    assert view
    for script in SCRIPTS:
        block = page.locator(f"#view .translator .col-text[lang='{script}']")
        assert block.count() == 1
        assert block.inner_text() == passage["text"][script]
    assert page.locator("#view .translator button.copy").count() == 3
    title = page.locator("#view .translator .passage-title").inner_text()
    assert title == passage["citation"]["en"]
    label = page.locator("#view .translator .unofficial")
    assert label.get_attribute("lang") == "en"
    if passage.get("translation", {}).get("en"):
        assert label.inner_text() == passage["translation"]["en"]
    assert "unofficial" in label.inner_text().lower()

    # Copy buttons put the text on the clipboard; "copy link" the permalink.
    page.locator("#view .translator button.copy[data-script='zh-Hant']").click()
    page.wait_for_selector("#view .translator button.copy.copied", timeout=5000)
    assert page.evaluate("navigator.clipboard.readText()") == passage["text"]["zh-Hant"]
    page.locator("#view .translator button.copy-link").click()
    page.wait_for_function(
        "navigator.clipboard.readText().then(t => t.includes('passage='))", timeout=5000
    )
    link = page.evaluate("navigator.clipboard.readText()")
    assert urllib.parse.unquote(link) == f"{web.base}/?passage={pid}"

    # Side by side on a wide screen, no tabs; one at a time behind tabs on a phone.
    boxes = [page.locator(f"#view .col-{s}").bounding_box() for s in SCRIPTS]
    assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert page.locator("#view .translator [role=tablist]").is_hidden()
    check_passage_tabs(web, pid, passage)


def check_passage_tabs(web, pid: str, passage: dict) -> None:
    """At 360 px the three texts are tabs (not stacked 900 px apart): the UI language's
    open first, a tap or an arrow key switches, and the shown text copies."""
    phone = web.open(
        f"/?passage={urllib.parse.quote(pid)}",
        locale="zh-TW",
        width=360,
        height=780,
        permissions=["clipboard-read", "clipboard-write"],
    )
    phone.wait_for_selector("#view .translator", timeout=WAIT_MS)
    tabs = phone.get_by_role("tab")
    assert tabs.count() == 3
    shown = phone.locator("#view .translator .col:visible")
    assert shown.count() == 1 and shown.locator(".col-text").get_attribute("lang") == "zh-Hant"
    assert phone.get_by_role("tab", selected=True).get_attribute("data-script") == "zh-Hant"
    phone.locator("#view [role=tab][data-script='en']").click()
    expect(shown).to_have_count(1)
    assert shown.locator(".col-text").inner_text() == passage["text"]["en"]
    assert shown.get_attribute("id") == phone.get_by_role("tab", selected=True).get_attribute(
        "aria-controls"
    )
    phone.keyboard.press("ArrowLeft")  # the ARIA tabs pattern: arrows move between tabs
    expect(phone.locator("#view [role=tab][aria-selected=true]")).to_have_attribute(
        "data-script", "zh-Hant"
    )
    assert phone.evaluate("document.activeElement.dataset.script") == "zh-Hant"
    assert shown.locator(".col-text").inner_text() == passage["text"]["zh-Hant"]
    shown.locator("button.copy").click()
    phone.wait_for_function("() => navigator.clipboard.readText().then(t => t.length > 0)")
    assert phone.evaluate("navigator.clipboard.readText()") == passage["text"]["zh-Hant"]
    screenshot(phone, "passage-tabs-360.png")
    top = phone.locator("#view .translator .tabs").bounding_box()["y"]
    assert shown.bounding_box()["y"] - top < 100, "the text right under its tab"
    no_horizontal_scroll(phone)


def test_unknown_passage_shows_the_error_in_the_ui_language(web):
    """The box says what the server's error.code means in the UI language (not the server's
    English message), shows the code, and offers a way back."""
    body = api(web.base, "/passages/99.99.99")
    code = body["error"]["code"]
    assert code == "unknown_passage"
    for locale, lang in (("en-US", "en"), ("zh-CN", "zh-Hans"), ("zh-TW", "zh-Hant")):
        strings = json.loads((STATIC / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
        page = web.open("/?passage=99.99.99", locale=locale)
        box = page.wait_for_selector("#error:not([hidden])", timeout=WAIT_MS)
        assert page.locator("#error .error-message").inner_text() == strings[f"error.{code}"]
        assert page.locator("#error .error-title").inner_text() == strings["errorTitle"]
        assert f"{code} · 404" in box.inner_text()
        if lang != "en":
            assert body["error"]["message"] not in box.inner_text(), "the server's English"
    assert page.locator("#error a[href='/']").count() == 1  # a way back
    page.get_by_role("button", name="English").click()  # the box follows a language switch
    expect(page.locator("#error .error-message")).to_have_text(
        json.loads((STATIC / "i18n" / "en.json").read_text(encoding="utf-8"))[f"error.{code}"]
    )
    page.locator("#error a[href='/']").click()
    page.wait_for_selector("#examples a.example")
    assert page.locator("#error").is_hidden()


def test_language_switch_changes_ui_and_is_remembered(web):
    for locale, expected in (
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-CN", "zh-Hans"),
        ("fr-FR", "en"),
        ("en-GB", "en"),
    ):
        page = web.open("/", locale=locale)
        assert page.evaluate("document.documentElement.lang") == expected, locale
    page = web.open("/", locale="en-US")
    assert page.locator("#search-btn").inner_text().strip() == "Search"
    groups = page.locator("#examples h3").all_inner_texts()
    assert len(groups) == 3
    assert page.locator("#examples a.example").count() >= 9

    page.get_by_role("button", name="繁體中文").click()
    expect(page.locator("#search-btn")).to_have_text("搜尋")  # its strings may still be loading
    assert page.locator("#search-btn").inner_text().strip() == "搜尋"
    assert page.evaluate("document.documentElement.lang") == "zh-Hant"
    assert page.get_by_role("button", name="繁體中文").get_attribute("aria-pressed") == "true"
    assert page.locator("label[for='q']").inner_text().strip() == "提問或檢索行動計劃"
    assert page.locator("#examples h3").all_inner_texts() != groups
    assert page.locator("#examples a.example").first.get_attribute("lang") == "zh-Hant"

    page.reload()
    page.wait_for_selector("html[data-ready]", state="attached", timeout=WAIT_MS)
    assert page.locator("#search-btn").inner_text().strip() == "搜尋", "choice not remembered"

    # An example question runs a search; switching script re-renders the passages.
    page.locator("#examples a.example").first.click()
    wait_results(page)
    assert page.locator("#view .results .ptext[lang='zh-Hant']").count() >= 1
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("#search-btn")).to_have_text("搜索")
    assert page.locator("#search-btn").inner_text().strip() == "搜索"
    assert page.locator("#view .results .ptext[lang='zh-Hans']").count() >= 1
    assert page.locator("#view .results .ptext[lang='zh-Hant']").count() == 0


def test_agency_view_counts_and_role_filter(web):
    data = api(web.base, "/agencies/mps/passages?role=any")
    lead, coop = data["counts"]["lead"], data["counts"]["cooperating"]
    assert lead + coop == len(data["results"]) > 0
    page = web.open("/?agency=mps")
    page.wait_for_selector("#view .agency-view[data-agency='mps']", timeout=WAIT_MS)
    assert page.locator("#view .agency-title").inner_text() == data["agency"]["en"]
    assert page.locator("[data-count='lead']").inner_text() == str(lead)
    assert page.locator("[data-count='cooperating']").inner_text() == str(coop)
    assert page.locator("[data-count='any']").inner_text() == str(lead + coop)
    assert visible_cards(page) == lead + coop

    page.get_by_role("radio", name=re.compile("^Lead")).check()
    assert visible_cards(page) == lead
    assert "role=lead" in page.url
    roles = page.locator("#view .agency-results > li:visible").evaluate_all(
        "els => els.map(e => e.dataset.role)"
    )
    assert set(roles) <= {"lead"}
    page.get_by_role("radio", name=re.compile("^Cooperating")).check()
    assert visible_cards(page) == coop
    page.get_by_role("radio", name=re.compile("^All")).check()
    assert visible_cards(page) == lead + coop

    # The filter is part of the permalink.
    deep = web.open("/?agency=mps&role=cooperating")
    deep.wait_for_selector("#view .agency-view", timeout=WAIT_MS)
    assert deep.get_by_role("radio", name=re.compile("^Cooperating")).is_checked()
    assert visible_cards(deep) == coop


def test_an_agency_named_in_the_question_leads_to_its_obligations(web):
    """An NGO asks what one agency must do: the answer names it with its counts, and its chip
    opens all its obligations."""
    question = "全国妇联在反拐中负责哪些工作？"
    counts = api(web.base, "/ask", {"question": question, "lang": "auto"})["agencies"]
    assert [a["id"] for a in counts] == ["acwf"]
    page = web.open("/", locale="zh-CN")
    search(page, question)
    named = page.locator("#view .answer .named")
    assert named.locator(".chip").inner_text() == "全国妇联"
    lead, coop = counts[0]["lead_count"], counts[0]["cooperating_count"]
    assert named.locator(".role-counts").inner_text() == f"牵头 {lead} 项 · 配合 {coop} 项"
    named.locator(".chip").click()
    page.wait_for_selector("#view .agency-view[data-agency='acwf']", timeout=WAIT_MS)
    assert visible_cards(page) == lead + coop


def test_agency_list_is_reachable(web):
    agencies = api(web.base, "/agencies")["agencies"]
    page = web.open("/")
    page.locator("#agencies-link").click()
    page.wait_for_selector("#view .agency-list li", timeout=WAIT_MS)
    assert page.locator("#view .agency-list > li").count() == len(agencies)
    assert "view=agencies" in page.url
    page.locator("#agency-filter").fill("public security")
    assert page.locator("#view .agency-list > li:visible").count() >= 1
    page.locator("#view .agency-list a.agency-link:visible").first.click()
    page.wait_for_selector("#view .agency-view", timeout=WAIT_MS)
    page.go_back()
    page.wait_for_selector("#view .agency-list li", timeout=WAIT_MS)


def test_markup_in_the_query_is_shown_as_text(web):
    page = web.open("/")
    box = page.locator("#q")
    box.fill(XSS)
    box.press("Enter")
    page.wait_for_selector("#view .results-for, #error:not([hidden])", timeout=WAIT_MS)
    page.wait_for_timeout(500)
    assert page.locator("img").count() == 0
    assert web.dialogs == []
    assert XSS in page.locator("#view .results-for").inner_text()

    for path in ("/?q=", "/?passage=", "/?agency="):
        other = web.open(path + urllib.parse.quote(XSS))
        other.wait_for_selector("#view .results-for, #error:not([hidden])", timeout=WAIT_MS)
        other.wait_for_timeout(300)
        assert other.locator("img").count() == 0, path
    assert web.dialogs == []


def test_keyboard_only_search_and_visible_focus(web):
    page = web.open("/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.locator("#q").focus()
    page.keyboard.type(EN_QUESTION)
    page.keyboard.press("Enter")
    wait_results(page)
    # Focus moves to the results heading; Tab then reaches a citation and agency chips.
    assert page.evaluate("document.activeElement.hasAttribute('data-focus')")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('chip')"):
            break
    else:
        pytest.fail("no agency chip reachable with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "focus is not visible"
    agency = page.evaluate("document.activeElement.dataset.agency")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#view .agency-view[data-agency='{agency}']", timeout=WAIT_MS)


def test_text_blocks_carry_lang_and_results_are_live(web):
    page = web.open("/", locale="en-US")
    assert page.locator("[aria-live]").count() >= 1
    assert page.locator("form[role='search'] label[for='q']").count() == 1
    search(page, ZH_QUESTION)
    assert page.locator("#view .answer .answer-text").get_attribute("lang") == "zh-Hans"
    live = page.locator("#status").inner_text()
    assert re.search(r"\d", live), f"status does not announce the results: {live!r}"
    for node in page.locator("#view .ptext, #view .crumbs").all():
        assert node.get_attribute("lang") in SCRIPTS


def test_360px_has_no_horizontal_scroll(web):
    page = web.open("/", locale="zh-CN", width=360, height=780)
    no_horizontal_scroll(page)
    search(page, ZH_QUESTION)
    no_horizontal_scroll(page)
    if os.environ.get("ATP_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        height = min(1800, page.evaluate("document.documentElement.scrollHeight"))
        page.screenshot(
            path=str(SHOTS / "search-360.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 360, "height": height},
        )
    for path in ("/?agency=mps", "/?view=agencies"):
        other = web.open(path, locale="zh-CN", width=360, height=780)
        other.wait_for_selector("#view section", timeout=WAIT_MS)
        no_horizontal_scroll(other)


def test_1280px_layout(web):
    page = web.open("/", locale="en-US", width=1280, height=900)
    search(page, EN_QUESTION)
    no_horizontal_scroll(page)
    answer = page.locator("#view .answer").bounding_box()
    first = page.locator("#view .results .card").first.bounding_box()
    assert answer["x"] < first["x"], "answer and results should sit side by side"
    if os.environ.get("ATP_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        height = min(1400, page.evaluate("document.documentElement.scrollHeight"))
        page.screenshot(
            path=str(SHOTS / "search-1280.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 1280, "height": height},
        )


def test_pure_modules_match_languages_and_round_trip_permalinks(web):
    """The page's pure functions, run as the browser loads them (ES modules, no build)."""
    page = web.open("/")
    got = page.evaluate(
        """async () => {
            const i18n = await import("/static/js/i18n.js");
            const router = await import("/static/js/router.js");
            const ui = ["zh-Hans", "zh-Hant", "en"];
            const match = (prefs) => i18n.matchLanguage(prefs, ui);
            const parse = (url) => router.parse(new URL(url, location.href));
            return {
                langs: [
                    match(["zh-TW"]), match(["zh-Hant-HK"]), match(["zh-Hans-HK"]),
                    match(["zh"]), match(["zh_MO"]), match(["fr-FR", "zh-CN"]),
                    match(["en-GB"]), match(["ko-KR"]), match([]),
                ],
                format: i18n.format("{n} of {total} {x}", {n: 3, total: 7}),
                routes: [
                    parse(router.urls.search(" a&b=c ")),
                    parse(router.urls.passage("1.2/3")),
                    parse(router.urls.agency("mps", "lead")),
                    parse(router.urls.agency("mps", "any")),
                    parse("/?agency=mps&role=bogus"),
                    parse(router.urls.agencies()),
                    parse("/?q=%20%20"),
                ],
            };
        }"""
    )
    assert got["langs"] == [
        "zh-Hant", "zh-Hant", "zh-Hans", "zh-Hans", "zh-Hant", "zh-Hans", "en", "en", "en"
    ]  # fmt: skip
    assert got["format"] == "3 of 7 {x}"
    assert got["routes"] == [
        {"name": "search", "q": "a&b=c"},
        {"name": "passage", "id": "1.2/3"},
        {"name": "agency", "id": "mps", "role": "lead"},
        {"name": "agency", "id": "mps", "role": "any"},
        {"name": "agency", "id": "mps", "role": "any"},
        {"name": "agencies"},
        {"name": "home"},
    ]


def test_failures_of_the_answer_service_and_the_network_are_told_in_the_ui_language(web):
    """/ask failing still shows GET /search's passages, with a note; no server at all gives
    the network error in the UI language, with a Retry that works once the server is back."""
    strings = json.loads((STATIC / "i18n" / "zh-Hans.json").read_text(encoding="utf-8"))
    page = web.open("/", locale="zh-CN")
    failure = {"error": {"code": "internal_error", "message": "unexpected error"}}
    page.route("**/ask", lambda route: route.fulfill(status=500, json=failure))
    box = page.get_by_label(re.compile("检索"))
    box.fill(ZH_QUESTION)
    box.press("Enter")
    page.wait_for_selector("#view .results .card", timeout=WAIT_MS)
    found = api(web.base, "/search?" + urllib.parse.urlencode({"q": ZH_QUESTION, "k": 10}))
    assert page.locator("#view .results .card").count() == len(found["results"]) >= 1
    assert page.locator("#view .answer").count() == 0
    assert page.locator("#view .answer-col .note").inner_text() == strings["answerUnavailable"]

    page.route("**/passages/**", lambda route: route.abort())
    page.locator("#view .results a.cite").first.click()
    page.wait_for_selector("#error:not([hidden])", timeout=WAIT_MS)
    message = strings["error.network_error"]
    assert page.locator("#error .error-message").inner_text() == message
    assert page.locator("#error .error-code").inner_text() == "network_error"
    page.unroute("**/passages/**")
    page.get_by_role("button", name=strings["retry"]).click()
    page.wait_for_selector("#view .translator", timeout=WAIT_MS)
    assert page.locator("#error").is_hidden()


# ---------------------------------------------------------------- kinds of answer (issue 18)

LOCALE = {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "en": "en-US"}
KINDS = [
    ("obligations", "zh-Hans", "民政部牵头负责哪些工作？"),
    ("obligations", "zh-Hant", "民政部牽頭負責哪些工作？"),
    ("obligations", "en", "What does the Ministry of Civil Affairs lead?"),
    ("responsibility", "zh-Hans", "谁负责完善全国打拐DNA信息库？"),
    ("responsibility", "zh-Hant", "誰負責完善全國打拐DNA信息庫？"),
    ("responsibility", "en", "Who is responsible for improving the anti-trafficking DNA database?"),
    ("fact", "zh-Hans", "这个行动计划是什么时候发布的？"),
    ("fact", "zh-Hant", "這個行動計劃是什麼時候發布的？"),
    ("fact", "en", "When was the action plan issued?"),
    ("out_of_scope", "zh-Hans", "拐卖妇女罪一般判几年？"),
    ("out_of_scope", "zh-Hant", "拐賣婦女罪一般判幾年？"),
    ("out_of_scope", "en", "How many years in prison does trafficking a woman get?"),
    ("out_of_scope", "zh-Hans", "明天北京天气怎么样？"),
    ("out_of_scope", "en", "What's the weather in Beijing tomorrow?"),
]  # fmt: skip


def ui_strings(lang: str) -> dict:
    return json.loads((STATIC / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def i18n_format(template: str, **params) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(params.get(m.group(1), m.group(0))), template)


def open_question(web, question: str, locale: str, **kwargs):
    """The search permalink of a question, once its answer is on screen."""
    page = web.open("/?q=" + urllib.parse.quote(question), locale=locale, **kwargs)
    page.wait_for_selector("#view .answer", timeout=WAIT_MS)
    return page


def check_obligations(page, ask: dict, script: str, strings: dict) -> None:
    """The agency's counts, its cited passages, and a way into its whole list in the role
    asked about (full_list), inline in the answer and as a button."""
    match = re.fullmatch(r"/agencies/([^/]+)/passages(?:\?role=(\w+))?", ask["full_list"])
    assert match, ask["full_list"]
    agency_id, role = match.group(1), match.group(2) or "any"
    agency = next(a for a in ask["agencies"] if a["id"] == agency_id)
    lead, coop = agency["lead_count"], agency["cooperating_count"]
    n = {"lead": lead, "cooperating": coop, "any": lead + coop}[role]
    block = page.locator(f"#view .answer .obligations[data-agency='{agency_id}']")
    assert block.locator(".chip").inner_text() == agency[script]
    assert block.locator(".role-counts").inner_text() == i18n_format(
        strings["roleCounts"], lead=lead, coop=coop
    )
    target = f"/?agency={agency_id}" + ("" if role == "any" else f"&role={role}")
    button = block.locator("a.full-list")
    assert button.get_attribute("href") == target
    key = {"lead": "fullListLead", "cooperating": "fullListCooperating", "any": "fullListAny"}
    assert button.inner_text().strip() == i18n_format(strings[key[role]], n=n) + " →"
    # The answer's API path to the list reads as the agency and its count, not raw text.
    label = strings[{"lead": "lead", "cooperating": "cooperating", "any": "all"}[role]]
    inline = page.locator("#view .answer .answer-text .full-list-inline")
    assert inline.inner_text() == f"{agency[script]} · {label} {n}"
    expected = ask["answer"].replace(ask["full_list"], f"{agency[script]} · {label} {n}")
    assert page.locator("#view .answer .answer-text").inner_text() == expected
    assert ask["full_list"] not in page.locator("#view").inner_text()
    assert len(ask["citations"]) >= 3
    citations = page.locator("#view .answer-sources a.citation")
    assert citations.count() == len(ask["citations"])
    # The button opens the whole list, filtered to the role asked about.
    button.click()
    page.wait_for_selector(f"#view .agency-view[data-agency='{agency_id}']", timeout=WAIT_MS)
    assert page.locator(f"#role-{role}").is_checked()
    assert visible_cards(page) == n


def check_responsibility(page, ask: dict, script: str) -> None:
    """The lead agencies of the cited task first and prominent, then the cooperating ones."""
    cited = next(h["passage"] for h in ask["results"] if h["passage"]["id"] == ask["citations"][0])
    assert cited["lead_agencies"], "the cited task names no lead agency: pick another question"
    who = page.locator("#view .answer .who-leads")
    leads = who.locator(".chip-lead.chip-big")
    assert leads.all_inner_texts() == [a[script] for a in cited["lead_agencies"]]
    assert who.locator(".chip-coop").all_inner_texts() == [
        a[script] for a in cited["cooperating_agencies"]
    ]
    first_chip = who.locator(".chip").first.bounding_box()
    assert first_chip == leads.first.bounding_box(), "the lead agencies come first"
    assert page.locator("#view .answer-sources a.citation").count() == len(ask["citations"])


def check_fact(page, ask: dict, strings: dict) -> None:
    """A fact about the plan: the answer alone, no clause list and no count of passages."""
    assert ask["citations"] == [] and ask["results"] == []
    assert page.locator("#view .answer-sources").count() == 0
    assert page.locator("#view .results-section, #view .card").count() == 0
    expect(page.locator("#status")).to_have_text(strings["answerShown"])
    assert page.locator("#view .answer-text").inner_text() == ask["answer"]


def check_decline(page, ask: dict, script: str, strings: dict) -> None:
    """A decline says so; the related clause is labelled as related, the search results are
    folded under a neutral label, unhighlighted, and nothing says 'N relevant clauses'."""
    assert ask["answered"] is False
    answer = page.locator("#view .answer.not-answered")
    assert answer.locator(".answer-title").inner_text() == strings["notInPlan"]
    assert answer.locator(".answer-text").inner_text() == ask["answer"]
    assert page.locator("#view .answer-sources, #view a.citation").count() == 0
    assert page.locator("#view .answer .chip-lead").count() == 0, "no one is 'responsible'"
    related = answer.locator(".related li")
    assert related.count() == len(ask["related"])
    if ask["related"]:
        assert answer.locator(".related-title").inner_text() == strings["relatedTitle"]
        for item, rel in zip(related.all(), ask["related"], strict=True):
            link = item.locator("a.related-link")
            assert urllib.parse.unquote(link.get_attribute("href")) == f"/?passage={rel['id']}"
    expect(page.locator("#status")).to_have_text(strings["notCovered"])
    found = i18n_format(strings["found"], n=len(ask["results"]))
    assert found not in page.locator("body").inner_text()
    assert page.locator("#results-h").count() == 0, "no 'relevant clauses' heading"
    nearest = page.locator("#view details.nearest-passages")
    assert nearest.get_attribute("open") is None, "folded away"
    assert nearest.locator("summary").inner_text().startswith(strings["nearest"])
    assert visible_cards(page) == 0
    nearest.locator("summary").click()
    assert visible_cards(page) == len(ask["results"])
    assert nearest.locator("mark").count() == 0, "passages that do not answer: no highlights"
    ids = nearest.locator(".card").evaluate_all("els => els.map(e => e.dataset.id)")
    assert ids == [h["passage"]["id"] for h in ask["results"]]
    assert nearest.locator(f".ptext[lang='{script}']").count() == len(ask["results"])


@pytest.mark.parametrize(("kind", "script", "question"), KINDS)
def test_each_kind_of_answer_is_shown_in_its_own_way(web, kind, script, question):
    ask = api(web.base, "/ask", {"question": question, "lang": "auto"})
    assert ask["intent"] == kind, f"/ask read {question!r} as {ask['intent']}: pick another"
    assert ask["lang"] == script
    strings = ui_strings(script)
    page = open_question(web, question, LOCALE[script])
    answer = page.locator("#view .answer")
    assert answer.get_attribute("data-intent") == kind
    assert answer.locator(".answer-text").get_attribute("lang") == script
    if kind == "obligations":
        check_obligations(page, ask, script, strings)
    elif kind == "responsibility":
        check_responsibility(page, ask, script)
    elif kind == "fact":
        check_fact(page, ask, strings)
    else:
        check_decline(page, ask, script, strings)


def test_kinds_of_answer_fit_a_phone(web):
    """Each kind's own parts (counts and list button, lead chips, a decline's folded
    passages opened) at 360 px: no horizontal scroll."""
    for kind, script, question in KINDS[::3]:
        page = open_question(web, question, LOCALE[script], width=360, height=780)
        for summary in page.locator("#view details > summary").all():
            summary.click()
        no_horizontal_scroll(page)
        assert page.locator("#view .answer").get_attribute("data-intent") == kind


def test_pure_parts_of_the_answer_view(web):
    """How the answer view reads /ask: the kind of answer (older servers without `intent`
    by `answered`), and the agency and role of an obligations answer's full list."""
    page = web.open("/")
    got = page.evaluate(
        """async () => {
            const a = await import("/static/js/views/answer.js");
            return {
                intents: [
                    a.intentOf({intent: "fact", answered: true}),
                    a.intentOf({answered: false}),
                    a.intentOf({answered: true}),
                    a.intentOf({intent: "bogus", answered: false}),
                ],
                declined: [
                    a.declined({intent: "clause", answered: false}),
                    a.declined({intent: "out_of_scope"}),
                    a.declined({intent: "obligations", answered: true}),
                ],
                lists: [
                    a.fullListOf("/agencies/mca/passages?role=lead"),
                    a.fullListOf("/agencies/mps/passages"),
                    a.fullListOf("/agencies/acwf/passages?role=cooperating&x=1"),
                    a.fullListOf("/agencies/mca/passages?role=bogus"),
                    a.fullListOf("https://example.org/agencies/mca/passages"),
                    a.fullListOf(null),
                ],
            };
        }"""
    )
    assert got["intents"] == ["fact", "out_of_scope", "clause", "out_of_scope"]
    assert got["declined"] == [True, True, False]
    assert got["lists"] == [
        {"agency": "mca", "role": "lead"},
        {"agency": "mps", "role": "any"},
        {"agency": "acwf", "role": "cooperating"},
        {"agency": "mca", "role": "any"},
        None,
        None,
    ]


# ---------------------------------------------------------------- border languages (issue 12)

# Each UI language: the name its button shows (in its own script), a browser locale that
# selects it, and the font family that must draw its script (Debian: fonts-noto-core and
# fonts-noto-cjk).
BORDER = {
    "vi": ("Tiếng Việt", "vi-VN", "Noto Sans"),
    "my": ("မြန်မာ", "my-MM", "Noto Sans Myanmar"),
    "lo": ("ລາວ", "lo-LA", "Noto Sans Lao"),
    "th": ("ไทย", "th-TH", "Noto Sans Thai"),
    "km": ("ខ្មែរ", "km-KH", "Noto Sans Khmer"),
    "ko": ("한국어", "ko-KR", "Noto Sans CJK KR"),
    "ru": ("Русский", "ru-RU", "Noto Sans"),
    "mn": ("Монгол", "mn-MN", "Noto Sans"),
}
FONTS_HINT = "apt-get install -y fonts-noto-core fonts-noto-cjk (make test does it as root)"
HAN = re.compile(r"[\u3400-\u9fff]")

# The English UI strings a page in another language must not show (those with placeholders
# filled in are checked through i18n.missing instead).
UNTRANSLATED_JS = """([lang, english]) => {
    const bad = [];
    const own = (node) => (node.closest("[lang]") || document.documentElement).lang === lang;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent.trim();
        if (text && english.includes(text) && own(n.parentElement)) bad.push(text);
    }
    for (const e of document.querySelectorAll("[placeholder], [aria-label]")) {
        for (const a of ["placeholder", "aria-label"]) {
            const v = e.getAttribute(a);
            if (v && english.includes(v.trim()) && own(e)) bad.push(a + "=" + v);
        }
    }
    return bad;
}"""

# Every element inside the viewport's width (hidden and screen-reader-only ones aside).
OVERFLOW_JS = """() => {
    const out = [];
    for (const e of document.querySelectorAll("body *")) {
        if (e.closest(".sr-only")) continue;
        const r = e.getBoundingClientRect();
        if (!r.width || !r.height) continue;
        if (r.right > innerWidth + 0.5 || r.left < -0.5) {
            const where = `${Math.round(r.left)}..${Math.round(r.right)}`;
            out.push(`${e.tagName.toLowerCase()}.${e.className} ${where}`);
        }
    }
    return out;
}"""


def english_only() -> list[str]:
    out: list[str] = []
    for value in ui_strings("en").values():
        out += [v for v in (value if isinstance(value, list) else [value]) if "{" not in v]
    return out


def fonts_of(page, selector: str) -> set[str]:
    """The platform fonts Chromium drew an element's text with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {f["familyName"] for f in fonts if f["glyphCount"]}


def check_translated(page, lang: str, where: str) -> None:
    """No English UI string in the page's own-language parts, none fallen back to English."""
    assert page.evaluate("document.documentElement.lang") == lang, where
    bad = page.evaluate(UNTRANSLATED_JS, [lang, english_only()])
    assert bad == [], f"{lang} {where}: untranslated {bad}"
    missing = page.evaluate("import('/static/js/i18n.js').then(m => [...m.missing])")
    assert missing == [], f"{lang} {where}: shown in English for want of a key: {missing}"


def check_fits(page, lang: str, where: str) -> None:
    assert page.evaluate(OVERFLOW_JS) == [], f"{lang} {where}: wider than 360 px"
    no_horizontal_scroll(page)


def test_the_language_switch_offers_every_language_by_its_own_name(web):
    page = web.open("/", locale="en-US")
    buttons = page.locator(".lang-switch .lang-btn")
    offered = buttons.evaluate_all("bs => bs.map(b => [b.dataset.lang, b.lang, b.textContent])")
    names = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
    names |= {code: name for code, (name, _, _) in BORDER.items()}
    assert offered == [[code, code, name] for code, name in names.items()]
    for code, (name, _, font) in BORDER.items():
        strings = ui_strings(code)
        page.get_by_role("button", name=name, exact=True).click()
        expect(page.locator("#search-btn")).to_have_text(strings["searchBtn"])
        assert (
            page.get_by_role("button", name=name, exact=True).get_attribute("aria-pressed")
            == "true"
        )
        assert page.title() == strings["title"]
        for node in page.locator("[data-i18n]").all():
            key = node.get_attribute("data-i18n")
            assert node.inner_text().strip() == strings[key].strip(), f"{code} {key}"
            assert node.get_attribute("lang") == code, f"{code} {key}"
        assert page.locator("#q").get_attribute("placeholder") == strings["placeholder"]
        assert page.locator("#examples a.example").all_inner_texts() == (
            strings["examples.frontline"] + strings["examples.ngo"] + strings["examples.translator"]
        )
        # The footer's document number is Chinese inside any language's sentence.
        if HAN.search(strings["footer"]):
            marked = page.locator(".site-footer [data-i18n] span[lang='zh-Hans']")
            assert "国办发〔2021〕13号" in marked.all_inner_texts()
        # Its script is drawn by a real font, not boxes.
        families = fonts_of(page, "label[for='q']")
        assert families == {font}, f"{code}: {families}; install the fonts: {FONTS_HINT}"
        check_translated(page, code, "home")
    page.reload()
    page.wait_for_selector("html[data-ready]", state="attached", timeout=WAIT_MS)
    assert page.evaluate("document.documentElement.lang") == "mn", "choice not remembered"


@pytest.mark.parametrize("lang", sorted(BORDER))
def test_each_border_language_is_translated_on_every_view_and_fits_360px(web, lang):
    """Chosen by the browser's locale; home, an answer (to the language's own example
    question), a passage, an agency, the agency list and an error: no English UI string, none
    missing, nothing wider than a 360 px phone; the folded language list opens and fits too."""
    _, locale, _ = BORDER[lang]
    strings = ui_strings(lang)
    page = web.open("/", locale=locale, width=360, height=780)
    check_translated(page, lang, "home")
    check_fits(page, lang, "home")
    assert page.locator(".lang-switch").is_hidden(), "folded on a phone"
    page.locator("#lang-toggle").click()
    expect(page.locator(".lang-switch")).to_be_visible()
    assert page.locator("#lang-toggle").get_attribute("aria-expanded") == "true"
    check_fits(page, lang, "language list")
    page.keyboard.press("Escape")
    expect(page.locator(".lang-switch")).to_be_hidden()

    question = strings["examples.ngo"][0]
    page.locator("#examples a.example", has_text=question).click()
    wait_results(page)
    ask = api(web.base, "/ask", {"question": question, "lang": "auto"})
    assert ask["lang"] == lang and ask["answered"], f"the {lang} example is not answered"
    assert page.locator("#view .answer-text").inner_text() == ask["answer"]
    check_translated(page, lang, "answer")
    check_fits(page, lang, "answer")
    pid = ask["citations"][0]
    for path, ready in (
        (f"/?passage={pid}", "#view .translator"),
        ("/?agency=mps", "#view .agency-view"),
        ("/?view=agencies", "#view .agency-list li"),
        ("/?passage=99.99.99", "#error:not([hidden])"),
    ):
        other = web.open(path, locale=locale, width=360, height=780)
        other.wait_for_selector(ready, timeout=WAIT_MS)
        check_translated(other, lang, path)
        check_fits(other, lang, path)
    assert other.locator("#error .error-message").inner_text() == strings["error.unknown_passage"]
    if os.environ.get("ATP_SCREENSHOTS") == "1" and lang in ("vi", "my"):
        page.evaluate("window.scrollTo(0, 0)")
        height = min(1800, page.evaluate("document.documentElement.scrollHeight"))
        page.screenshot(
            path=str(SHOTS / f"search-360-{lang}.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 360, "height": height},
        )


def answer_runs(page) -> list[list[str]]:
    """[text, nearest lang] of every text node of the answer."""
    return page.evaluate(
        """() => {
            const out = [];
            const box = document.querySelector("#view .answer-text");
            const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                out.push([n.textContent, n.parentElement.closest("[lang]").lang]);
            }
            return out;
        }"""
    )


@pytest.mark.parametrize(
    ("question", "ui"),
    [
        ("Cô dâu bị lừa bán sang Trung Quốc muốn về nhà thì phải làm sao?", "vi"),
        ("외국인 피해자의 안전한 귀국은 누가 담당합니까?", "en"),
        ("ใครรับผิดชอบการส่งเหยื่อต่างชาติกลับประเทศอย่างปลอดภัย", "zh-Hans"),
    ],
)
def test_a_border_language_answer_quotes_the_clause_in_english_and_chinese(web, question, ui):
    """The answer in the question's language (whatever the UI's), the clause quoted in the
    project's unofficial English beside the Chinese original, each quoted run with its own
    lang attribute and drawn by a font for its script."""
    ask = api(web.base, "/ask", {"question": question, "lang": "auto"})
    lang, quote = ask["lang"], ask["quote"]
    assert lang in BORDER and quote and quote["en"] and quote["zh-Hans"], ask
    strings = ui_strings(ui)
    locale = BORDER[ui][1] if ui in BORDER else LOCALE[ui]
    page = open_question(web, question, locale)
    assert page.evaluate("document.documentElement.lang") == ui
    text = page.locator("#view .answer-text")
    assert text.get_attribute("lang") == lang
    assert text.inner_text() == ask["answer"]
    runs = answer_runs(page)
    own = "".join(t for t, run_lang in runs if run_lang == lang)
    assert not HAN.search(own), "Chinese outside a lang='zh-Hans' run"
    if lang != "vi":  # a Latin-script language's own words are Latin too
        assert not re.search(r"[A-Za-z]", own), "English outside a lang='en' run"
    assert quote["zh-Hans"] in [t for t, run_lang in runs if run_lang == "zh-Hans"]
    assert quote["en"] in [t for t, run_lang in runs if run_lang == "en"]

    box = page.locator("#view .answer .quote")
    assert box.locator(".quote-title").inner_text() == strings["quoteTitle"]
    en, zh = box.locator("blockquote[lang='en']"), box.locator("blockquote[lang='zh-Hans']")
    assert en.inner_text() == quote["en"] and zh.inner_text() == quote["zh-Hans"]
    labels = box.locator(".quote-label").all_inner_texts()
    assert labels == [strings["quoteEnglish"], strings["quoteChinese"]]
    cols = [c.bounding_box() for c in box.locator(".quote-col").all()]
    assert cols[0]["y"] == cols[1]["y"] and cols[0]["x"] < cols[1]["x"], "side by side"
    assert fonts_of(page, "#view .quote blockquote[lang='zh-Hans']") == {"Noto Sans CJK SC"}
    assert page.locator("#view .answer .notice").inner_text() == ask["notice"]
    phone = open_question(web, question, locale, width=360, height=780)
    cols = [c.bounding_box() for c in phone.locator("#view .quote .quote-col").all()]
    assert cols[0]["y"] + cols[0]["height"] <= cols[1]["y"], "stacked on a phone"
    check_fits(phone, ui, "quote")


def test_the_ui_language_and_the_question_language_are_separate(web):
    """A Vietnamese UI asks in Chinese and in Vietnamese: the page sends lang=auto and the
    server answers each in its own language; the UI stays Vietnamese."""
    page = web.open("/", locale="vi-VN")
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/ask") else 0)
    box = page.get_by_label(ui_strings("vi")["searchLabel"])
    for question, lang in ((ZH_QUESTION, "zh-Hans"), (BORDER_QUESTION, "vi")):
        box.fill(question)
        box.press("Enter")
        wait_results(page)
        expect(page.locator("#view .answer-text")).to_have_attribute("lang", lang)
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert page.locator("#search-btn").inner_text() == ui_strings("vi")["searchBtn"]
    assert sent == [
        {"question": ZH_QUESTION, "lang": "auto"},
        {"question": BORDER_QUESTION, "lang": "auto"},
    ]
    # The plan's text has no Vietnamese: the cards show the unofficial English, marked so.
    assert page.locator("#view .results .ptext[lang='en']").count() >= 1
    assert (
        page.locator("#view .results-section .note").inner_text()
        == (ui_strings("vi")["unofficialShort"])
    )


def test_every_example_question_is_answered_in_its_language(server):
    """The start page's examples, in every UI language, lead to an answer (not a decline) in
    that language: a new user's first click."""
    for lang in ("zh-Hans", "zh-Hant", "en", *sorted(BORDER)):
        strings = ui_strings(lang)
        for group in ("examples.frontline", "examples.ngo", "examples.translator"):
            for question in strings[group]:
                ask = api(server, "/ask", {"question": question, "lang": "auto"})
                assert ask["answered"], f"{lang}: {question!r} is declined"
                assert ask["lang"] == lang, f"{lang}: {question!r} answered in {ask['lang']}"


# ---------------------------------------------------------------- phones, bad networks (issue 14)

TAP_JS = """() => {
    const small = [];
    const targets = "a[href], button, summary, label.seg, input:not([type=radio]), select";
    for (const e of document.querySelectorAll(targets)) {
        const r = e.getBoundingClientRect();
        if (!r.width || !r.height || r.bottom <= 0) continue; // hidden, or the skip link
        if (getComputedStyle(e).visibility === "hidden") continue;
        if (r.width < 43.5 || r.height < 43.5) {
            const what = `${e.tagName.toLowerCase()}.${e.className} "${e.textContent.trim()}"`;
            small.push(`${what} ${Math.round(r.width)}x${Math.round(r.height)}`);
        }
    }
    return small;
}"""

SMALL_TEXT_JS = """() => {
    const small = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const e = n.parentElement;
        if (!n.textContent.trim() || e.closest(".sr-only, [hidden], noscript")) continue;
        if (!e.getClientRects().length) continue;
        const size = parseFloat(getComputedStyle(e).fontSize);
        if (size < 13.95) small.add(`${e.tagName.toLowerCase()}.${e.className} ${size}px`);
    }
    return [...small];
}"""

CLS_INIT = """window.__cls = 0;
new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
}).observe({type: "layout-shift", buffered: true});"""


def test_a_hung_request_ends_in_a_translated_message_with_retry(web):
    """/ask that never answers: within 20 s the page says so in the UI language (not a
    spinner forever) and Retry works once the server answers again."""
    import time

    strings = ui_strings("zh-Hans")
    page = web.open("/", locale="zh-CN")
    page.route("**/ask", lambda route: None)  # never fulfilled: a hung server
    box = page.locator("#q")
    box.fill(ZH_QUESTION)
    started = time.monotonic()
    box.press("Enter")
    expect(page.locator("#status")).to_have_text(strings["searching"])
    page.wait_for_selector("#error:not([hidden])", timeout=20_000)
    assert time.monotonic() - started < 20
    assert page.locator("#error .error-message").inner_text() == strings["error.timeout"]
    assert page.locator("#error .error-code").inner_text() == "timeout"
    assert page.locator("#status").inner_text() == ""
    assert page.locator("#view").get_attribute("aria-busy") == "false"
    page.unroute("**/ask")
    page.get_by_role("button", name=strings["retry"]).click()
    wait_results(page)
    assert page.locator("#error").is_hidden()


def test_tap_targets_and_secondary_text_are_big_enough_on_a_phone(web):
    """Every link, button and chip at least 44 x 44 px; no text under 14 px (passage ids,
    badges, breadcrumbs, counts), on the results, passage and agency views at 360 px."""
    page = web.open("/?q=" + urllib.parse.quote(ZH_QUESTION), locale="zh-CN", width=360)
    wait_results(page)
    assert page.locator("#view .results .chip").count() >= 3
    assert page.locator("#view .pid").count() >= 3
    views = [("results", page)]
    for path, ready in (("/?passage=2.2.2.3", "#view .translator"), ("/?agency=mps", ".seg")):
        other = web.open(path, locale="zh-CN", width=360)
        other.wait_for_selector(ready, timeout=WAIT_MS)
        views.append((path, other))
    wide = web.open("/", locale="en-US")  # the eleven language buttons, unfolded
    views.append(("languages", wide))
    for name, view in views:
        assert view.evaluate(TAP_JS) == [], f"{name}: tap targets under 44 px"
        assert view.evaluate(SMALL_TEXT_JS) == [], f"{name}: text under 14 px"


def test_the_question_is_shown_compactly(web):
    """A long question is not echoed as a tall bold heading: two lines of regular text at
    most (it stays whole in the search box and for screen readers)."""
    question = " ".join([EN_QUESTION] * 7)[:480]
    page = web.open("/?q=" + urllib.parse.quote(question), locale="en-US", width=360)
    wait_results(page)
    heading = page.locator("#view .results-for")
    style = heading.evaluate(
        "e => [getComputedStyle(e).fontWeight, getComputedStyle(e).lineHeight]"
    )
    assert int(style[0]) <= 400, "not bold"
    assert heading.bounding_box()["height"] <= 2 * float(style[1].removesuffix("px")) + 1
    assert question in heading.text_content()
    assert page.locator("#q").input_value() == question


def test_back_returns_to_the_same_scroll_position_without_asking_again(web):
    page = web.open("/", locale="zh-CN", width=360, height=780)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/ask") else None)
    search(page, ZH_QUESTION)
    card = page.locator("#view .results .card").nth(3)
    card.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -100)")
    y = page.evaluate("window.scrollY")
    assert y > 500, "the page is not long enough to test scrolling"
    pid = card.get_attribute("data-id")
    card.locator("a.cite").click()
    page.wait_for_selector(f"#view .translator[data-id='{pid}']", timeout=WAIT_MS)
    assert page.evaluate("window.scrollY") == 0
    page.go_back()
    wait_results(page)
    page.wait_for_function(f"Math.abs(window.scrollY - {y}) <= 2", timeout=5000)
    assert len(asked) == 1, "Back redraws what was seen, it does not ask again"
    # The view's own Back button does the same.
    page.locator("#view .results .card").nth(3).locator("a.cite").click()
    page.wait_for_selector("#view .translator", timeout=WAIT_MS)
    page.locator("#view .translator button.back").click()
    wait_results(page)
    page.wait_for_function(f"Math.abs(window.scrollY - {y}) <= 2", timeout=5000)


def test_a_question_over_the_limit_is_not_cut_and_the_page_says_so(web):
    strings = ui_strings("zh-Hans")
    page = web.open("/", locale="zh-CN", width=360)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/ask") else None)
    long_question = (ZH_QUESTION + "，") * 40
    n = len(long_question)
    assert n > 500
    box = page.locator("#q")
    box.fill(long_question)
    assert box.input_value() == long_question, "cut on input"
    count = page.locator("#q-count")
    expect(count).to_have_text(f"{n} / 500")
    assert "over" in count.get_attribute("class")
    box.press("Enter")
    message = page.locator("#q-limit")
    expect(message).to_have_text(i18n_format(strings["tooLong"], n=n, max=500))
    assert message.get_attribute("role") == "alert"
    assert box.get_attribute("aria-invalid") == "true"
    assert asked == [] and "q=" not in page.url, "not sent cut, nor sent at all"
    check_fits(page, "zh-Hans", "too long")
    page.locator("#lang-toggle").click()  # the languages are folded on a phone
    page.get_by_role("button", name="English", exact=True).click()
    expect(message).to_have_text(i18n_format(ui_strings("en")["tooLong"], n=n, max=500))
    box.fill(ZH_QUESTION)
    assert message.is_hidden() and count.is_hidden()
    box.press("Enter")
    wait_results(page)
    # A shared link over the limit: the server refuses it; the page says why, in its language.
    other = web.open("/?q=" + urllib.parse.quote(long_question), locale="zh-CN")
    other.wait_for_selector("#error:not([hidden])", timeout=WAIT_MS)
    assert other.locator("#error .error-message").inner_text() == strings["error.query_too_long"]
    assert other.locator("#q").input_value() == long_question


@pytest.mark.parametrize(
    "path", ["/", "/?q=" + urllib.parse.quote(ZH_QUESTION), "/?agency=mps", "/?passage=2.2.2.3"]
)
def test_late_filled_parts_shift_no_layout(web, browser, path):
    """Cumulative layout shift of a cold load at 360 px at most 0.05 (issue 14): the
    strings, the answer and the status arrive without moving what is on screen."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    web.contexts.append(context)
    context.add_init_script(CLS_INIT)
    page = context.new_page()
    page.goto(web.base + path)
    page.wait_for_selector("html[data-ready]", state="attached", timeout=WAIT_MS)
    page.wait_for_selector("#view section, #examples:not([hidden])", timeout=WAIT_MS)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__cls") <= 0.05


def test_the_first_screen_is_in_the_readers_language_before_any_script_runs(web, browser):
    """Issue 14: no English first and Chinese later. With scripts off, the page as the server
    sends it is already in the browser's language; a language picked on the page is the
    one the next first screen comes in (its cookie), scripts off again."""
    strings = ui_strings("zh-Hant")
    bare = browser.new_context(locale="zh-TW", java_script_enabled=False)
    web.contexts.append(bare)
    page = bare.new_page()
    page.goto(web.base + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert page.locator("#search-btn").inner_text() == strings["searchBtn"]
    assert page.locator("#q").get_attribute("placeholder") == strings["placeholder"]
    assert page.title() == strings["title"]

    live = web.open("/", locale="zh-TW")
    if live.locator("#lang-toggle").is_visible():  # folded on a narrow screen
        live.locator("#lang-toggle").click()
    live.get_by_role("button", name="Tiếng Việt", exact=True).click()
    expect(live.locator("#search-btn")).to_have_text(ui_strings("vi")["searchBtn"])
    cookies = {c["name"]: c["value"] for c in live.context.cookies()}
    assert cookies.get("atp_lang") == "vi"
    bare_again = browser.new_context(locale="zh-TW", java_script_enabled=False)
    web.contexts.append(bare_again)
    bare_again.add_cookies([{"name": "atp_lang", "value": "vi", "url": web.base}])
    again = bare_again.new_page()
    again.goto(web.base + "/")
    assert again.locator("html").get_attribute("lang") == "vi"
    assert again.locator("#search-btn").inner_text() == ui_strings("vi")["searchBtn"]


# ---------------------------------------------------------------- offline (issue 14)


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


def screenshot(page, name: str, width: int = 360, height: int = 780) -> None:
    """docs/screenshots/<name> when ATP_SCREENSHOTS=1."""
    if os.environ.get("ATP_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        clip = {"x": 0, "y": 0, "width": width, "height": height}
        page.screenshot(path=str(SHOTS / name), clip=clip)


def static_version(page) -> str:
    src = page.locator("script[type=module]").get_attribute("src")
    return re.fullmatch(r"/static/v/([0-9a-f]+)/js/main\.js", src).group(1)


def wait_kept(page) -> None:
    """Until the service worker controls the page and keeps the plan."""
    page.wait_for_function(
        "() => navigator.serviceWorker.controller !== null"
        " && caches.match('/passages').then(r => !!r)",
        timeout=WAIT_MS,
    )


def submit(page, q: str) -> None:
    """Search for `q` from the box and wait until its screen is drawn."""
    page.locator("#q").fill(q)
    page.locator("#q").press("Enter")
    page.wait_for_function(
        "q => new URLSearchParams(location.search).get('q') === q"
        " && document.getElementById('view').getAttribute('aria-busy') === 'false'",
        arg=q,
        timeout=WAIT_MS,
    )


def marks_and_ids(page) -> tuple[list[str], list[str]]:
    cards = page.locator("#view .results .card")
    ids = cards.evaluate_all("els => els.map(e => e.dataset.id)")
    return ids, page.locator("#view .results .card mark").all_inner_texts()


def test_offline_after_one_visit_the_page_passages_agencies_and_a_search_work(browser):
    """One visit online; then the server is gone and the browser offline. A reload shows
    the page, the answer seen is still there (labelled as kept), a typed search lists the
    clauses that hold its words (labelled offline; Traditional folded to Simplified), and a
    passage, an agency's list, the agency list and the reading view open from the device."""
    strings = ui_strings("zh-Hans")
    server = Server({"HF_HUB_OFFLINE": "1"}).start()  # its own: this test stops it
    errors: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    try:
        server.wait(timeout=READY_TIMEOUT)
        base = server.base
        corpus = {p["id"]: p for p in api(base, "/passages")["passages"]}
        mca = api(base, "/agencies/mca/passages")
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/?q=" + urllib.parse.quote(ZH_QUESTION))
        wait_results(page)
        answer = page.locator("#view .answer .answer-text").inner_text()
        wait_kept(page)
    finally:
        server.stop()
    try:
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("html[data-ready]", state="attached", timeout=WAIT_MS)
        assert page.locator("#search-btn").inner_text() == strings["searchBtn"]
        expect(page.locator("#offline-note")).to_have_text(strings["offlineBanner"])
        assert page.locator("#offline-note").is_visible()
        # the answer seen before, as it was, said to be the kept one
        page.wait_for_selector("#view .answer", timeout=WAIT_MS)
        assert page.locator("#view .answer .answer-text").inner_text() == answer
        label = page.locator("#view .offline-label[data-offline=answer]")
        assert label.inner_text().startswith(strings["offlineAnswer"].split("{date}")[0])

        # a new search, in Traditional: keyword search over the kept plan, in Simplified
        submit(page, "拐賣兒童")
        assert page.locator("#view .offline-label").inner_text() == strings["offlineSearch"]
        assert page.locator("#view .answer").count() == 0, "an offline search answers nothing"
        ids, marks = marks_and_ids(page)
        assert 3 <= len(ids) <= 10
        words = ("拐卖", "卖儿", "儿童")
        for pid in ids:
            assert any(w in corpus[pid]["text"]["zh-Hans"] for w in words), pid
        assert marks, "the words are marked"
        for mark in marks:  # overlapping pairs marked as one run
            assert set(mark) <= set("拐卖儿童") and any(w in mark for w in words), mark
        both = [pid for pid in corpus if all(w in corpus[pid]["text"]["zh-Hans"] for w in words)]
        assert ids[0] in both, "a clause with every word of the query ranks first"
        expect(page.locator("#status")).to_have_text(i18n_format(strings["found"], n=len(ids)))
        submit(page, "拐卖儿童")
        assert marks_and_ids(page)[0] == ids, "either script, the same clauses"
        assert axe_violations(page) == []
        screenshot(page, "offline-search-360.png")

        # English words find the English text (shown in Chinese here)
        submit(page, "teacher school")
        for pid in marks_and_ids(page)[0]:
            assert re.search(r"\b(teacher|school)", corpus[pid]["text"]["en"].lower()), pid

        # a passage, an agency and the lists, from the device
        first = page.locator("#view .results .card").first
        pid = first.get_attribute("data-id")
        first.locator("a.cite").click()
        page.wait_for_selector(f"#view .translator[data-id='{pid}']", timeout=WAIT_MS)
        assert (
            page.locator("#view .col-text[lang=zh-Hant]").inner_text()
            == (corpus[pid]["text"]["zh-Hant"])
        )
        assert page.locator("#view .offline-label").inner_text() == strings["offlineBanner"]
        for path, ready, n in (
            ("/?agency=mca", "#view .agency-view .card", len(mca["results"])),
            ("/?agency=民政部", "#view .agency-view .card", len(mca["results"])),
            ("/?view=agencies", "#view .agency-list li", 35),
            ("/?view=plan&at=2.2.2.1.6", "#view .reading .rp", len(corpus)),
        ):
            page.goto(base + path)
            page.wait_for_selector(ready, timeout=WAIT_MS)
            assert page.locator(ready).count() == n, path
        counts = i18n_format(
            strings["agencyCounts"], lead=mca["counts"]["lead"], coop=mca["counts"]["cooperating"]
        )
        page.goto(base + "/?agency=mca")
        expect(page.locator("#view .counts")).to_have_text(counts)
        # nothing kept for this one: the network's error, translated, not a blank screen
        page.goto(base + "/?passage=99.99")
        page.wait_for_selector("#error:not([hidden])", timeout=WAIT_MS)
        assert (
            page.locator("#error .error-message").inner_text() == (strings["error.unknown_passage"])
        )
        assert errors == []
    finally:
        context.close()


def test_the_worker_keeps_this_version_and_drops_the_caches_of_others(web, browser):
    """The service worker (root scope) keeps the page, every file of this static version,
    the reader's strings and the plan; a cache of another version is deleted when it takes
    over (an update), and the kept answers stay."""
    context = browser.new_context(locale="zh-CN")
    web.contexts.append(context)
    page = context.new_page()
    page.goto(web.base + "/healthz")  # the same origin, no worker yet
    page.evaluate(
        """async () => {
            await (await caches.open("atp-0123456789ab")).put("/", new Response("old"));
            await (await caches.open("atp-answers")).put("/kept-answer?q=x", new Response("{}"));
        }"""
    )
    page.goto(web.base + "/")
    version = static_version(page)
    wait_kept(page)
    page.wait_for_function(
        "() => caches.keys().then(k => !k.includes('atp-0123456789ab'))", timeout=WAIT_MS
    )
    assert sorted(page.evaluate("caches.keys()")) == sorted([f"atp-{version}", "atp-answers"])
    kept = page.evaluate(
        f"""async () => (await (await caches.open("atp-{version}")).keys())
            .map(r => new URL(r.url).pathname)"""
    )
    prefix = f"/static/v/{version}/"
    files = {
        prefix + p.relative_to(STATIC).as_posix()
        for p in STATIC.rglob("*")
        if p.suffix in (".js", ".css", ".svg") and p.name != "sw.js"
    }
    assert files <= set(kept), sorted(files - set(kept))
    expected = {prefix + "i18n/en.json", prefix + "i18n/zh-Hans.json"}
    assert expected | {"/", "/plan", "/passages", "/agencies", "/overview"} <= set(kept)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == web.base + "/sw.js"
    assert page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.scope)") == (
        web.base + "/"
    )


def test_the_page_is_installable_in_the_readers_language(web, browser, tmp_path):
    """Chromium finds nothing against installing it (manifest, icon, worker), in a
    profile of its own (an incognito context can never install)."""
    from playwright.sync_api import sync_playwright  # noqa: F401  (the browser fixture's)

    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        locale="zh-TW",
    )
    try:
        page = context.new_page()
        page.goto(web.base + "/")
        wait_kept(page)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
        parsed = json.loads(manifest["data"])
        assert parsed["name"] == ui_strings("zh-Hant")["brand"]
        assert parsed["lang"] == "zh-Hant" and parsed["display"] == "standalone"
    finally:
        context.close()


def test_kept_answers_are_few_not_kept_long_and_can_be_forgotten(web):
    """Questions may describe victims: at most ANSWERS_MAX answers, the newest, for
    ANSWERS_DAYS; the footer's button forgets them all."""
    strings = ui_strings("en")
    page = web.open("/", locale="en-US")
    got = page.evaluate(
        """async () => {
            const m = await import("/static/js/offline.js");
            for (let i = 0; i < m.ANSWERS_MAX + 3; i++) {
                await m.keepAnswer("q" + i, {answer: "a" + i});
            }
            await m.keepAnswer("q5", {answer: "again"});  // seen again: the newest
            const keys = (await (await caches.open("atp-answers")).keys())
                .map(r => new URL(r.url).searchParams.get("q"));
            const day = 24 * 3600 * 1000;
            const later = Date.now() + (m.ANSWERS_DAYS + 1) * day;
            return {
                keys, max: m.ANSWERS_MAX,
                fresh: (await m.keptAnswer("q12")).data.answer,
                again: (await m.keptAnswer("q5")).data.answer,
                gone: await m.keptAnswer("q0"),
                stale: await m.keptAnswer("q12", later),
                dropped: await m.keptAnswer("q12"),
            };
        }"""
    )
    assert len(got["keys"]) == got["max"] == 10
    assert got["keys"][-1] == "q5" and "q0" not in got["keys"]
    assert got["fresh"] == "a12" and got["again"] == "again"
    assert got["gone"] is None and got["stale"] is None and got["dropped"] is None
    page.evaluate(
        """async () => (await import("/static/js/offline.js")).keepAnswer("x", {answer: "y"})"""
    )
    page.locator("#forget-answers").click()
    expect(page.locator("#status")).to_have_text(strings["answersForgotten"])
    assert "atp-answers" not in page.evaluate("caches.keys()")


def test_pure_parts_of_the_offline_search_agree_with_the_server(web):
    """The Traditional->Simplified map from the plan's own texts, the query's terms, the
    highlights in three scripts, the kind filter, and the passage and agency lists as
    the server gives them."""
    page = web.open("/", locale="en-US")
    mca = api(web.base, "/agencies/mca/passages")
    passage = api(web.base, "/passages/2.2.2.1.6")
    got = page.evaluate(
        """async () => {
            const m = await import("/static/js/offline.js");
            const passages = (await (await fetch("/passages")).json()).passages;
            const agencies = (await (await fetch("/agencies")).json()).agencies;
            const map = m.foldMap(passages, agencies);
            const found = m.keywordSearch(passages, "拐賣兒童", map);
            const spans = (s) => found.flatMap((r) => r.highlights[s].map(([a, b]) =>
                m.fold(r.passage.text[s].slice(a, b), map)));
            const question = "What must a teacher do for trafficked children?";
            const en = m.keywordSearch(passages, question, map);
            const words = (r) => r.highlights.en.map(([a, b]) => r.passage.text.en.slice(a, b));
            const goals = m.keywordSearch(passages, "拐卖", map, {kind: "goal"});
            const unknown = () => {
                try { m.agencyPassagesOf(passages, agencies, "nobody"); }
                catch (e) { return e.code; }
            };
            const agency = (id) => m.agencyPassagesOf(passages, agencies, id);
            const ids = (x) => x.results.map((r) => r.passage.id);
            return {
                size: map.size,
                fold: m.fold("拐賣兒童，婦聯", map),
                terms: m.terms("拐賣兒童", map),
                enTerms: m.terms(question, map),
                n: found.length, ranks: found.map((r) => r.rank),
                hans: spans("zh-Hans"), hant: spans("zh-Hant"),
                enWords: en.flatMap(words).map((w) => w.toLowerCase()),
                kinds: [...new Set(goals.map((r) => r.passage.kind))],
                none: m.keywordSearch(passages, "the of and", map),
                mca: [
                    ids(agency("mca")), agency("mca").counts,
                    agency("MCA").agency.id, ids(agency("民政部")),
                ],
                passage: m.passageOf(passages, "2.2.2.1.6"),
                unknown: unknown(),
            };
        }"""
    )
    assert got["size"] > 100, "the plan's own Traditional characters"
    assert got["fold"] == "拐卖儿童，妇联"
    assert got["terms"] == ["拐卖", "卖儿", "儿童"]
    assert got["enTerms"] == ["teacher", "traffick", "children"]
    assert got["n"] == 10 and got["ranks"] == list(range(1, 11))
    assert got["hans"] and set(got["hans"]) <= set(got["terms"])
    assert got["hant"] and set(got["hant"]) <= set(got["terms"]), "Traditional text marked too"
    assert got["enWords"] and all(
        re.match(r"(teacher|traffick|children)", w) for w in got["enWords"]
    )
    assert got["kinds"] == ["goal"]
    assert got["none"] == []
    ids = [r["passage"]["id"] for r in mca["results"]]
    assert got["mca"] == [ids, mca["counts"], "mca", ids]
    assert got["passage"] == passage
    assert got["unknown"] == "unknown_agency"


def test_a_search_can_be_narrowed_to_one_kind_of_passage(web):
    """The kind filter (issue 13): /search's kind, in the permalink; the answer stays."""
    strings = ui_strings("zh-Hans")
    page = open_question(web, ZH_QUESTION, "zh-CN", width=360, height=780)
    answer = page.locator("#view .answer .answer-text").inner_text()
    assert page.locator("#kind-filter").input_value() == ""
    page.get_by_label(strings["kindFilter"]).select_option("measure")
    page.wait_for_function("() => location.search.includes('kind=measure')")
    page.wait_for_function(
        "() => document.getElementById('view').getAttribute('aria-busy') === 'false'"
    )
    query = urllib.parse.urlencode({"q": ZH_QUESTION, "k": 10, "kind": "measure"})
    found = api(web.base, "/search?" + query)
    ids, _ = marks_and_ids(page)
    assert ids == [r["passage"]["id"] for r in found["results"]] and ids
    kinds = set(page.locator("#view .results .card .kind").all_inner_texts())
    assert kinds == {strings["kind.measure"]}
    assert page.locator("#view .answer .answer-text").inner_text() == answer
    assert page.evaluate(TAP_JS) == [] and page.evaluate(SMALL_TEXT_JS) == []
    assert axe_violations(page) == []
    page.reload()
    page.wait_for_selector("#view .results .card", timeout=WAIT_MS)
    assert page.locator("#kind-filter").input_value() == "measure"
    page.locator("#kind-filter").select_option("")
    page.wait_for_function("() => !location.search.includes('kind=')")
    wait_results(page)


@pytest.mark.parametrize(("width", "locale"), [(360, "zh-CN"), (1280, "en-US")])
def test_no_axe_violations_on_the_passage_view_with_its_tabs(web, width, locale):
    page = web.open("/?passage=2.2.2.1.6", locale=locale, width=width)
    page.wait_for_selector("#view .translator", timeout=WAIT_MS)
    assert axe_violations(page) == []


def test_the_emergency_line_is_on_every_screen_and_apart_from_the_plan(web):
    """Issue 14: the police emergency number, the page's own line in the header (the plan
    gives none), in the UI language, a tap away."""
    for locale, lang in (("zh-CN", "zh-Hans"), ("vi-VN", "vi")):
        page = web.open("/?view=agencies", locale=locale, width=360, height=780)
        line = page.locator("header .emergency")
        assert line.locator("span").inner_text() == ui_strings(lang)["emergency"]
        call = line.get_by_role("link", name="110")
        assert call.get_attribute("href") == "tel:110"
        assert call.bounding_box()["y"] + call.bounding_box()["height"] < 780, "on the first screen"
        assert page.locator("main .emergency").count() == 0
