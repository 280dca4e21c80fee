"""Query-side text tools: pure functions, checked with examples and properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.clean import find_suspects, strip_pinyin, to_fullwidth
from corpus.synonyms import load_synonyms
from index.text import (
    ANALYSIS,
    Analysis,
    answer_language,
    detect_script,
    normalize,
    sentence_spans,
    tokenize_en,
    tokenize_zh,
)


def test_detect_script():
    assert detect_script("医护人员发现疑似拐卖怎么办") == "zh-Hans"
    assert detect_script("醫護人員發現疑似拐賣怎麼辦") == "zh-Hant"
    assert detect_script("what should a nurse do") == "en"
    assert detect_script("what does the plan say about the 团圆 system for children") == "mixed"
    assert answer_language("what does the plan say about the 團圓 system for kids") == "zh-Hant"


def test_normalize_folds_width_and_controls():
    assert normalize("ＤＮＡ\x00  数据库\u200b") == "DNA 数据库"


def test_keyword_tokens_are_script_independent():
    assert tokenize_zh("拐賣兒童") == tokenize_zh("拐卖儿童")
    assert "拐卖" in tokenize_zh("拐賣兒童")


def test_english_tokens_are_stemmed_and_stopped():
    assert tokenize_en("The trafficked children") == ["traffick", "children"]


def test_sentence_spans_cover_the_sentences():
    text = "第一句。第二句；第三句"
    assert [text[s:e] for s, e in sentence_spans(text, "zh-Hans")] == [
        "第一句。",
        "第二句；",
        "第三句",
    ]
    en = "One sentence. Two sentences here."
    assert [en[s:e] for s, e in sentence_spans(en, "en")] == [
        "One sentence.",
        "Two sentences here.",
    ]


@given(st.text(max_size=300))
def test_normalize_is_idempotent_and_never_raises(text):
    once = normalize(text)
    assert normalize(once) == once
    detect_script(text)
    tokenize_zh(text)
    tokenize_en(text)


@given(st.text(max_size=200))
def test_sentence_spans_are_in_bounds_and_ordered(text):
    for script in ("zh-Hans", "en"):
        spans = sentence_spans(text, script)
        assert spans
        assert all(0 <= s <= e <= len(text) for s, e in spans)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


@given(st.text(alphabet=st.characters(categories=["Lo"], max_codepoint=0x9FFF), max_size=80))
def test_cleaning_keeps_plain_chinese_unchanged(text):
    assert strip_pinyin(text) == text
    assert to_fullwidth(text) == text


@given(
    st.text(alphabet="國務院機關學校", min_size=1, max_size=20),
    st.sampled_from(["(wù)", "(guān)", "(xué)", "(jī)"]),
)
def test_pinyin_after_a_character_is_always_removed(chinese, reading):
    annotated = chinese[0] + reading + chinese[1:]
    assert strip_pinyin(annotated) == chinese
    assert find_suspects(to_fullwidth(strip_pinyin(annotated))) == []


def test_digits_alone_are_read_as_english():
    assert detect_script("12345") == "en"


def test_sentence_spans_of_text_without_a_stop_is_the_whole():
    assert sentence_spans("没有句号", "zh-Hans") == [(0, 4)]


def test_single_characters_back_up_the_words():
    assert "拐" in tokenize_zh("拐卖")


def test_english_is_stemmed_by_snowball():
    tokens = tokenize_en("trafficking traffickers counselling villages villagers")
    assert tokens == ["traffick", "traffick", "counsel", "villag", "villag"]


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("labour", "labor"),
        ("organisation", "organization"),
        ("counselling", "counseling"),
        ("programmes", "programs"),
        ("neighbouring", "neighboring"),
        ("traumatised", "traumatized"),
        ("paediatrician", "pediatrician"),
        ("defence", "defense"),
    ],
)
def test_british_and_american_spellings_are_one_token(british, american):
    assert tokenize_en(british) == tokenize_en(american)
    as_typed = Analysis(stem=False, spelling=False)
    assert as_typed.en(british) != as_typed.en(american)


def test_curly_apostrophes_and_hyphens():
    assert tokenize_en("women’s") == tokenize_en("women's") == tokenize_en("womens")
    assert tokenize_en("anti-trafficking") == ["anti", "traffick"]


@pytest.mark.parametrize(
    ("typed", "plan"),
    [
        ("Who finds kidnapped children?", "trafficking"),
        ("a child was abducted", "trafficking"),
        ("men who purchase a wife", "buying"),
        ("he bought a bride", "buying"),
        ("the neighborhood committee", "residents' committees"),
        ("can survivors get help", "victims"),
        ("do NGOs get support", "non-governmental organisations"),
        ("who gives me a hukou", "household registration"),
    ],
)
def test_english_synonyms_add_the_plans_wording_to_a_question(typed, plan):
    added = set(ANALYSIS.query_en(typed)) - set(ANALYSIS.en(typed))
    assert set(ANALYSIS.en(plan)) <= set(ANALYSIS.en(typed)) | added
    assert added and not set(Analysis(synonyms=False).query_en(typed)) - set(ANALYSIS.en(typed))


@pytest.mark.parametrize(
    ("typed", "plan"),
    [
        ("村委会发现被拐妇女", "村（居）委会"),
        ("人贩子被抓", "拐卖"),
        ("买媳妇犯法吗", "收买"),
        ("孩子丢了找谁", "失踪"),
        ("人口販運防制", "拐卖人口"),  # Taiwan's term, typed in Traditional
        ("檢舉人口販子有獎金嗎", "举报"),
    ],
)
def test_chinese_synonyms_add_the_plans_wording_to_a_question(typed, plan):
    assert set(tokenize_zh(plan)) <= set(ANALYSIS.query_zh(typed))
    assert not set(tokenize_zh(plan)) <= set(ANALYSIS.zh(typed))


def test_synonyms_are_for_questions_only_and_never_add_twice():
    text = "kidnapping and trafficking of kidnapped kids"
    assert ANALYSIS.en(text) == tokenize_en(text)  # the index side has no synonyms
    query = ANALYSIS.query_en(text)
    assert query.count("traffick") == 1 and query.count("children") == 1


def test_every_synonym_has_a_reason_and_plan_wording():
    synonyms = load_synonyms()
    assert {s.lang for s in synonyms} == {"en", "zh"}
    assert all(s.reason.strip() and s.typed and s.plan for s in synonyms)


def test_the_stemmer_is_safe_across_threads():
    from concurrent.futures import ThreadPoolExecutor

    words = ["trafficking", "organisations", "counselling", "villagers"] * 200
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(tokenize_en, words))
    assert results == [tokenize_en(w) for w in words]
