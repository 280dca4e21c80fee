"""The published zh-Hant is faithful Traditional: reviewed corrections, an s2tw check with
listed exemptions, agency tags spelt as the registry spells them; zh-Hans unchanged."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import opencc
import pytest

from corpus.build import SOURCE_DIR, BuildError, assemble
from corpus.clean import CleaningError, load_corrections
from corpus.parse import parse
from corpus.scripts import simplified_leftovers, to_simplified

DATA = Path(__file__).resolve().parents[1] / "corpus" / "data"
SYNTHETIC = Path(__file__).parent / "fixtures" / "synthetic_plan"
CORRECTIONS = SOURCE_DIR / "zh-Hant-corrections.json"


@pytest.fixture(scope="module")
def corpus():
    return assemble(SOURCE_DIR)


def _s2tw_changes(text: str) -> list[tuple[int, str, str]]:
    converted = opencc.OpenCC("s2tw").convert(text)
    assert len(converted) == len(text)
    return [(i, a, b) for i, (a, b) in enumerate(zip(text, converted, strict=True)) if a != b]


def test_s2tw_changes_nothing_in_the_published_plan_but_the_exemptions():
    text = (DATA / "plan.zh-Hant.txt").read_text(encoding="utf-8")
    _, exemptions = load_corrections(CORRECTIONS)
    changed = _s2tw_changes(text)
    covered = {
        i
        for e in exemptions
        for m in re.finditer(re.escape(e.span), text)
        for i in range(m.start(), m.end())
    }
    assert changed, "the exemptions are real: s2tw does rewrite 了解"
    assert [c for c in changed if c[0] not in covered] == []
    assert {e.span for e in exemptions} == {"了解", "機制作用", "機制成員"}


def test_every_published_zh_hant_string_passes_the_check(corpus):
    _, exemptions = load_corrections(CORRECTIONS)
    spans = [e.span for e in exemptions]
    for p in corpus.passages:
        strings = [p.text.zh_hant, p.citation.zh_hant, *(s.title.zh_hant for s in p.path)]
        strings += [a.zh_hant for a in p.lead_agencies + p.cooperating_agencies]
        for text in strings:
            assert simplified_leftovers(text, spans) == [], (p.id, text)
    for a in corpus.agencies:
        assert simplified_leftovers(a.zh_hant) == [], a.id


def test_the_issue_examples_read_as_traditional(corpus):
    text = corpus.clean_text
    for simplified_form in ["并", "規范", "防范", "范疇", "采取", "采集", "意愿", "志愿"]:
        assert simplified_form not in text, simplified_form
    for simplified_form in ["關于", "干部", "落后", "征收", "征用", "復制", "日志", "旅游"]:
        assert simplified_form not in text, simplified_form
    assert text.count("並") == 16 and text.count("規範") == 8 and "範疇" in text
    for traditional in ["採取", "採集", "意願", "志願者", "關於", "幹部", "落後", "徵收"]:
        assert traditional in text, traditional
    assert "製作、複製" in text and "營業日誌" in text
    assert "了解" in text  # listed exemption: correct Traditional that s2tw would rewrite


def test_agency_tags_in_the_plan_agree_with_the_registry(corpus):
    registry = {a.zh_hant for a in corpus.agencies}
    tagged = set()
    for node in parse(corpus.clean_text):
        tagged.update(node.tag.lead + node.tag.cooperating)
    assert tagged <= registry, tagged - registry
    assert "文化和旅遊部" in tagged and "文化和旅游部" not in corpus.clean_text


def test_zh_hans_is_unchanged_mainland_simplified(corpus):
    hans = (DATA / "plan.zh-Hans.txt").read_text(encoding="utf-8")
    assert hans == to_simplified(corpus.clean_text)
    assert hans.count("并") == 16 and "规范" in hans and "文化和旅游部" in hans
    assert "並" not in hans and "規範" not in hans


def test_every_correction_has_a_reason_and_changes_the_text():
    corrections, exemptions = load_corrections(CORRECTIONS)
    for c in [*corrections, *exemptions]:
        assert c.reason.strip() and c.count >= 1, c
    for c in corrections:
        assert c.span != c.correction and len(c.span) == len(c.correction), c
        assert to_simplified(c.span) == to_simplified(c.correction), c  # zh-Hans stays


# -- the check fails the build --------------------------------------------------------


def _synthetic(tmp_path: Path, plan: str | None = None, corrections: dict | None = None) -> Path:
    src = tmp_path / "src"
    shutil.copytree(SYNTHETIC, src)
    if plan is not None:
        (src / "plan.zh-Hant.txt").write_text(plan, encoding="utf-8")
    if corrections is not None:
        (src / "zh-Hant-corrections.json").write_text(json.dumps(corrections), encoding="utf-8")
    return src


def _plan_with(body: str) -> str:
    """The synthetic plan with one more guarantee section, 加強宣傳。<body>."""
    return (SYNTHETIC / "plan.zh-Hant.txt").read_text(
        encoding="utf-8"
    ) + f"（三）加強宣傳。{body}\n"


def _translate_new_section(src: Path, body: str) -> None:
    rows = [("title:3.3", "加強宣傳", "Publicity"), ("3.3", body, "Publicity work.")]
    with (src / "translation.en.jsonl").open("a", encoding="utf-8") as handle:
        for key, zh, en in rows:
            row = {"id": key, "zh-Hans": to_simplified(zh), "en": en}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def test_a_simplified_form_fails_the_build_naming_line_and_column(tmp_path):
    src = _synthetic(tmp_path, _plan_with("采取措施并規范管理。"))
    with pytest.raises(BuildError, match=r"line \d+, column \d+: 采 -> 採") as error:
        assemble(src)
    assert "并 -> 並" in str(error.value) and "范 -> 範" in str(error.value)


def test_a_reviewed_correction_or_exemption_lets_it_build(tmp_path):
    plan = _plan_with("采取措施，了解情況。")
    fixes = {
        "corrections": [{"span": "采取", "correction": "採取", "count": 1, "reason": "r"}],
        "s2tw_exceptions": [{"span": "了解", "count": 1, "reason": "r"}],
    }
    src = _synthetic(tmp_path, plan, fixes)
    _translate_new_section(src, "採取措施，了解情況。")
    corpus = assemble(src)
    assert "採取措施，了解情況" in corpus.clean_text
    assert corpus.passages[-1].text.zh_hans == "采取措施，了解情况。"
    fixes["s2tw_exceptions"] = []
    src = _synthetic(tmp_path / "b", plan, fixes)
    _translate_new_section(src, "採取措施，了解情況。")
    with pytest.raises(BuildError, match="了 -> 瞭"):
        assemble(src)


def test_a_stale_correction_count_is_an_error(tmp_path):
    plan = _plan_with("采取措施。")
    fixes = {
        "corrections": [{"span": "采取", "correction": "採取", "count": 2, "reason": "r"}],
        "s2tw_exceptions": [],
    }
    with pytest.raises(CleaningError, match="reviewed for 2 places, found 1"):
        assemble(_synthetic(tmp_path, plan, fixes))


def test_an_agency_tag_spelt_otherwise_than_the_registry_is_named(tmp_path):
    plan = (SYNTHETIC / "plan.zh-Hant.txt").read_text(encoding="utf-8")
    src = _synthetic(tmp_path, plan.replace("(省教育廳負責,", "(省教育厅負責,"))
    with pytest.raises(
        BuildError, match="agency tag '省教育厅' is spelt '省教育廳' in the registry"
    ):
        assemble(src)
