"""Questions from across the border rank the clause of their direction first (real model and
index): foreign victims trafficked into China (2.6.2.6) vs Chinese citizens trafficked abroad
(2.6.2.5), leniency for victims coerced into crime (2.2.2.2.6) vs heavier punishment
(2.2.2.2.2). The questions are written for these tests, not taken from the eval set or from
the search aids (corpus/source/questions.jsonl)."""

import pytest

from index.artifacts import VIEW_KINDS


@pytest.fixture(scope="module")
def searcher(engine):
    return engine.searcher


def ranked(searcher, question: str, lang: str) -> list[str]:
    result = searcher.search(question, k=10)
    assert result.query.lang == lang
    return [h.passage.id for h in result.hits]


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        (
            "Chị tôi là người Việt bị đưa sang Trung Quốc bán, khi được tìm thấy chị ấy có "
            "được đưa về Việt Nam an toàn không?",
            "vi",
        ),
        ("중국으로 팔려 간 베트남 여성이 발견되면 고향으로 안전하게 돌려보내 주나요?", "ko"),
    ],
)
def test_foreign_victims_return_home_ranks_the_inbound_clause_first(searcher, question, lang):
    assert ranked(searcher, question, lang)[0] == "2.6.2.6"


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        (
            "Người Trung Quốc bị bán sang Lào có được chính phủ Trung Quốc giải cứu và đón về "
            "không?",
            "vi",
        ),
        ("외국으로 팔려 간 중국인 여성은 중국 정부가 구해서 데려오나요?", "ko"),
    ],
)
def test_chinese_citizens_abroad_rank_the_outbound_clause_first(searcher, question, lang):
    hits = ranked(searcher, question, lang)
    assert hits[0] == "2.6.2.5" and "2.6.2.6" in hits[1:]


def test_a_victim_forced_into_crime_ranks_leniency_above_punishment(searcher):
    hits = ranked(
        searcher, "Em gái tôi bị bọn buôn người ép bán ma túy, em ấy có bị xử tội nặng không?", "vi"
    )
    assert hits[0] == "2.2.2.2.6"
    assert "2.2.2.2.2" not in hits or hits.index("2.2.2.2.2") > 0


def test_the_border_views_are_what_turns_the_outbound_question_around(searcher):
    question = "외국으로 팔려 간 중국인 여성은 중국 정부가 구해서 데려오나요?"
    without = [h.passage.id for h in searcher.search(question, k=3, intl_weight=0.0).hits]
    assert without[0] != "2.6.2.5"  # the zh/en views alone put the other direction first
    assert ranked(searcher, question, "ko")[0] == "2.6.2.5"


@pytest.mark.parametrize(
    "question", ["外国被拐卖妇女怎么遣返回国？", "How are foreign victims sent home?"]
)
def test_chinese_and_english_questions_never_meet_the_border_views(searcher, question):
    shipped = searcher.search(question, k=10)
    without = searcher.search(
        question, k=10, view_kinds=tuple(k for k in VIEW_KINDS if k != "ask-intl")
    )
    assert [(h.passage.id, h.score) for h in shipped.hits] == [
        (h.passage.id, h.score) for h in without.hits
    ]
