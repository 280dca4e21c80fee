"""The border-language glossary matcher (index/border_glossary.py): pure functions over small
glossaries written here, and the shipped glossary checked against the whole plan."""

from __future__ import annotations

import unicodedata

import pytest

from corpus.build import load_passages
from index.border_glossary import (
    STYLES,
    BorderGlossary,
    Concept,
    check_border_glossary,
    fold,
    load_border_glossary,
    maximal,
    parse_border_glossary,
)
from index.language import BORDER_LANGUAGES


def glossary(*concepts: tuple[str, dict[str, list[str]]]) -> BorderGlossary:
    return parse_border_glossary(
        [{"en": en, "zh": "拐卖", "note": "test", "terms": terms} for en, terms in concepts]
    )


def english(g: BorderGlossary, text: str, lang: str) -> list[str]:
    return [c.en for c in g.match(text, lang)]


def test_every_border_language_has_a_way_of_matching():
    assert set(STYLES) == set(BORDER_LANGUAGES)


def test_fold_drops_spaces_only_where_the_script_does_not_separate_words():
    assert fold("ค้า  มนุษย์", "th") == "ค้ามนุษย์"
    assert fold("인신 매매", "ko") == "인신매매"
    assert fold("  Buôn   BÁN người ", "vi") == "buôn bán người"
    assert fold("Спасённым", "ru") == "спасенным"  # ё is written е as often as not


def test_fold_composes_decomposed_vietnamese():
    assert fold(unicodedata.normalize("NFD", "Nạn nhân"), "vi") == "nạn nhân"


def test_a_term_matches_across_the_spaces_a_thai_question_puts_in():
    g = glossary(("trafficking", {"th": ["ค้ามนุษย์"]}))
    assert english(g, "เหยื่อ ค้า มนุษย์ ได้รับความช่วยเหลือไหม", "th") == ["trafficking"]


def test_a_substring_never_ends_inside_a_syllable():
    g = glossary(("k", {"th": ["ก"]}))
    assert english(g, "กิน", "th") == []  # ก carries the vowel sign ิ here
    assert english(g, "กน", "th") == ["k"]


def test_korean_terms_match_with_particles_glued_on():
    g = glossary(("victims", {"ko": ["피해자"]}))
    assert english(g, "피해자를 도와주나요?", "ko") == ["victims"]


def test_vietnamese_terms_are_whole_syllables():
    g = glossary(("rescue", {"vi": ["cứu"]}), ("safe", {"vi": ["an"]}))
    assert english(g, "Ai cứu chị ấy?", "vi") == ["rescue"]
    assert english(g, "Ban ngành nào?", "vi") == []  # "an" inside "ban" is not the word


def test_russian_and_mongolian_terms_are_stems_of_each_word():
    g = glossary(
        ("trafficking in persons", {"ru": ["торговл людьми"], "mn": ["хүний наймаа"]}),
        ("victims", {"ru": ["жертв"], "mn": ["хохирогч"]}),
    )
    assert english(g, "Помогают ли жертвам торговли людьми?", "ru") == [
        "victims",
        "trafficking in persons",
    ]
    assert english(g, "Хүний наймааны хохирогчдод", "mn") == [
        "trafficking in persons",
        "victims",
    ]
    assert english(g, "безжертвенный", "ru") == []  # a stem starts a word


def test_the_longest_reading_wins_where_terms_nest():
    g = glossary(
        ("foreign victims", {"vi": ["người nước ngoài"]}),
        ("abroad", {"vi": ["nước ngoài"]}),
    )
    assert english(g, "Người nước ngoài bị bán vào đây", "vi") == ["foreign victims"]
    assert english(g, "Bị bán ra nước ngoài", "vi") == ["abroad"]


def test_overlapping_terms_that_do_not_nest_both_count():
    g = glossary(("coerced", {"vi": ["bị ép"]}), ("forced labour", {"vi": ["ép làm việc"]}))
    assert english(g, "Tôi bị ép làm việc", "vi") == ["coerced", "forced labour"]


def test_each_concept_once_in_the_order_the_question_names_them():
    g = glossary(("victims", {"ko": ["피해자"]}), ("rescue", {"ko": ["구출"]}))
    assert english(g, "구출된 피해자, 또 다른 피해자", "ko") == ["rescue", "victims"]
    assert g.english("구출된 피해자, 또 다른 피해자", "ko") == "rescue victims"


def test_a_language_without_terms_or_outside_the_border_ones_matches_nothing():
    g = glossary(("victims", {"ko": ["피해자"]}))
    assert g.match("피해자", "ru") == []
    assert g.match("victims", "en") == []


def test_maximal_keeps_spans_not_inside_a_longer_one():
    assert maximal([(0, 5, 0), (1, 3, 1), (4, 8, 2), (0, 5, 0)]) == [(0, 5, 0), (4, 8, 2)]


@pytest.fixture(scope="module")
def plan():
    return load_passages()


def test_the_check_names_wording_the_plan_never_uses(plan):
    bad = BorderGlossary([Concept("teleportation", "瞬移", "test", (("vi", ("x",)),))])
    problems = check_border_glossary(bad, plan)
    assert any("English never says 'teleport'" in p for p in problems)
    assert any("Chinese never says '瞬移'" in p for p in problems)


def test_the_check_names_a_term_that_means_two_things_and_a_foreign_language(plan):
    bad = parse_border_glossary(
        [
            {"en": "victims", "zh": "受害人", "note": "n", "terms": {"vi": ["nạn nhân"]}},
            {"en": "rescue", "zh": "解救", "note": "n", "terms": {"vi": ["Nạn  nhân"]}},
            {"en": "rescue", "zh": "解救", "note": " ", "terms": {"fr": ["sauver"]}},
        ]
    )
    problems = check_border_glossary(bad, plan)
    assert any("'Nạn  nhân' also means 'victims'" in p for p in problems)
    assert any("'fr' is not a border language" in p for p in problems)
    assert any("needs terms and a note" in p for p in problems)


def test_the_shipped_glossary_leads_only_to_the_plans_own_wording(plan):
    shipped = load_border_glossary()
    assert len(shipped.concepts) >= 30
    assert check_border_glossary(shipped, plan) == []
    for concept in shipped.concepts:  # every concept can be asked in every border language
        assert {lang for lang, terms in concept.terms if terms} == set(BORDER_LANGUAGES)


def test_the_shipped_glossary_tells_the_two_directions_apart():
    shipped = load_border_glossary()
    inbound = shipped.english("Người nước ngoài bị bán sang Trung Quốc", "vi")
    outbound = shipped.english("Công dân Trung Quốc bị bán ra nước ngoài", "vi")
    assert "foreign" in inbound and "Chinese nationality" not in inbound
    assert "Chinese nationality" in outbound and "abroad" in outbound
    assert "foreign" not in outbound
    # a foreign woman (phụ nữ nước ngoài) is not a woman abroad (nước ngoài)
    woman = shipped.english("Phụ nữ nước ngoài bị bán sang Trung Quốc", "vi")
    assert "foreign" in woman and "abroad" not in woman
    assert "abroad" in shipped.english("Её вывезли за пределы Китая", "ru")


def test_a_border_question_gets_the_plans_english_words_for_its_keyword_side(searcher):
    query = searcher.analyse("Nạn nhân có được trợ giúp pháp lý không?")
    assert query.lang == "vi"
    assert {"victim", "legal", "aid"} <= set(query.en_tokens)
    assert {"受害人", "法律援助"} <= set(query.zh_tokens)


def test_chinese_and_english_questions_keep_their_own_keyword_side(searcher):
    query = searcher.analyse("Do victims get legal aid?")
    assert query.en_tokens == tuple(searcher.analysis.query_en("Do victims get legal aid?"))
