"""/ask per kind of question: is the kind read right, and does the answer do what that kind
needs? Obligations: the counts stated and every cited passage naming the agency in the asked
role; responsibility: a lead agency named; facts: the plan's own value; out of scope:
declined, without a clause presented as the answer; clauses: answered."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from index.language import BORDER_LANGUAGES
from service.answer import Answer, phrases
from service.engine import Engine
from service.facts import MONTHS
from service.intent import INTENTS
from service.usecases import ask

CORE_LANGUAGES = ("zh-Hans", "zh-Hant", "en")  # the languages the intent rules are written for
LANGUAGES = (*CORE_LANGUAGES, *BORDER_LANGUAGES)
CLAUSE_OPENINGS = ("Under the Action Plan", "根据《行动计划》", "根據《行動計劃》")


@dataclass(frozen=True)
class Outcome:
    kind: str
    lang: str
    split: str
    read: str  # the intent the service read
    answered: bool
    passed: bool  # the check that fits the kind
    answer_lang: str  # the language /ask answered in (its response's `lang`)


def fact_values(engine: Engine, fact: str, lang: str) -> list[str]:
    """What an answer about ``fact`` must contain, in the answer's language."""
    facts, book = engine.facts, phrases(lang)
    year, month, day = facts.date
    own = lang in facts.issuer
    date = book["date"].format(
        year=year, month=month, day=day, month_name=MONTHS.split()[month - 1]
    )
    return {
        "period": [str(facts.period[0]), str(facts.period[1])],
        "date": [date],
        "issuer": [facts.issuer[lang] if own else book["issuer_name"]],
        "document_number": [facts.document_number["zh-Hant" if lang == "zh-Hant" else "zh-Hans"]],
        "measure_count": [str(facts.measures)],
        "parts": [str(len(facts.parts))],
        "title": [str(facts.period[0])],
    }[fact]


def check(engine: Engine, question: dict, answer: Answer) -> bool:
    kind = question["kind"]
    if kind == "out_of_scope":
        return not answer.answered and not any(o in answer.text for o in CLAUSE_OPENINGS)
    if not answer.answered:
        return False
    if kind == "obligations":
        agency, role = question["agency"], question["role"]
        lead, coop = engine.roles.counts(agency)
        numbers = re.findall(r"\d+", answer.text)
        in_role = engine.roles.mask(agency, role)
        cited = [engine.searcher.by_id[c] for c in answer.citations]
        enough = len(cited) >= min(3, int(in_role.sum()))
        return (
            str(lead) in numbers
            and str(coop) in numbers
            and enough
            and all(in_role[i] for i in cited)
        )
    if kind == "responsibility":
        registry = {a.id: a for a in engine.agencies}
        names = [
            name
            for agency in question["lead"]
            for name in (registry[agency].zh_hans, registry[agency].zh_hant, registry[agency].en)
        ]
        return any(name in answer.text for name in names)
    if kind == "fact":
        return all(v in answer.text for v in fact_values(engine, question["fact"], answer.lang))
    return True  # clause: answered


def outcomes(engine: Engine, questions: list[dict]) -> list[Outcome]:
    out = []
    for q in questions:
        answer = ask(engine, q["text"]).answer
        passed = check(engine, q, answer)
        out.append(
            Outcome(
                q["kind"],
                q["lang"],
                q["split"],
                answer.intent,
                answer.answered,
                passed,
                answer.lang,
            )
        )
    return out


def answer_language_lines(results: list[Outcome]) -> tuple[list[str], dict]:
    """How often /ask answers in the question's own language (the response's `lang`), per
    language of the set; and per split, the share over the border languages together."""
    lines = [
        "## Answer language (/ask)",
        "",
        "The share of questions, every kind, that /ask answers in the question's own "
        "language (the response's `lang` equal to the language the set gives the question).",
        "",
        "| split | " + " | ".join(LANGUAGES) + " | border languages |",
        "|---|" + "---|" * (len(LANGUAGES) + 1),
    ]
    summary: dict = {}
    for split in ("dev", "test"):
        mine = [o for o in results if o.split == split]
        cells = []
        for lang in LANGUAGES:
            rows = [o for o in mine if o.lang == lang]
            cells.append(_rate(sum(o.answer_lang == lang for o in rows), len(rows)))
        border = [o for o in mine if o.lang in BORDER_LANGUAGES]
        own = sum(o.answer_lang == o.lang for o in border)
        cells.append(_rate(own, len(border)))
        summary[split] = own / max(len(border), 1)
        lines.append(f"| {split} | " + " | ".join(cells) + " |")
    return [*lines, ""], summary


def _rate(hits: int, n: int) -> str:
    return f"{hits / n:.3f} ({hits}/{n})" if n else "–"


def _summary(outcomes: list[Outcome]) -> dict[str, float]:
    out_of_scope = [o for o in outcomes if o.kind == "out_of_scope"]
    answerable = [o for o in outcomes if o.kind != "out_of_scope"]
    return {
        "declined": sum(not o.answered for o in out_of_scope) / max(len(out_of_scope), 1),
        "answered": sum(o.answered for o in answerable) / max(len(answerable), 1),
        **{
            kind: sum(o.passed for o in outcomes if o.kind == kind)
            / max(sum(o.kind == kind for o in outcomes), 1)
            for kind in INTENTS
        },
    }


def report_lines(results: list[Outcome]) -> tuple[list[str], dict]:
    """The per-kind tables of eval/REPORT.md and a summary for the acceptance checks."""
    lines = [
        "## Answers by kind of question (/ask)",
        "",
        "Each question of the set carries the kind of answer it needs (eval/data/README.md). "
        "**read**: the service read that kind; **check**: the answer does what the kind needs "
        "(obligations: both counts stated and every cited passage names the agency in the "
        "asked role, at least three where it has them; responsibility: a lead agency named; "
        "fact: the plan's value; out of scope: declined with no clause presented as the "
        "answer; clause: answered).",
        "",
    ]
    summary: dict = {}
    for split in ("dev", "test"):
        mine = [o for o in results if o.split == split]
        lines += [
            f"### {split} split",
            "",
            "| kind | n | read right | check | zh-Hans check | zh-Hant check | en check "
            "| border languages check |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for kind in INTENTS:
            rows = [o for o in mine if o.kind == kind]
            by_lang = [
                _rate(
                    sum(o.passed for o in rows if o.lang == lang), sum(o.lang == lang for o in rows)
                )
                for lang in ("zh-Hans", "zh-Hant", "en")
            ]
            border = [o for o in rows if o.lang in BORDER_LANGUAGES]
            by_lang.append(_rate(sum(o.passed for o in border), len(border)))
            lines.append(
                f"| {kind} | {len(rows)} | {_rate(sum(o.read == kind for o in rows), len(rows))} | "
                f"{_rate(sum(o.passed for o in rows), len(rows))} | " + " | ".join(by_lang) + " |"
            )
        confusion = Counter((o.kind, o.read) for o in mine if o.kind != o.read)
        if confusion:
            lines += [
                "",
                "Read as another kind: "
                + ", ".join(
                    f"{kind} → {read} ×{n}" for (kind, read), n in sorted(confusion.items())
                )
                + ".",
            ]
        summary[split] = {}
        for group, langs in (("zh/en", CORE_LANGUAGES), ("border", BORDER_LANGUAGES)):
            these = [o for o in mine if o.lang in langs]
            summary[split][group] = _summary(these)
            out_of_scope = [o for o in these if o.kind == "out_of_scope"]
            answerable = [o for o in these if o.kind != "out_of_scope"]
            declined = _rate(sum(not o.answered for o in out_of_scope), len(out_of_scope))
            answered = _rate(sum(o.answered for o in answerable), len(answerable))
            lines += [
                "",
                f"{group} questions: out of scope declined {declined}; answerable "
                f"answered {answered}.",
            ]
        lines.append("")
    return lines, summary
