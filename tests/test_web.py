"""The web page, end to end: the real app in a uvicorn process, driven by headless Chromium.

Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium fonts-noto-cjk`);
without it these tests fail, unless ATP_SKIP_BROWSER=1 says to skip them.
ATP_SCREENSHOTS=1 regenerates docs/screenshots/search-360.png and search-1280.png.
"""

from __future__ import annotations

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
    ):
        context = self.browser.new_context(
            locale=locale,
            viewport={"width": width, "height": height},
            permissions=permissions or [],
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
    assert sum(sizes.values()) < 120_000, sizes
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
    assert preloaded == set(scripts) - {"js/main.js"}, "every module main.js imports, preloaded"


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

    # Stacked, not side by side, on a phone; side by side on a wide screen.
    boxes = [page.locator(f"#view .col-{s}").bounding_box() for s in SCRIPTS]
    assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"]
    phone = web.open(f"/?passage={urllib.parse.quote(pid)}", width=360, height=780)
    phone.wait_for_selector("#view .translator", timeout=WAIT_MS)
    boxes = [phone.locator(f"#view .col-{s}").bounding_box() for s in SCRIPTS]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
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
