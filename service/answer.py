"""Short extractive answers: the plan's own sentence, who leads, who cooperates, where.

Template-based on purpose: every word of substance comes from the plan (or the project's
translation of it); nothing is generated, so an answer can never say what the plan does not.
The templates are data, one phrasebook per answer language (service/phrases/*.json).
Questions in a language the plan has no text in (vi, my, lo, th, km, ko, ru, mn) get the
answer's own words in that language and the clause quoted in English (the project's
unofficial translation) with the Chinese original beside it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from corpus.models import SCRIPTS, Agency, AgencyRef
from index.roles import RoleFilter
from index.search import Hit, SearchResult
from service.facts import MONTHS, PlanFacts
from service.intent import Fact, Gap, Intent

PHRASES = Path(__file__).parent / "phrases"
SEE_ALSO_RATIO = 0.97  # a second clause nearly as close as the first is worth citing too
OBLIGATIONS_CITED = 3  # passages quoted in an obligations answer; the full list is linked
CLAUSE_ENDS = {"en": (".", "?", "!"), "zh": ("。", "？", "！")}


@cache
@cache
def phrases(lang: str) -> Mapping[str, str]:
    """The phrasebook of an answer language, read once (read only: it is shared)."""
    return MappingProxyType(json.loads((PHRASES / f"{lang}.json").read_text(encoding="utf-8")))


def answer_languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in PHRASES.glob("*.json")))


def text_script(lang: str) -> str:
    """The script the plan is quoted in for an answer language: its own, or English."""
    return lang if lang in SCRIPTS else "en"


NO_ANSWER = {lang: phrases(lang)["no_answer"] for lang in SCRIPTS}
NOTICE = {lang: phrases(lang)["notice"] for lang in SCRIPTS}


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
    quote: dict[str, str] | None = None  # the best clause in English and Chinese (other langs)


def _say(lang: str, key: str, **values: object) -> str:
    return phrases(lang)[key].format(**values)


def _join(lang: str, sentences: list[str]) -> str:
    return phrases(lang)["sentence_sep"].join(s for s in sentences if s)


def agency_name(agency: Agency | AgencyRef, lang: str) -> str:
    """The agency as the answer names it: its own script, or English with the Chinese."""
    if lang == "zh-Hans":
        return agency.zh_hans
    if lang == "zh-Hant":
        return agency.zh_hant
    if lang == "en":
        return agency.en if agency.en.lower().startswith("the ") else "the " + agency.en
    return f"{agency.en} ({agency.zh_hans})"


def _names(agencies: list[AgencyRef], lang: str) -> str:
    names = [agency_name(a, lang) for a in agencies]
    book = phrases(lang)
    if len(names) <= 1:
        return "".join(names)
    return book["list_sep"].join(names[:-1]) + book["list_and"] + names[-1]


def _sentence(hit: Hit, script: str) -> str:
    text = hit.passage.text.get(script)
    start, end = hit.highlights[script][0]
    return text[start:end].strip()


def _with_period(sentence: str, script: str) -> str:
    """End a clause cut from a list ('…;' or '…；') as a sentence of its own."""
    if script == "en":
        sentence = sentence.rstrip(";:, ")
        return sentence if sentence.endswith(CLAUSE_ENDS["en"]) else sentence + "."
    sentence = sentence.rstrip("；：，、;:, ")
    return sentence if sentence.endswith(CLAUSE_ENDS["zh"]) else sentence + "。"


def _excerpt(hit: Hit, script: str, limit: int = 80) -> str:
    sentence = _sentence(hit, script).rstrip("；;，,。.")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def _cite(hit: Hit, lang: str) -> str:
    return hit.passage.citation.get(text_script(lang))


def _quoted(hit: Hit, lang: str) -> tuple[str, dict[str, str] | None]:
    """The best sentence as the answer quotes it, and the English + Chinese quote for
    languages the plan has no text in."""
    script = text_script(lang)
    sentence = _with_period(_sentence(hit, script), script)
    if script == lang:
        return sentence, None
    chinese = _with_period(_sentence(hit, "zh-Hans"), "zh-Hans")
    book = phrases(lang)
    quoted = f"“{sentence}” {book['unofficial']} {book['original'].format(zh=chinese)}"
    return quoted, {"en": sentence, "zh-Hans": chinese}


def duty(hit: Hit, lang: str) -> str:
    """'Lead: A; cooperating: B.' in the answer's language; '' when the clause names none."""
    lead, coop = hit.passage.lead_agencies, hit.passage.cooperating_agencies
    if not lead:
        return ""
    if coop:
        return _say(lang, "duty_lead_cooperating", lead=_names(lead, lang), coop=_names(coop, lang))
    return _say(lang, "duty_lead", lead=_names(lead, lang))


RULE_SIDES = ("zh", "en", "intl")


def rule_side(lang: str) -> str:
    """No-answer thresholds are per side: Chinese, English, and the border languages, whose
    questions sit further from the plan's zh and en text (their keyword side is only what
    the border glossary reads into English, so the wording signal is off for them)."""
    if lang in ("zh-Hans", "zh-Hant", "mixed"):
        return "zh"
    return "en" if lang == "en" else "intl"


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


# -- what the plan says ----------------------------------------------------------------------
def compose_answer(result: SearchResult, lang: str, rule: NoAnswerRule) -> Answer:
    """One to three sentences from the best passages, or an honest 'not covered'."""
    hits = result.hits
    if not hits or not rule.covers(result):
        return decline("off_topic", result, lang, rule)
    best = hits[0]
    sentence, quote = _quoted(best, lang)
    parts = [_say(lang, "clause", cite=_cite(best, lang), sentence=sentence), duty(best, lang)]
    citations = [best.passage.id]
    if len(hits) > 1 and hits[1].score >= SEE_ALSO_RATIO * best.score:
        citations.append(hits[1].passage.id)
        parts.append(_say(lang, "see_also", cite=_cite(hits[1], lang)))
    return Answer(_join(lang, parts), lang, True, citations, hits, quote=quote)


# -- who is responsible ----------------------------------------------------------------------
def compose_responsibility(result: SearchResult, lang: str, rule: NoAnswerRule) -> Answer:
    """The lead (and cooperating) agencies of the best matching task that names any."""
    if not result.hits or not rule.covers(result):
        return decline("off_topic", result, lang, rule)
    tagged = [h for h in result.hits[:3] if h.passage.lead_agencies]
    if not tagged:
        return compose_answer(result, lang, rule)
    best = tagged[0]
    lead, coop = best.passage.lead_agencies, best.passage.cooperating_agencies
    who = (
        _say(lang, "led_by_with", lead=_names(lead, lang), coop=_names(coop, lang))
        if coop
        else _say(lang, "led_by", lead=_names(lead, lang))
    )
    sentence, quote = _quoted(best, lang)
    clause = _say(lang, "clause", cite=_cite(best, lang), sentence=sentence)
    text = _join(lang, [who, clause])
    return Answer(text, lang, True, [best.passage.id], result.hits, "responsibility", quote=quote)


# -- an agency's obligations -----------------------------------------------------------------
def compose_obligations(
    agency: Agency, role: RoleFilter, counts: tuple[int, int], hits: list[Hit], lang: str
) -> Answer:
    """How many passages the agency leads and cooperates on, in digits, and the ones most
    relevant to the question (all naming it in the asked role), with the full list linked."""
    lead, coop = counts
    cited = hits[:OBLIGATIONS_CITED]
    link = f"/agencies/{agency.id}/passages" + ("" if role == "any" else f"?role={role}")
    script = text_script(lang)
    items = [_say(lang, "item", cite=_cite(h, lang), excerpt=_excerpt(h, script)) for h in cited]
    name = agency_name(agency, lang)
    parts = [_say(lang, "obligations", agency=name, lead=lead, coop=coop)]
    if items:
        parts.append(_say(lang, f"relevant_{role}", items=phrases(lang)["item_sep"].join(items)))
    elif role != "any":
        parts.append(_say(lang, f"none_{role}"))
    parts.append(_say(lang, "all_of_them", link=link))
    return Answer(
        _join(lang, parts),
        lang,
        True,
        [h.passage.id for h in cited],
        hits,
        "obligations",
        full_list=link,
    )


# -- facts about the plan --------------------------------------------------------------------
def compose_fact(facts: PlanFacts, fact: Fact, lang: str) -> Answer:
    """The fact asked for first, then the plan in one sentence (and its structure if asked)."""
    book = phrases(lang)
    start, end = facts.period
    year, month, day = facts.date
    date = book["date"].format(
        year=year, month=month, day=day, month_name=MONTHS.split()[month - 1]
    )
    own = lang in SCRIPTS
    title = facts.title[lang] if own else book["plan_title"]
    issuer = facts.issuer[lang] if own else book["issuer_name"]
    number = facts.document_number["zh-Hans" if lang != "zh-Hant" else lang]
    values = {"start": start, "end": end, "date": date, "issuer": issuer, "number": number}
    first = book.get(f"fact_{fact}", "").format(**values)
    summary = book["fact_summary"].format(title=title, **values)
    if lang == "en" and not summary.startswith("China's"):
        summary = "The " + summary
    sentences = [first, summary]
    if fact in ("parts", "measure_count", "title"):
        parts = [p.title[text_script(lang)] for p in facts.parts]
        sentences.append(
            book["fact_structure"].format(
                n_parts=len(parts),
                parts=book["list_sep"].join(parts),
                areas=facts.areas,
                measures=facts.measures,
                bullets=facts.bullets,
                safeguards=facts.safeguards,
            )
        )
    return Answer(_join(lang, sentences), lang, True, [], [], "fact")


# -- not in the plan -------------------------------------------------------------------------
def decline(gap: Gap, result: SearchResult, lang: str, rule: NoAnswerRule) -> Answer:
    """Say plainly that the plan does not answer this; where the nearest clause is on topic,
    show it as related, never as the answer."""
    book = phrases(lang)
    if gap == "off_topic" or f"gap_{gap}" not in book:
        return Answer(book["no_answer"], lang, False, [], result.hits, "out_of_scope")
    parts = [book[f"gap_{gap}"]]
    related: tuple[str, ...] = ()
    if gap != "agency" and result.hits and rule.covers(result):  # no clause is that body's
        best = result.hits[0]
        script = text_script(lang)
        sentence = _with_period(_excerpt(best, script, limit=120), script)
        parts.append(book["related"].format(cite=_cite(best, lang), sentence=sentence))
        related = (best.passage.id,)
    return Answer(_join(lang, parts), lang, False, [], result.hits, "out_of_scope", related)
