"""Short extractive answers: the plan's own sentence, who leads, who cooperates, where.

Template-based on purpose: every word of substance comes from the plan (or the project's
translation of it); nothing is generated, so an answer can never say what the plan does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from corpus.models import AgencyRef, Passage
from index.search import Hit, SearchResult

NO_ANSWER = {
    "zh-Hans": "《行动计划》似乎没有涉及这个问题。下面是最接近的条款，仅供参考。",
    "zh-Hant": "《行動計劃》似乎沒有涉及這個問題。下面是最接近的條款，僅供參考。",
    "en": "The Action Plan does not seem to cover this question. "
    "The nearest clauses are shown below for reference.",
}
NOTICE = {
    "zh-Hans": "答案摘自《中国反对拐卖人口行动计划（2021—2030年）》原文；请以所引条款为准。",
    "zh-Hant": "答案摘自《中國反對拐賣人口行動計劃（2021—2030年）》原文；請以所引條款為準。",
    "en": "Built from the Action Plan's text; the English is the project's unofficial "
    "translation and the cited Chinese clauses are authoritative.",
}
SEE_ALSO_RATIO = 0.97  # a second clause nearly as close as the first is worth citing too


@dataclass(frozen=True)
class Answer:
    text: str
    lang: str
    answered: bool
    citations: list[str]
    hits: list[Hit]


def _names(agencies: list[AgencyRef], script: str) -> str:
    sep = ", " if script == "en" else "、"
    key = {"zh-Hans": "zh_hans", "zh-Hant": "zh_hant", "en": "en"}[script]
    return sep.join(getattr(a, key) for a in agencies)


def _sentence(hit: Hit, script: str) -> str:
    text = hit.passage.text.get(script)
    start, end = hit.highlights[script][0]
    return text[start:end].strip()


def responsibility(passage: Passage, script: str) -> str:
    """'Lead: A; cooperating: B.' in the answer's script; '' when the clause names none."""
    lead, coop = passage.lead_agencies, passage.cooperating_agencies
    if not lead:
        return ""
    if script == "en":
        out = f"Lead: {_names(lead, script)}"
        return out + (f"; cooperating: {_names(coop, script)}." if coop else ".")
    lead_word = "負責" if script == "zh-Hant" else "负责"
    out = f"由{_names(lead, script)}{lead_word}"
    return out + (f"，{_names(coop, script)}配合。" if coop else "。")


def _with_period(sentence: str, script: str) -> str:
    """End a clause cut from a list ('…;' or '…；') as a sentence of its own."""
    if script == "en":
        sentence = sentence.rstrip(";:, ")
        return sentence if sentence.endswith((".", "?", "!")) else sentence + "."
    sentence = sentence.rstrip("；：，、;:, ")
    return sentence if sentence.endswith(("。", "？", "！")) else sentence + "。"


def coverage(result: SearchResult) -> float:
    """How much closer the question is to the plan than to everyday off-topic questions."""
    return result.top_dense - result.top_background


@dataclass(frozen=True)
class NoAnswerRule:
    """When /ask says the plan does not cover a question: only when meaning and wording
    both fail to tie it to the plan. Long first-person stories in everyday words can sit
    as close to everyday questions as to any clause; the plan's own terms in them
    (上学, 打工, 出生证明 …) still show they are on topic."""

    min_coverage: float  # coverage() below this: the meaning is off topic
    keyword_evidence: float = math.inf  # best BM25 at or above this: the wording is on topic

    def covers(self, result: SearchResult) -> bool:
        return self.admits(coverage(result), result.top_keyword)

    def admits(self, coverage: float, keyword: float) -> bool:
        return coverage >= self.min_coverage or keyword >= self.keyword_evidence


def compose_answer(result: SearchResult, script: str, rule: NoAnswerRule) -> Answer:
    """One to three sentences from the best passages, or an honest 'not covered'."""
    hits = result.hits
    if not hits or not rule.covers(result):
        return Answer(NO_ANSWER[script], script, False, [], hits)
    best = hits[0]
    cite = best.passage.citation.get(script)
    sentence = _with_period(_sentence(best, script), script)
    if script == "en":
        parts = [f"Under the Action Plan, {cite}: {sentence}"]
    else:
        parts = [
            f"根据《行动计划》{cite}：{sentence}"
            if script == "zh-Hans"
            else f"根據《行動計劃》{cite}：{sentence}"
        ]
    duty = responsibility(best.passage, script)
    if duty:
        parts.append(duty)
    citations = [best.passage.id]
    if len(hits) > 1 and hits[1].score >= SEE_ALSO_RATIO * best.score:
        second = hits[1].passage
        citations.append(second.id)
        parts.append(
            f"See also {second.citation.en}."
            if script == "en"
            else f"另见{second.citation.get(script)}。"
            if script == "zh-Hans"
            else f"另見{second.citation.get(script)}。"
        )
    joiner = " " if script == "en" else ""
    return Answer(joiner.join(parts), script, True, citations, hits)
