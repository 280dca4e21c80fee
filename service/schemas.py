"""Response and request shapes of docs/API.md, and their mapping from domain objects."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, create_model
from pydantic_core import PydanticCustomError

from corpus.models import Agency, AgencyRef, Passage, PathStep, Text
from index.roles import RoleTable
from index.search import Hit, Lang, SearchResult
from service.errors import ErrorCode
from service.exports import AgencyRow, PlanNode, reading_order
from service.intent import Intent
from service.usecases import Reply

# Not blank: a character that is not whitespace to Python (str.isspace: \x1c-\x1f, \x85 …)
# nor to JSON Schema's ECMA regex (\ufeff), so the published pattern and the check agree;
# and no NUL anywhere (a NUL is no part of a question: refused as invalid text first).
NONBLANK = r"^[^\x00]*[^\s\x00\x1c-\x1f\x85\ufeff][^\x00]*$"
_NONBLANK = re.compile(NONBLANK)


def question_text(max_chars: int, field: str) -> Any:
    """The type of a question or phrase: not blank, at most ``max_chars`` characters, valid
    Unicode; each failure an ErrorCode with a message a person can act on, and the same
    limits stated in the OpenAPI schema."""

    def check(text: str) -> str:
        if "\x00" in text:
            raise PydanticCustomError(
                ErrorCode.INVALID_TEXT,
                f"{field} holds a NUL character (at character {text.index(chr(0)) + 1}): "
                "send text without it",
            )
        if not _NONBLANK.search(text):
            raise PydanticCustomError(
                ErrorCode.EMPTY_QUERY, f"{field} is empty: type a question or a phrase"
            )
        if len(text) > max_chars:
            raise PydanticCustomError(
                ErrorCode.QUERY_TOO_LONG,
                f"{field} has {len(text)} characters; the limit is {max_chars}: shorten it",
            )
        if not text.isascii():
            try:  # JSON's "\ud800" escape decodes to a lone surrogate, which no UTF-8 can hold
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise PydanticCustomError(
                    ErrorCode.INVALID_TEXT,
                    f"{field} is not valid Unicode text (a lone surrogate at character "
                    f"{exc.start + 1}): send it as UTF-8",
                ) from None
        return text

    schema = {"type": "string", "minLength": 1, "maxLength": max_chars, "pattern": NONBLANK}
    return Annotated[str, AfterValidator(check), WithJsonSchema(schema)]


def ask_request(max_chars: int) -> type[BaseModel]:
    """The /ask body, with the question limit of these settings."""
    return create_model(
        "AskRequest",
        __config__=ConfigDict(extra="forbid"),
        question=(
            question_text(max_chars, "question"),
            Field(description="the question, Chinese (either script) or English"),
        ),
        lang=(Lang, Field("auto", description="language of the answer; auto: the question's")),
    )


class Highlights(BaseModel):
    """Character spans [start, end) of the best-matching sentence(s), per script."""

    model_config = ConfigDict(populate_by_name=True)

    zh_hant: list[tuple[int, int]] = Field(alias="zh-Hant")
    zh_hans: list[tuple[int, int]] = Field(alias="zh-Hans")
    en: list[tuple[int, int]]


class Scores(BaseModel):
    dense: float = Field(description="best cosine over the passage's embedded views")
    keyword: float = Field(description="best BM25 score over the zh and en keyword indexes")


class SearchHit(BaseModel):
    rank: int
    score: float
    scores: Scores
    passage: Passage
    highlights: Highlights


class QueryInfo(BaseModel):
    q: str
    lang: str = Field(description="detected (or given) language: zh-Hans, zh-Hant, en, mixed")
    mode: str
    k: int
    agencies: list[AgencyRef] = Field(description="agencies the question names")
    filters: dict[str, str | None]


class SearchResponse(BaseModel):
    query: QueryInfo
    results: list[SearchHit]


class Citation(BaseModel):
    id: str
    citation: str


class AskResponse(BaseModel):
    answer: str
    lang: str
    answered: bool = Field(description="false when the plan does not answer the question")
    intent: Intent = Field(
        description="the kind of answer given: obligations (what an agency leads or "
        "cooperates on, with counts), responsibility (who leads), clause (what the plan "
        "says), fact (about the plan itself) or out_of_scope (the plan does not answer it)"
    )
    citations: list[str]
    citation_details: list[Citation]
    results: list[SearchHit]
    related: list[Citation] = Field(
        default_factory=list,
        description="passages shown for reference with a decline; they do not answer it",
    )
    full_list: str | None = Field(
        None, description="obligations: the path of the agency's whole list of passages"
    )
    quote: dict[str, str] | None = Field(
        None,
        description="for answers in a language the plan has no text in: the clause quoted "
        'in English (the project\'s unofficial translation) and Chinese, {"en": …, "zh-Hans": …}',
    )
    notice: str
    agencies: list[AgencyCounts] = Field(
        description="agencies the question names, with how many passages each leads and "
        "cooperates on (all of them: GET /agencies/{id}/passages)"
    )


class AgencyCounts(Agency):
    lead_count: int
    cooperating_count: int


class AgenciesResponse(BaseModel):
    agencies: list[AgencyCounts]


class RoleCounts(BaseModel):
    lead: int
    cooperating: int


class Obligation(BaseModel):
    role: str = Field(description="lead or cooperating")
    passage: Passage


class AgencyPassagesResponse(BaseModel):
    agency: AgencyRef
    role: str
    counts: RoleCounts
    results: list[Obligation]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


def search_hit(rank: int, hit: Hit) -> SearchHit:
    return SearchHit(
        rank=rank,
        score=hit.score,
        scores=Scores(dense=hit.dense, keyword=hit.keyword),
        passage=hit.passage,
        highlights=Highlights.model_validate(hit.highlights),
    )


def search_response(
    result: SearchResult, k: int, q: str | None = None, filters: dict | None = None
) -> SearchResponse:
    return SearchResponse(
        query=QueryInfo(
            q=q if q is not None else result.query.text,
            lang=result.query.lang,
            mode=result.mode,
            k=k,
            agencies=[a.ref() for a in result.query.agencies],
            filters=filters or {},
        ),
        results=[search_hit(rank, hit) for rank, hit in enumerate(result.hits, 1)],
    )


def agency_counts(agency: Agency, roles: RoleTable) -> AgencyCounts:
    lead, cooperating = roles.counts(agency.id)
    return AgencyCounts(**agency.model_dump(), lead_count=lead, cooperating_count=cooperating)


def ask_response(reply: Reply, roles: RoleTable) -> AskResponse:
    answer = reply.answer
    return AskResponse(
        answer=answer.text,
        lang=answer.lang,
        answered=answer.answered,
        citations=answer.citations,
        citation_details=[Citation(id=i, citation=reply.citation(i)) for i in answer.citations],
        intent=answer.intent,
        related=[Citation(id=i, citation=reply.citation(i)) for i in answer.related],
        full_list=answer.full_list,
        quote=answer.quote,
        results=[search_hit(rank, hit) for rank, hit in enumerate(answer.hits, 1)],
        notice=reply.notice,
        agencies=[agency_counts(a, roles) for a in reply.agencies],
    )


# ---------------------------------------------------------------- browsing and exports


class PlanNodeOut(BaseModel):
    """A heading of the plan; reading order is its passages, then its children."""

    id: str
    title: Text
    passages: list[str] = Field(description="ids of the passages directly under it")
    children: list[PlanNodeOut]


class PlanResponse(BaseModel):
    title: dict[str, str] = Field(description="the plan's title per script")
    children: list[PlanNodeOut]
    order: list[str] = Field(description="every passage id once, in reading order")
    marks: dict[str, dict[str, list[tuple[int, int]]]] | None = Field(
        None,
        description="with q: per passage id and script, the spans [start, end) of the "
        "searched words, for the passages that contain any",
    )


class PassagesResponse(BaseModel):
    passages: list[Passage] = Field(description="every passage, in reading order")


class PartOut(BaseModel):
    id: str
    title: Text


class CellOut(BaseModel):
    part: str
    lead: list[str] = Field(description="ids of the passages the agency leads in this part")
    cooperating: list[str]


class AgencyRowOut(BaseModel):
    agency: AgencyRef
    lead_count: int
    cooperating_count: int
    cells: list[CellOut] = Field(description="one per part, in the order of `parts`")


class OverviewResponse(BaseModel):
    parts: list[PartOut] = Field(description="the parts of the plan that name agencies")
    agencies: list[AgencyRowOut]


def plan_node(node: PlanNode) -> PlanNodeOut:
    return PlanNodeOut(
        id=node.id,
        title=node.title,
        passages=node.passages,
        children=[plan_node(c) for c in node.children],
    )


def plan_response(
    title: dict[str, str], tree: list[PlanNode], marks: dict | None = None
) -> PlanResponse:
    return PlanResponse(
        title=title,
        children=[plan_node(n) for n in tree],
        order=reading_order(tree),
        marks=marks,
    )


def overview_response(parts: list[PathStep], rows: list[AgencyRow]) -> OverviewResponse:
    return OverviewResponse(
        parts=[PartOut(id=p.id, title=p.title) for p in parts],
        agencies=[
            AgencyRowOut(
                agency=r.agency,
                lead_count=r.lead_count,
                cooperating_count=r.cooperating_count,
                cells=[
                    CellOut(part=c.part, lead=list(c.lead), cooperating=list(c.cooperating))
                    for c in r.cells
                ],
            )
            for r in rows
        ],
    )
