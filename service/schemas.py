"""Response and request shapes of docs/API.md, and their mapping from domain objects."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from corpus.models import Agency, AgencyRef, Passage
from index.search import Hit, SearchResult


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


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="the question, Chinese (either script) or English")
    lang: str = Field("auto", description="auto, zh-Hans, zh-Hant or en")


class Citation(BaseModel):
    id: str
    citation: str


class AskResponse(BaseModel):
    answer: str
    lang: str
    answered: bool = Field(description="false when the plan does not seem to cover it")
    citations: list[str]
    citation_details: list[Citation]
    results: list[SearchHit]
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
