"""Short extractive answers: the plan's own sentence, who leads, who cooperates, where.

Template-based on purpose: every word of substance comes from the plan (or the project's
translation of it); nothing is generated, so an answer can never say what the plan does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from corpus.models import Agency, AgencyRef, Passage
from index.roles import RoleFilter
from index.search import Hit, SearchResult
from service.facts import MONTHS, PlanFacts
from service.intent import Fact, Gap, Intent

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
    citations: list[str]  # the passages that answer, best first
    hits: list[Hit]
    intent: Intent = "clause"
    related: tuple[str, ...] = ()  # passages shown for reference, never as the answer
    full_list: str | None = None  # obligations: where the agency's whole list is


def _names(agencies: list[AgencyRef], script: str) -> str:
    key = {"zh-Hans": "zh_hans", "zh-Hant": "zh_hant", "en": "en"}[script]
    names = [getattr(a, key) for a in agencies]
    return "、".join(names) if script != "en" else ", ".join(names)


def _english_list(agencies: list[AgencyRef]) -> str:
    """'the Ministry of Public Security and the Ministry of Civil Affairs'."""
    names = [_the(a.en) for a in agencies]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _the(name: str) -> str:
    return name if name.lower().startswith("the ") else "the " + name


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
        return decline("off_topic", result, script, rule)
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


# -- who is responsible ----------------------------------------------------------------------
def compose_responsibility(result: SearchResult, script: str, rule: NoAnswerRule) -> Answer:
    """The lead (and cooperating) agencies of the best matching task that names any."""
    if not result.hits or not rule.covers(result):
        return decline("off_topic", result, script, rule)
    tagged = [h for h in result.hits[:3] if h.passage.lead_agencies]
    if not tagged:
        return compose_answer(result, script, rule)
    best = tagged[0]
    passage, cite = best.passage, best.passage.citation.get(script)
    lead, coop = _names(passage.lead_agencies, script), _names(passage.cooperating_agencies, script)
    sentence = _with_period(_sentence(best, script), script)
    if script == "en":
        lead, coop = (
            _english_list(passage.lead_agencies),
            _english_list(passage.cooperating_agencies) if coop else "",
        )
        verb = "leads" if len(passage.lead_agencies) == 1 else "lead"
        text = f"{lead[0].upper()}{lead[1:]} {verb} this"
        text += (f", with {coop} cooperating" if coop else "") + "."
        text += f" Under the Action Plan, {cite}: {sentence}"
    elif script == "zh-Hans":
        text = f"这项工作由{lead}牵头负责" + (f"，{coop}配合" if coop else "") + "。"
        text += f"根据《行动计划》{cite}：{sentence}"
    else:
        text = f"這項工作由{lead}牽頭負責" + (f"，{coop}配合" if coop else "") + "。"
        text += f"根據《行動計劃》{cite}：{sentence}"
    return Answer(text, script, True, [passage.id], result.hits, "responsibility")


# -- an agency's obligations -----------------------------------------------------------------
OBLIGATIONS_CITED = 3  # passages quoted in the answer; the full list is linked


def _excerpt(hit: Hit, script: str, limit: int = 80) -> str:
    sentence = _sentence(hit, script).rstrip("；;，,。.")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def _agency_name(agency: Agency, script: str) -> str:
    return {"zh-Hans": agency.zh_hans, "zh-Hant": agency.zh_hant, "en": agency.en}[script]


def compose_obligations(
    agency: Agency,
    role: RoleFilter,
    counts: tuple[int, int],
    hits: list[Hit],
    script: str,
) -> Answer:
    """How many passages the agency leads and cooperates on, in digits, and the ones most
    relevant to the question (all naming it in the asked role), with the full list linked."""
    lead, coop = counts
    name = _agency_name(agency, script)
    cited = hits[:OBLIGATIONS_CITED]
    link = f"/agencies/{agency.id}/passages" + ("" if role == "any" else f"?role={role}")
    items = [f"{h.passage.citation.get(script)}: {_excerpt(h, script)}" for h in cited]
    if script == "en":
        text = (
            f"Under the Action Plan, {_the(name)} leads {lead} passages and cooperates on {coop}."
        )
        asked = {"lead": "it leads", "cooperating": "it cooperates on", "any": ""}[role]
        if items:
            head = f"Most relevant of those {asked}" if asked else "Most relevant"
            text += f" {head}: " + "; ".join(items) + "."
        elif role != "any":
            text += f" There are none that {asked.removeprefix('it ')}."
        text += f" All of them: {link}"
    else:
        hant = script == "zh-Hant"
        lead_word, coop_word = ("牽頭負責", "配合") if hant else ("牵头负责", "配合")
        opening = "根據《行動計劃》" if hant else "根据《行动计划》"
        text = f"{opening}，{name}{lead_word}{lead}項、{coop_word}{coop}項工作。"
        if not hant:
            text = text.replace("項", "项")
        asked = {"lead": lead_word, "cooperating": coop_word, "any": ""}[role]
        relevant = "與問題最相關的" if hant else "与问题最相关的"
        if items:
            head = f"其中{asked}的、{relevant}" if asked else relevant
            text += f"{head}：" + "；".join(i.replace(": ", "：") for i in items) + "。"
        elif role != "any":
            text += f"沒有{asked}的條款。" if hant else f"没有{asked}的条款。"
        text += "完整列表：" + link
    return Answer(
        text, script, True, [h.passage.id for h in cited], hits, "obligations", full_list=link
    )


# -- facts about the plan --------------------------------------------------------------------
def _date(facts: PlanFacts, script: str) -> str:
    year, month, day = facts.date
    if script == "en":
        return f"{day} {MONTHS.split()[month - 1]} {year}"
    return f"{year}年{month}月{day}日"


def compose_fact(facts: PlanFacts, fact: Fact, script: str) -> Answer:
    """The fact asked for first, then the plan in one sentence (and its structure if asked)."""
    start, end = facts.period
    title, issuer, number = facts.title[script], facts.issuer[script], facts.document_number[script]
    date = _date(facts, script)
    parts = [p.title[script] for p in facts.parts]
    if script == "en":
        lead = {
            "period": f"The Action Plan runs from {start} to {end}.",
            "date": f"The Action Plan was issued on {date}.",
            "issuer": f"The Action Plan was issued by {issuer}, with the State Council's approval.",
            "document_number": f"The Action Plan's document number is {number}.",
        }.get(fact, "")
        named = title if title.startswith("China's") else "The " + title
        summary = (
            f"{named} was issued by {issuer} on {date} (document {number}) and covers "
            f"{start}–{end}."
        )
        structure = (
            f"It has {len(parts)} parts ({'; '.join(parts)}); Part II sets out {facts.areas} "
            f"areas of work with {facts.measures} numbered measures and {facts.bullets} specific "
            f"tasks, and Part III {facts.safeguards} safeguard measures."
        )
    else:
        hant = script == "zh-Hant"
        plan = "《行動計劃》" if hant else "《行动计划》"
        lead = {
            "period": f"{plan}的實施期為{start}—{end}年。"
            if hant
            else f"{plan}的实施期为{start}—{end}年。",
            "date": f"{plan}於{date}印發。" if hant else f"{plan}于{date}印发。",
            "issuer": f"{plan}由{issuer}印發，經國務院同意。"
            if hant
            else f"{plan}由{issuer}印发，经国务院同意。",
            "document_number": f"{plan}的文號是{number}。" if hant else f"{plan}的文号是{number}。",
        }.get(fact, "")
        summary = (
            f"《{title}》由{issuer}於{date}印發（{number}），實施期為{start}—{end}年。"
            if hant
            else f"《{title}》由{issuer}于{date}印发（{number}），实施期为{start}—{end}年。"
        )
        structure = (
            f"全文分為{len(parts)}個部分：{'、'.join(parts)}；第二部分分{facts.areas}個方面，"
            f"共{facts.measures}項行動措施、{facts.bullets}項具體任務；第三部分有{facts.safeguards}項保障措施。"
            if hant
            else f"全文分为{len(parts)}个部分：{'、'.join(parts)}；第二部分分{facts.areas}个方面，"
            f"共{facts.measures}项行动措施、{facts.bullets}项具体任务；第三部分有{facts.safeguards}项保障措施。"
        )
    sentences = [lead, summary] if lead else [summary]
    if fact in ("parts", "measure_count", "title"):
        sentences.append(structure)
    joiner = " " if script == "en" else ""
    return Answer(joiner.join(sentences), script, True, [], [], "fact")


# -- not in the plan -------------------------------------------------------------------------
GAPS: dict[str, dict[str, str]] = {
    "sentence": {
        "zh-Hans": "《行动计划》没有规定具体的刑期或刑罚。",
        "zh-Hant": "《行動計劃》沒有規定具體的刑期或刑罰。",
        "en": "The Action Plan does not set prison sentences or other penalties.",
    },
    "contact": {
        "zh-Hans": "《行动计划》没有列出电话号码、热线或其他联系方式。",
        "zh-Hant": "《行動計劃》沒有列出電話號碼、熱線或其他聯絡方式。",
        "en": "The Action Plan does not list phone numbers, hotlines or other contact details.",
    },
    "amount": {
        "zh-Hans": "《行动计划》没有规定具体金额（赔偿、罚款、费用或经费的数额）。",
        "zh-Hant": "《行動計劃》沒有規定具體金額（賠償、罰款、費用或經費的數額）。",
        "en": "The Action Plan states no amounts of money (compensation, fines, fees or budgets).",
    },
    "statistic": {
        "zh-Hans": "《行动计划》不含统计数字（例如案件数或受害人数）。",
        "zh-Hant": "《行動計劃》不含統計數字（例如案件數或受害人數）。",
        "en": "The Action Plan contains no statistics (such as numbers of cases or victims).",
    },
    "year": {
        "zh-Hans": "《行动计划》只就2021—2030年整体作出部署，没有其他年份的内容或分年度的数字。",
        "zh-Hant": "《行動計劃》只就2021—2030年整體作出部署，沒有其他年份的內容或分年度的數字。",
        "en": "The Action Plan covers 2021–2030 as a whole; it says nothing about other years "
        "and sets no figures for particular years.",
    },
    "jurisdiction": {
        "zh-Hans": "《行动计划》是中国的国家行动计划，"
        "不涉及其他国家或地区（如香港、澳门、台湾）的法律。",
        "zh-Hant": "《行動計劃》是中國的國家行動計劃，"
        "不涉及其他國家或地區（如香港、澳門、台灣）的法律。",
        "en": "The Action Plan is China's national plan; it does not describe the law of other "
        "countries or regions (such as Hong Kong, Macao or Taiwan).",
    },
    "document": {
        "zh-Hans": "《行动计划》不引述其他文件或法律条文的内容"
        "（如以往的行动计划、刑法条文、国际公约原文）。",
        "zh-Hant": "《行動計劃》不引述其他文件或法律條文的內容"
        "（如以往的行動計劃、刑法條文、國際公約原文）。",
        "en": "The Action Plan does not reproduce other documents or legal provisions (earlier "
        "plans, articles of the Criminal Law, the text of international conventions).",
    },
    "procedure": {
        "zh-Hans": "《行动计划》没有规定这项具体程序或办理时限。",
        "zh-Hant": "《行動計劃》沒有規定這項具體程序或辦理時限。",
        "en": "The Action Plan does not set out this procedure or its time limits.",
    },
}
RELATED = {
    "zh-Hans": "相关的内容见{cite}：{sentence}（仅供参考，并非对这个问题的回答。）",
    "zh-Hant": "相關的內容見{cite}：{sentence}（僅供參考，並非對這個問題的回答。）",
    "en": "Related, for reference only ({cite}): {sentence}",
}


def decline(gap: Gap, result: SearchResult, script: str, rule: NoAnswerRule) -> Answer:
    """Say plainly that the plan does not answer this; where the nearest clause is on topic,
    show it as related, never as the answer."""
    if gap == "off_topic" or gap not in GAPS:
        return Answer(NO_ANSWER[script], script, False, [], result.hits, "out_of_scope")
    text = GAPS[gap][script]
    related: tuple[str, ...] = ()
    if result.hits and rule.covers(result):
        best = result.hits[0]
        sentence = _with_period(_excerpt(best, script, limit=120), script)
        cite = best.passage.citation.get(script)
        text += (" " if script == "en" else "") + RELATED[script].format(
            cite=cite, sentence=sentence
        )
        related = (best.passage.id,)
    return Answer(text, script, False, [], result.hits, "out_of_scope", related)
