"""The reading view and the agency × part overview in real Chromium against the real server
(the fixtures of tests/test_web.py): previous/next and permalinks, marks from a search,
scripts side by side or switched on a phone, the translator's copy, the overview's cells and
sorting, the print layout, and no axe-core violations.

ATP_SCREENSHOTS=1 regenerates docs/screenshots/plan-1280.png, plan-360.png, overview-1280.png
and overview-360.png."""

from __future__ import annotations

import os
import re
import urllib.parse

import pytest
from test_web import (
    SHOTS,
    WAIT_MS,
    ZH_QUESTION,
    api,
    browser,
    chromium_path,
    expect,
    merged,
    no_horizontal_scroll,
    server,
    wait_results,
    web,
)

pytestmark = pytest.mark.browser
FIXTURES = (browser, chromium_path, server, web)  # the real server and browser of test_web.py

SCRIPTS = ("zh-Hans", "zh-Hant", "en")
AT = "2.2.2.1.6"


def open_plan(web, query: str = "", **kwargs):
    page = web.open("/?view=plan" + query, **kwargs)
    page.wait_for_selector("#view .reading .rp", timeout=WAIT_MS)
    return page


def current(page) -> str:
    return page.locator("#view .rp.current").get_attribute("data-id")


def in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.evaluate("innerHeight")
    return box is not None and -1 <= box["y"] < height  # subpixel layout


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


def screenshot(page, name: str, width: int, height: int) -> None:
    if os.environ.get("ATP_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), clip={"x": 0, "y": 0, "width": width, "height": height})


# ---------------------------------------------------------------- the reading view


def test_reading_view_holds_the_whole_plan_with_previous_next_and_permalinks(web):
    plan = api(web.base, "/plan")
    page = open_plan(web, f"&at={AT}", locale="en-US")
    ids = page.locator("#view .rp").evaluate_all("els => els.map(e => e.dataset.id)")
    assert ids == plan["order"] and len(ids) == 104
    assert current(page) == AT
    assert page.evaluate("document.activeElement.dataset.id") == AT, "focus on the passage"
    assert in_viewport(page, f"#view .rp[data-id='{AT}']")
    passage = api(web.base, f"/passages/{AT}")
    assert page.title().startswith(passage["citation"]["en"])
    chips = page.locator(f"#view .rp[data-id='{AT}'] .chip-lead")
    assert chips.evaluate_all("els => els.map(e => e.dataset.agency)") == [
        a["id"] for a in passage["lead_agencies"]
    ]
    # the table of contents has every part and section
    toc = page.locator("#view .toc a.toc-link").all_inner_texts()
    titles = [n["title"]["en"] for n in plan["children"]]
    assert all(t in toc for t in titles)
    i = plan["order"].index(AT)

    page.locator("#view .rp.current .prevnext a.next").click()
    expect(page.locator("#view .rp.current")).to_have_attribute("data-id", plan["order"][i + 1])
    assert f"at={plan['order'][i + 1]}" in page.url
    page.go_back()
    expect(page.locator("#view .rp.current")).to_have_attribute("data-id", AT)
    page.locator("#view .rp.current .prevnext a.prev").click()
    expect(page.locator("#view .rp.current")).to_have_attribute("data-id", plan["order"][i - 1])

    # the permalink reloads to the same passage, in view
    before = plan["order"][i - 1]
    page.reload()
    page.wait_for_selector("#view .rp.current", timeout=WAIT_MS)
    assert current(page) == before
    page.wait_for_function(
        f"document.querySelector(\"#view .rp[data-id='{before}']\").getBoundingClientRect().top"
        " < innerHeight"
    )
    # a passage's citation is its permalink; the TOC goes to a section heading
    cite = page.locator("#view .rp[data-id='3.1'] a.rp-cite")
    assert urllib.parse.unquote(cite.get_attribute("href")) == "/?view=plan&at=3.1"
    section = plan["children"][2]["children"][0]["title"]["en"]
    page.locator("#view .toc a.toc-link", has_text=section).click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'h-2.1'")
    assert in_viewport(page, "#h-2\\.1")
    # the first passage has no Previous, the last no Next
    first = open_plan(web, "&at=0")
    assert first.locator("#view .rp.current .prevnext a.prev").count() == 0
    last = open_plan(web, "&at=" + plan["order"][-1])
    assert last.locator("#view .rp.current .prevnext a.next").count() == 0


def test_arriving_from_a_search_marks_the_searched_words(web):
    page = web.open("/", locale="zh-CN")
    box = page.get_by_label(re.compile("检索"))
    box.fill(ZH_QUESTION)
    box.press("Enter")
    wait_results(page)
    link = page.locator("#view .results .card a.read-in-plan").first
    pid = link.locator("xpath=ancestor::article").get_attribute("data-id")
    link.click()
    page.wait_for_selector("#view .reading .rp.current", timeout=WAIT_MS)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert query["view"] == ["plan"] and query["at"] == [pid] and query["q"] == [ZH_QUESTION]
    assert current(page) == pid
    marks = api(web.base, "/plan?" + urllib.parse.urlencode({"q": ZH_QUESTION}))["marks"]
    text = api(web.base, f"/passages/{pid}")["text"]["zh-Hans"]
    expected = [text[s:e] for s, e in merged(marks[pid]["zh-Hans"])]
    assert expected, "the top result contains a searched word"
    shown = page.locator(f"#view .rp[data-id='{pid}'] .rtext[lang='zh-Hans'] mark")
    assert shown.all_inner_texts() == expected
    assert page.locator("#view .rp mark").count() >= len(marks)
    assert ZH_QUESTION in page.locator("#view .marks-note").inner_text()
    page.locator("#view .marks-note a.clear-marks").click()
    page.wait_for_function("!location.search.includes('q=')")
    expect(page.locator("#view .rp mark")).to_have_count(0)


def test_three_scripts_side_by_side_on_desktop_and_switchable_on_a_phone(web):
    passage = api(web.base, f"/passages/{AT}")
    page = open_plan(web, f"&at={AT}&script=all", locale="en-US", width=1280)
    cols = [page.locator(f"#view .rp.current .rp-col[data-script='{s}']") for s in SCRIPTS]
    boxes = [c.bounding_box() for c in cols]
    assert all(boxes) and boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    for col, s in zip(cols, SCRIPTS, strict=True):
        assert col.locator(".rtext").inner_text() == passage["text"][s]
        assert col.locator(".rtext").get_attribute("lang") == s

    phone = open_plan(web, f"&at={AT}", locale="zh-CN", width=360, height=780)
    no_horizontal_scroll(phone)
    visible = phone.locator("#view .rp.current .rp-col:visible")
    assert visible.count() == 1 and visible.get_attribute("data-script") == "zh-Hans"
    assert phone.locator("label[for='show-all']").is_hidden(), "no side by side at 360 px"
    phone.locator("label[for='show-en']").click()
    expect(visible).to_have_count(1)
    assert visible.get_attribute("data-script") == "en"
    assert visible.locator(".rtext").inner_text() == passage["text"]["en"]
    assert "script=en" in phone.url
    # a link asking for all three still shows one at a time on a phone
    narrow = open_plan(web, f"&at={AT}&script=all", locale="zh-CN", width=360, height=780)
    assert narrow.locator("#view .rp.current .rp-col:visible").count() == 1
    no_horizontal_scroll(narrow)
    screenshot(narrow, "plan-360.png", 360, 780)


def test_copy_gives_a_translator_text_citation_title_and_link(web):
    plan = api(web.base, "/plan")
    passage = api(web.base, f"/passages/{AT}")
    page = open_plan(
        web,
        f"&at={AT}&script=all",
        locale="en-US",
        permissions=["clipboard-read", "clipboard-write"],
    )
    link = f"{web.base}/?passage={AT}"
    for s in SCRIPTS:
        page.locator(f"#view .rp.current button.copy-cite[data-script='{s}']").click()
        page.wait_for_function(
            "([t]) => navigator.clipboard.readText().then(c => c.startsWith(t))",
            arg=[passage["text"][s]],
            timeout=5000,
        )
        copied = page.evaluate("navigator.clipboard.readText()")
        lines = copied.split("\n")
        assert lines[0] == passage["text"][s]
        assert passage["citation"][s] in lines[1] and plan["title"][s] in lines[1]
        assert lines[2] == link
    assert "unofficial" in copied  # the English copy says what its translation is


def test_print_layout_keeps_the_text_and_drops_the_controls(web):
    page = open_plan(web, f"&at={AT}", locale="en-US")
    page.emulate_media(media="print")
    for hidden in ("#view .toc", "#view .reading-tools", "#search-form", "#view .prevnext"):
        assert page.locator(hidden).is_hidden(), hidden
    assert page.locator("#view .rp .rtext[lang='en']").first.is_visible()
    assert page.locator("#view .rp button.copy-cite:visible").count() == 0


# ---------------------------------------------------------------- the overview


def test_overview_table_opens_a_cells_passages_and_sorts(web):
    data = api(web.base, "/overview")
    page = web.open("/?view=overview", locale="en-US")
    page.wait_for_selector("#view .overview-table tbody tr", timeout=WAIT_MS)
    rows = page.locator("#view .overview-table tbody tr")
    assert rows.count() == len(data["agencies"]) == 35
    headers = page.locator("#view .overview-table thead th")
    assert headers.count() == len(data["parts"]) + 3
    mca = next(r for r in data["agencies"] if r["agency"]["id"] == "mca")
    cell = next(c for c in mca["cells"] if c["part"] == "2.3")
    td = page.locator("#view tr[data-agency='mca'] td[data-part='2.3']")
    assert td.inner_text() == f"{len(cell['lead'])} · {len(cell['cooperating'])}"
    assert re.fullmatch(r"heat heat-[1-4]", td.get_attribute("class"))
    label = td.locator("a").get_attribute("aria-label")
    assert "Ministry of Civil Affairs" in label and str(len(cell["lead"])) in label

    td.locator("a").click()
    page.wait_for_selector("#view .cell-panel", timeout=WAIT_MS)
    assert "agency=mca" in page.url and "part=2.3" in page.url
    cards = page.locator("#view .cell-panel .card")
    shown = cards.evaluate_all("els => els.map(e => e.dataset.id)")
    assert shown == cell["lead"] + cell["cooperating"]
    roles = cards.evaluate_all("els => els.map(e => e.dataset.role)")
    assert roles == ["lead"] * len(cell["lead"]) + ["cooperating"] * len(cell["cooperating"])
    assert page.evaluate("document.activeElement.id") == "cell-panel"
    assert page.title().startswith("Ministry of Civil Affairs")
    csv_link = page.locator("#view .cell-panel a[href*='format=csv']")
    assert csv_link.get_attribute("href") == "/agencies/mca/passages?format=csv"
    page.reload()
    page.wait_for_selector("#view .cell-panel .card", timeout=WAIT_MS)

    # sorting: by cooperating count, largest first, then the other way; by name
    by_coop = sorted(data["agencies"], key=lambda r: -r["cooperating_count"])
    page.locator("#view th button.sort[data-sort='coop']").click()
    coop_th = page.locator("#view th:has(button[data-sort='coop'])")
    expect(coop_th).to_have_attribute("aria-sort", "descending")
    first = rows.first.get_attribute("data-agency")
    assert (
        next(r for r in data["agencies"] if r["agency"]["id"] == first)["cooperating_count"]
        == by_coop[0]["cooperating_count"]
    )
    page.locator("#view th button.sort[data-sort='coop']").click()
    expect(coop_th).to_have_attribute("aria-sort", "ascending")
    counts = {r["agency"]["id"]: r["cooperating_count"] for r in data["agencies"]}
    order = rows.evaluate_all("els => els.map(e => e.dataset.agency)")
    assert [counts[a] for a in order] == sorted(counts[a] for a in order)
    assert "sort=coop" in page.url and "dir=asc" in page.url
    page.locator("#view th button.sort[data-sort='lead']").click()
    leads = {r["agency"]["id"]: r["lead_count"] for r in data["agencies"]}
    order = rows.evaluate_all("els => els.map(e => e.dataset.agency)")
    assert [leads[a] for a in order] == sorted((leads[a] for a in order), reverse=True)
    # the panel stays open while sorting
    assert page.locator("#view .cell-panel").count() == 1


def test_the_header_links_open_both_views_in_place(web):
    page = web.open("/", locale="zh-CN")
    page.locator("#plan-link").click()
    page.wait_for_selector("#view .reading .rp", timeout=WAIT_MS)
    assert page.url.endswith("/?view=plan")
    page.locator("#overview-link").click()
    page.wait_for_selector("#view .overview-table", timeout=WAIT_MS)
    page.go_back()
    page.wait_for_selector("#view .reading", timeout=WAIT_MS)


# ---------------------------------------------------------------- phones, accessibility


@pytest.mark.parametrize(
    "path",
    [f"/?view=plan&at={AT}", "/?view=overview", "/?view=overview&agency=mca&part=2.3"],
)
def test_360px_phone_layout(web, path):
    page = web.open(path, locale="zh-CN", width=360, height=780)
    page.wait_for_selector("#view section", timeout=WAIT_MS)
    no_horizontal_scroll(page)
    if "overview" in path:  # the wide table scrolls inside its own box, the page does not
        wrap = page.locator("#view .table-wrap")
        assert wrap.bounding_box()["width"] <= 360
        assert page.locator("#view .table-wrap").evaluate("e => e.scrollWidth > e.clientWidth")
    else:
        assert page.locator("#view .toc").get_attribute("open") is None, "contents folded"


@pytest.mark.parametrize(
    ("path", "width", "locale"),
    [
        (f"/?view=plan&at={AT}&q=拐卖儿童", 1280, "zh-CN"),
        (f"/?view=plan&at={AT}&script=all", 1280, "en-US"),
        (f"/?view=plan&at={AT}", 360, "zh-TW"),
        ("/?view=overview&agency=mca&part=2.3", 1280, "en-US"),
        ("/?view=overview", 360, "zh-CN"),
    ],
)
def test_no_axe_violations_on_the_new_views(web, path, width, locale):
    page = web.open(path, locale=locale, width=width, height=900)
    page.wait_for_selector("#view section", timeout=WAIT_MS)
    page.wait_for_function("document.getElementById('view').getAttribute('aria-busy') === 'false'")
    assert axe_violations(page) == []


def test_screenshots_of_the_reading_view_and_the_overview(web):
    page = open_plan(web, f"&at={AT}&q=拐卖儿童", locale="zh-CN", width=1280, height=900)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "plan-1280.png", 1280, 900)
    overview = web.open("/?view=overview", locale="en-US", width=1280, height=900)
    overview.wait_for_selector("#view .overview-table tbody tr", timeout=WAIT_MS)
    screenshot(overview, "overview-1280.png", 1280, 900)
    phone = web.open("/?view=overview", locale="zh-CN", width=360, height=780)
    phone.wait_for_selector("#view .overview-table tbody tr", timeout=WAIT_MS)
    screenshot(phone, "overview-360.png", 360, 780)
    assert page.locator("#view .rp mark").count() > 0


def test_pure_functions_of_the_new_views(web):
    page = web.open("/")
    got = page.evaluate(
        """async () => {
            const router = await import("/static/js/router.js");
            const plan = await import("/static/js/views/plan.js");
            const ov = await import("/static/js/views/overview.js");
            const parse = (url) => router.parse(new URL(url, location.href));
            const p = {text: {"zh-Hans": "文", en: "Text"},
                       citation: {"zh-Hans": "第一部分", en: "Part I"}};
            const title = {"zh-Hans": "计划", en: "Plan"};
            const row = (id, lead, coop, part) => ({agency: {id, en: id}, lead_count: lead,
                cooperating_count: coop, cells: [{part: "2.1", lead: Array(part).fill("x"),
                cooperating: []}]});
            const rows = [row("b", 1, 5, 0), row("a", 3, 1, 2), row("c", 2, 2, 1)];
            const ids = (list) => list.map((r) => r.agency.id).join("");
            return {
                routes: [
                    parse(router.urls.plan({at: "2.1", q: "a&b", script: "all"})),
                    parse(router.urls.plan()),
                    parse("/?view=plan&script=klingon&agency=mps"),
                    parse(router.urls.overview({agency: "mca", part: "2.3", sort: "coop",
                                                dir: "asc"})),
                    parse("/?view=overview&dir=sideways"),
                ],
                copies: [plan.translatorCopy(p, "zh-Hans", title, "L"),
                         plan.translatorCopy(p, "en", title, "L")],
                sorts: [ids(ov.sortRows(rows, "lead", "desc", "en")),
                        ids(ov.sortRows(rows, "lead", "asc", "en")),
                        ids(ov.sortRows(rows, "coop", "desc", "en")),
                        ids(ov.sortRows(rows, "name", "asc", "en")),
                        ids(ov.sortRows(rows, "2.1", "desc", "en"))],
                heat: [ov.heat(0, 10), ov.heat(1, 10), ov.heat(5, 10), ov.heat(10, 10)],
            };
        }"""
    )
    assert got["routes"] == [
        {"name": "plan", "at": "2.1", "q": "a&b", "script": "all"},
        {"name": "plan", "at": None, "q": None, "script": None},
        {"name": "plan", "at": None, "q": None, "script": None},
        {"name": "overview", "agency": "mca", "part": "2.3", "sort": "coop", "dir": "asc"},
        {"name": "overview", "agency": None, "part": None, "sort": None, "dir": None},
    ]
    assert got["copies"] == [
        "文\n——《计划》第一部分\nL",
        "Text\n— Part I, Plan (unofficial translation)\nL",
    ]
    assert got["sorts"] == ["acb", "bca", "bca", "abc", "acb"]
    assert got["heat"] == [0, 1, 2, 4]


def test_the_agency_list_sorts_by_lead_or_cooperating_count(web):
    agencies = api(web.base, "/agencies")["agencies"]
    page = web.open("/?view=agencies", locale="en-US")
    page.wait_for_selector("#view .agency-list li", timeout=WAIT_MS)
    items = page.locator("#view .agency-list li")
    for by, field in (("lead", "lead_count"), ("coop", "cooperating_count")):
        page.locator(f"label[for='sort-{by}']").click()
        counts = {a["id"]: a[field] for a in agencies}
        order = items.evaluate_all("els => els.map(e => e.dataset.id)")
        assert len(order) == len(agencies)
        assert [counts[i] for i in order] == sorted(counts.values(), reverse=True), by
    page.locator("label[for='sort-name']").click()
    names = items.locator(".agency-link").all_inner_texts()
    assert names[0] < names[-1]
