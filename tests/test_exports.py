"""Browsing and exports against the real app: the plan tree, the overview, an agency's list
as CSV and Markdown, the parallel text as TMX 1.4b and the glossary as TBX, each re-read
by a reader of its format (csv, lxml with the TMX 1.4 DTD, translate-toolkit).

tests/data/tmx14.dtd is the LISA OSCAR TMX 1.4 DTD (the DTD of TMX 1.4b, public domain since
LISA's standards were released in 2011), as Debian's `omegat` package ships it
(OmegaT.jar: schemas/tmx14.dtd)."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree
from translate.storage import tbx, tmx

from corpus.scripts import to_simplified
from service import exports

ROOT = Path(__file__).resolve().parents[1]
DTD = ROOT / "tests" / "data" / "tmx14.dtd"
GLOSSARY = ROOT / "corpus" / "source" / "glossary.json"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCRIPTS = ("zh-Hans", "zh-Hant", "en")
CONTRACT_COLUMNS = [
    "role",
    "passage_id",
    "citation_zh-Hans",
    "citation_en",
    "text_zh-Hans",
    "text_en",
    "permalink",
]


@pytest.fixture(scope="module")
def passages(client) -> list[dict]:
    return client.get("/passages").json()["passages"]


def walk(nodes: list[dict]) -> list[str]:
    out: list[str] = []
    for node in nodes:
        out += node["passages"]
        out += walk(node["children"])
    return out


# ---------------------------------------------------------------- /plan and /passages


def test_plan_lists_every_passage_once_in_reading_order(client, engine, passages):
    plan = client.get("/plan")
    assert plan.status_code == 200
    body = plan.json()
    corpus_order = [p.id for p in engine.passages]
    assert len(corpus_order) == 104
    assert walk(body["children"]) == corpus_order, "the tree, read depth first"
    assert body["order"] == corpus_order
    assert len(set(corpus_order)) == len(corpus_order)
    assert [p["id"] for p in passages] == corpus_order
    # reading order is the order of the source text
    lines = [p.source_line for p in engine.passages]
    assert lines == sorted(lines)
    assert set(body["title"]) >= set(SCRIPTS)
    assert "2021" in body["title"]["zh-Hans"] and "2030" in body["title"]["en"]


def test_each_passage_sits_under_its_own_headings(client, passages):
    """A passage's node chain is its path without a bullet's parent measure (a passage of
    its own, in the same node just before its bullets); the preamble is a node of its own."""
    by_id = {p["id"]: p for p in passages}
    chains: dict[str, list[str]] = {}

    def visit(nodes, above):
        for node in nodes:
            chain = [*above, node["id"]]
            for pid in node["passages"]:
                chains[pid] = chain
            for title in node["title"].values():
                assert title.strip()
            visit(node["children"], chain)

    visit(client.get("/plan").json()["children"], [])
    for pid, chain in chains.items():
        p = by_id[pid]
        expected = [s["id"] for s in p["path"] if s["id"] != p.get("parent_id")] or [pid]
        assert chain == expected, pid
    top = [n["id"] for n in client.get("/plan").json()["children"]]
    assert top == ["0", "1", "2", "3"]


def test_plan_tree_refuses_passages_out_of_reading_order(engine):
    shuffled = list(engine.passages)
    random.Random(13).shuffle(shuffled)
    with pytest.raises(ValueError, match="reading order"):
        exports.plan_tree(shuffled)


@pytest.mark.parametrize(
    ("q", "script", "words"),
    [
        ("拐卖儿童", "zh-Hans", {"拐卖", "儿童", "拐卖儿童"}),
        ("拐賣兒童", "zh-Hant", {"拐賣", "兒童", "拐賣兒童"}),
        ("trafficked children", "en", None),
    ],
)
def test_plan_marks_the_searched_words(client, passages, q, script, words):
    body = client.get("/plan", params={"q": q}).json()
    marks = body["marks"]
    by_id = {p["id"]: p for p in passages}
    contains = [p["id"] for p in passages if "拐卖" in p["text"]["zh-Hans"]]
    assert len(marks) >= len(contains) > 10
    marked = []
    for pid, spans in marks.items():
        text = by_id[pid]["text"][script]
        for start, end in spans[script]:
            assert 0 <= start < end <= len(text)
            marked.append(text[start:end])
    assert marked
    if words is None:
        assert {w.lower()[:5] for w in marked} <= {"traff", "child"}
    else:
        assert set(marked) <= words
    assert client.get("/plan").json()["marks"] is None


@pytest.mark.parametrize(
    ("q", "code"),
    [("", "empty_query"), ("   ", "empty_query"), ("拐" * 501, "query_too_long")],
)
def test_plan_refuses_a_bad_q(client, q, code):
    response = client.get("/plan", params={"q": q})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_all_passages_are_the_passages_one_by_one(client, passages):
    for p in passages[::17]:
        assert client.get(f"/passages/{p['id']}").json() == p


# ---------------------------------------------------------------- /overview


def test_overview_counts_agree_with_the_agency_list_and_each_passage(client, passages):
    body = client.get("/overview").json()
    parts = [p["id"] for p in body["parts"]]
    assert parts == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    counts = {a["id"]: a for a in client.get("/agencies").json()["agencies"]}
    assert {row["agency"]["id"] for row in body["agencies"]} == set(counts)
    by_id = {p["id"]: p for p in passages}
    for row in body["agencies"]:
        aid = row["agency"]["id"]
        assert [c["part"] for c in row["cells"]] == parts
        lead = [pid for c in row["cells"] for pid in c["lead"]]
        coop = [pid for c in row["cells"] for pid in c["cooperating"]]
        assert row["lead_count"] == len(lead) == counts[aid]["lead_count"], aid
        assert row["cooperating_count"] == len(coop) == counts[aid]["cooperating_count"], aid
        for cell in row["cells"]:
            roles = (("lead_agencies", cell["lead"]), ("cooperating_agencies", cell["cooperating"]))
            for role, ids in roles:
                for pid in ids:
                    p = by_id[pid]
                    assert p["path"][1]["id"] == cell["part"]
                    assert aid in {a["id"] for a in p[role]}
        listed = client.get(f"/agencies/{aid}/passages").json()["results"]
        assert sorted(lead + coop) == sorted(r["passage"]["id"] for r in listed)


# ---------------------------------------------------------------- an agency's list


def read_csv(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "a BOM, so Excel reads UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_csv_of_the_ministry_of_civil_affairs_round_trips(client):
    response = client.get("/agencies/mca/passages", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS
    rows = read_csv(response)
    assert len(rows) == 48
    listed = client.get("/agencies/mca/passages").json()["results"]
    assert len(listed) == 48
    base = str(client.base_url)
    for row, item in zip(rows, listed, strict=True):
        p = item["passage"]
        assert row["role"] == item["role"]
        assert row["passage_id"] == p["id"]
        for script in SCRIPTS:
            assert row[f"citation_{script}"] == p["citation"][script]
            assert row[f"text_{script}"] == p["text"][script]
        link = urlsplit(row["permalink"])
        assert row["permalink"].startswith(base)
        assert parse_qs(link.query) == {"passage": [p["id"]]}
    lead, coop = (sum(r["role"] == role for r in rows) for role in ("lead", "cooperating"))
    counts = client.get("/agencies/mca/passages").json()["counts"]
    assert (lead, coop) == (counts["lead"], counts["cooperating"])
    # the permalink opens the page
    assert client.get(urlsplit(rows[0]["permalink"]).path).status_code == 200


def test_csv_follows_the_role_filter_and_names(client):
    lead = read_csv(client.get("/agencies/民政部/passages?role=lead&format=csv"))
    assert lead and {r["role"] for r in lead} == {"lead"}
    json_lead = client.get("/agencies/mca/passages?role=lead").json()["results"]
    assert [r["passage_id"] for r in lead] == [r["passage"]["id"] for r in json_lead]


def test_csv_quotes_commas_quotes_and_newlines():
    """Fields with the characters CSV must quote survive the round trip unchanged."""
    p = exports_passage('他说："是，的"\n第二行, and "more"')
    text = exports.obligations_csv([("lead", p)], "http://x")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert rows[1][4] == p.text.zh_hans and rows[1][5] == p.text.en


def exports_passage(text: str):
    from corpus.models import Passage

    return Passage.model_validate(
        {
            "id": "9.9",
            "kind": "measure",
            "path": [],
            "citation": {"zh-Hant": "甲", "zh-Hans": "甲", "en": "A"},
            "text": {"zh-Hant": text, "zh-Hans": text, "en": text},
            "lead_agencies": [],
            "cooperating_agencies": [],
            "source_line": 1,
        }
    )


def test_markdown_of_an_agency_has_citations_texts_and_permalinks(client):
    response = client.get("/agencies/mca/passages", params={"format": "md"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    md = response.text
    listed = client.get("/agencies/mca/passages").json()
    assert md.startswith("# Ministry of Civil Affairs (民政部)")
    assert f"({listed['counts']['lead']})" in md and f"({listed['counts']['cooperating']})" in md
    base = str(client.base_url)
    for item in listed["results"]:
        p = item["passage"]
        assert f"]({base}/?passage={p['id']})" in md, p["id"]
        assert p["citation"]["zh-Hans"] in md
    assert md.count("\n### [") == 48
    assert "unofficial" in md.lower()


def test_markdown_escapes_what_markdown_would_read_as_markup():
    from corpus.models import AgencyRef

    p = exports_passage("a *b* [c](d) <e> #f")
    agency = AgencyRef.model_validate({"id": "x", "zh-Hant": "甲", "zh-Hans": "甲", "en": "X"})
    md = exports.obligations_markdown(agency, [("lead", p)], (1, 0), {}, "http://h")
    assert r"a \*b\* \[c\](d) \<e\> \#f" in md


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/agencies/nobody/passages?format=csv", 404, "unknown_agency"),
        ("/agencies/mca/passages?format=xlsx", 422, "invalid_request"),
        ("/agencies/mca/passages?format=csv&role=boss", 422, "invalid_request"),
    ],
)
def test_bad_export_requests_get_a_clear_4xx(client, path, status, code):
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


# ---------------------------------------------------------------- TMX


def test_tmx_is_valid_tmx_1_4_and_holds_every_passage_in_three_scripts(client, passages):
    response = client.get("/export/tmx")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-tmx+xml"
    assert response.headers["content-disposition"].endswith('.tmx"')
    document = etree.fromstring(response.content)
    dtd = etree.DTD(str(DTD))
    assert dtd.validate(document), dtd.error_log.filter_from_errors()
    assert document.get("version") == "1.4"
    assert document.find("header").get("srclang") == "zh-Hans"

    store = tmx.tmxfile.parsestring(response.content)  # translate-toolkit's TMX reader
    units = store.units
    assert [u.getid() for u in units] == [p["id"] for p in passages]
    for unit, p in zip(units, passages, strict=True):
        langs = [n.get(XML_LANG) for n in unit.getlanguageNodes()]
        assert langs == ["zh-Hans", "zh-Hant", "en"], p["id"]
        assert unit.source == p["text"]["zh-Hans"]
        assert unit.gettarget("zh-Hant") == p["text"]["zh-Hant"]
        assert unit.gettarget("en") == p["text"]["en"]
        citations = {
            n.get(XML_LANG): n.find("prop[@type='x-citation']").text
            for n in unit.getlanguageNodes()
        }
        assert citations == {s: p["citation"][s] for s in SCRIPTS}


# ---------------------------------------------------------------- TBX


def test_tbx_holds_the_whole_glossary_in_three_scripts(client):
    response = client.get("/export/glossary.tbx")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-tbx+xml"
    glossary = json.loads(GLOSSARY.read_text(encoding="utf-8"))
    store = tbx.tbxfile.parsestring(response.content)  # translate-toolkit's TBX reader
    units = store.units
    assert len(units) == len(glossary) > 30
    for unit, entry in zip(units, glossary, strict=True):
        langs = [n.get(XML_LANG) for n in unit.getlanguageNodes()]
        assert langs == ["zh-Hans", "zh-Hant", "en"]
        assert [t.text for t in unit.get_source_terms()] == [entry["zh-Hans"]]
        assert unit.gettarget("en") == entry["en"]
        hant = unit.gettarget("zh-Hant")
        assert hant and to_simplified(hant) == entry["zh-Hans"], hant
        notes = unit.getnotes()
        assert notes == entry.get("note", ""), entry["zh-Hans"]
    ids = [u.getid() for u in units]
    assert len(set(ids)) == len(ids)
    # as the plan writes it: 拐卖 is 拐賣 in the Traditional text
    assert units[0].gettarget("zh-Hant") == "拐賣"


def test_the_new_paths_are_in_the_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/plan", "/passages", "/overview", "/export/tmx", "/export/glossary.tbx"} <= set(paths)
    params = {p["name"] for p in paths["/agencies/{agency_id}/passages"]["get"]["parameters"]}
    assert {"role", "format"} <= params
