"""One function per thing a user asks of the service; the HTTP routes and the CLI both call
these and only parse input and render output around them."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.models import Agency, Kind, Passage, Role
from index.roles import RoleFilter
from index.search import Filters, Lang, Mode, SearchResult
from index.text import answer_language
from service.answer import NOTICE, Answer, compose_answer
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

    def citation(self, passage_id: str) -> str:
        hit = next(h for h in self.answer.hits if h.passage.id == passage_id)
        return hit.passage.citation.get(self.answer.lang)


def ask(engine: Engine, question: str, lang: Lang = "auto") -> Reply:
    """Search, then a short cited answer in the question's script (or ``lang``)."""
    result = engine.searcher.search(question, k=5, lang=lang)
    script = lang if lang != "auto" else answer_language(result.query.text)
    answer = compose_answer(result, script, engine.answer_rule(result.query.lang))
    return Reply(answer, result.query.lang, NOTICE[script], result.query.agencies)


def obligations(
    engine: Engine, name: str, role: RoleFilter = "any"
) -> tuple[Agency, list[tuple[Role, Passage]]]:
    """An agency's passages in plan order, with its role in each."""
    agency = resolve_agency(engine, name)
    found = engine.roles.obligations(agency.id, role)
    return agency, [(r, engine.passages[i]) for r, i in found]
