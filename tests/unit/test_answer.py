"""Extractive answers: the plan's sentence, who leads, the honest decline."""

import math

import pytest

from index.search import SearchResult
from service.answer import NO_ANSWER, NoAnswerRule, compose_answer, coverage, duty

ANSWER_ALL = NoAnswerRule(-math.inf)
DECLINE_ALL = NoAnswerRule(math.inf)


def test_coverage_is_dense_minus_background(searcher):
    result = searcher.search("打击拐卖妇女儿童犯罪", k=3)
    assert coverage(result) == pytest.approx(result.top_dense - result.top_background)


def test_rule_admits_on_meaning_or_on_wording():
    rule = NoAnswerRule(0.1, keyword_evidence=5.0)
    assert rule.admits(0.2, 0.0)
    assert rule.admits(0.0, 6.0)
    assert not rule.admits(0.0, 4.0)


@pytest.mark.parametrize(
    ("script", "opening"),
    [
        ("zh-Hans", "根据《行动计划》"),
        ("zh-Hant", "根據《行動計劃》"),
        ("en", "Under the Action Plan, "),
    ],
)
def test_answer_quotes_the_best_passage_in_the_script(searcher, script, opening):
    result = searcher.search("预防拐卖 宣传教育", k=5)
    answer = compose_answer(result, script, ANSWER_ALL)
    best = result.hits[0].passage
    assert answer.answered and answer.lang == script
    assert answer.text.startswith(opening + best.citation.get(script))
    assert answer.citations[0] == best.id


def test_declined_answer_cites_nothing(searcher):
    result = searcher.search("明天天气怎么样", k=5)
    for script in ("zh-Hans", "zh-Hant", "en"):
        answer = compose_answer(result, script, DECLINE_ALL)
        assert not answer.answered and answer.citations == []
        assert answer.text == NO_ANSWER[script]
        assert "根据《行动计划》" not in answer.text and "Under the Action Plan" not in answer.text


def test_no_hits_is_a_decline(searcher):
    result = searcher.search("预防", k=5)
    empty = SearchResult(result.query, result.mode, [])
    assert not compose_answer(empty, "zh-Hans", ANSWER_ALL).answered


def test_duty_names_lead_then_cooperating(searcher):
    hit = next(
        h
        for h in searcher.search("工作", k=24).hits
        if h.passage.lead_agencies and h.passage.cooperating_agencies
    )
    zh = duty(hit, "zh-Hans")
    assert zh.startswith("由" + hit.passage.lead_agencies[0].zh_hans) and zh.endswith("配合。")
    en = duty(hit, "en")
    assert en.startswith("Lead: the " + hit.passage.lead_agencies[0].en)
    assert "; cooperating: " in en


def test_duty_is_empty_without_a_lead(searcher):
    hit = next(h for h in searcher.search("工作", k=24).hits if not h.passage.lead_agencies)
    assert duty(hit, "en") == ""
