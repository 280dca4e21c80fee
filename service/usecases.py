"""One function per thing a user asks of the service; the HTTP routes and the CLI both call
these and only parse input and render output around them."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.models import Agency, Kind, Passage, Role
from index.language import BORDER_LANGUAGES
from index.roles import RoleFilter
from index.search import Filters, Lang, Mode, QueryAnalysis, SearchResult
from index.text import answer_language
from service import intent
from service.answer import (
    Answer,
    compose_answer,
    compose_fact,
    compose_obligations,
    compose_responsibility,
    decline,
    phrases,
    text_script,
)
from service.engine import Engine


class UnknownAgencyError(LookupError):
    """A name that resolves to no agency of the registry."""

    def __init__(self, name: str, engine: Engine) -> None:
        ids = ", ".join(a.id for a in engine.agencies)
        super().__init__(
            f"unknown agency {name[:80]!r}; use an id, a Chinese or English name: {ids}"
        )


def resolve_agency(engine: Engine, name: str) -> Agency:
    agency = engine.aliases.resolve(name)
    if agency is None:
        raise UnknownAgencyError(name, engine)
    return agency


def search(
    engine: Engine,
    q: str,
    *,
    k: int = 10,
    mode: Mode = "hybrid",
    lang: Lang = "auto",
    agency: str | None = None,
    role: RoleFilter = "any",
    kind: Kind | None = None,
) -> tuple[SearchResult, Filters]:
    """Ranked passages, filtered by agency (any of its names), role and kind."""
    agency_id = resolve_agency(engine, agency).id if agency else None
    filters = Filters(agency=agency_id, role=role, kind=kind)
    return engine.searcher.search(q, k=k, mode=mode, lang=lang, filters=filters), filters


@dataclass(frozen=True)
class Reply:
    """What /ask and `atp ask` give back: the answer and what surrounds it."""

    answer: Answer
    query_lang: str  # the question's detected language (or the one given)
    notice: str
    agencies: tuple[Agency, ...]  # the agencies the question names
    reading: intent.Reading  # what kind of question it was taken to be

    def citation(self, passage_id: str) -> str:
        hit = next(h for h in self.answer.hits if h.passage.id == passage_id)
        # a border-language answer cites the plan as it quotes it: in English
        return hit.passage.citation.get(text_script(self.answer.lang))


def answer_language_of(query: QueryAnalysis) -> str:
    """The question's own language; mixed Chinese and English gets its Chinese script."""
    if query.lang in BORDER_LANGUAGES:
        return query.lang
    return answer_language(query.text)


def ask(engine: Engine, question: str, lang: Lang = "auto") -> Reply:
    """Read what kind of question it is, then answer that kind in the question's script (or
    ``lang``): an agency's obligations, who leads, what the plan says, a plan fact, or an
    honest 'not in the plan'."""
    result = engine.searcher.search(question, k=5, lang=lang)
    script = lang if lang != "auto" else answer_language_of(result.query)
    rule = engine.answer_rule(result.query.lang)
    reading = intent.read(result.query.text, result.query.agencies)
    answer: Answer
    if reading.intent == "obligations" and reading.agency is not None:
        agency, role = reading.agency, reading.role
        filters = Filters(agency=agency.id, role=role)
        mine = engine.searcher.search(question, k=5, lang=lang, filters=filters)
        counts = engine.roles.counts(agency.id)
        answer = compose_obligations(agency, role, counts, mine.hits, script)
    elif reading.intent == "fact" and reading.fact is not None:
        answer = compose_fact(engine.facts, reading.fact, script)
    elif reading.intent == "out_of_scope" and reading.gap is not None:
        answer = decline(reading.gap, result, script, rule)
    elif reading.intent == "responsibility":
        answer = compose_responsibility(result, script, rule)
    else:
        answer = compose_answer(result, script, rule)
    return Reply(
        answer, result.query.lang, phrases(script)["notice"], result.query.agencies, reading
    )


def obligations(
    engine: Engine, name: str, role: RoleFilter = "any"
) -> tuple[Agency, list[tuple[Role, Passage]]]:
    """An agency's passages in plan order, with its role in each."""
    agency = resolve_agency(engine, name)
    found = engine.roles.obligations(agency.id, role)
    return agency, [(r, engine.passages[i]) for r, i in found]
