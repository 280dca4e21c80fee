"""Query-side text tools: pure functions, checked with examples and properties."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from corpus.clean import find_suspects, strip_pinyin, to_fullwidth
from index.text import (
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
