"""The use cases the API and the CLI share."""

import pytest

from service import usecases


def test_resolve_agency_by_any_name(engine):
    agency = engine.agencies[0]
    for name in (agency.id, agency.zh_hans, agency.zh_hant, agency.en, agency.en.upper()):
        assert usecases.resolve_agency(engine, name).id == agency.id


def test_unknown_agency_lists_the_ids(engine):
    with pytest.raises(usecases.UnknownAgencyError) as caught:
        usecases.resolve_agency(engine, "0/0")
    assert engine.agencies[0].id in str(caught.value)


def test_search_filters_by_agency_name(engine):
    agency_id = max(engine.roles.masks, key=lambda a: sum(engine.roles.counts(a)))
    agency = engine.aliases.resolve(agency_id)
    result, filters = usecases.search(engine, "工作", k=50, agency=agency.zh_hans)
    assert filters.agency == agency_id
    assert result.hits and all(h.passage.role_of(agency_id) for h in result.hits)


@pytest.mark.parametrize(
    ("question", "script"),
    [
        ("发现拐卖儿童怎么办", "zh-Hans"),
        ("發現拐賣兒童怎麼辦", "zh-Hant"),
        ("trafficked children", "en"),
    ],
)
def test_ask_answers_in_the_questions_script(engine, question, script):
    reply = usecases.ask(engine, question)
    assert reply.answer.lang == script == reply.query_lang
    assert reply.notice
    assert reply.citation(reply.answer.citations[0])


def test_ask_in_a_given_language(engine):
    assert usecases.ask(engine, "发现拐卖儿童怎么办", lang="en").answer.lang == "en"


def test_obligations_match_the_counts(engine):
    agency_id = max(engine.roles.masks, key=lambda a: sum(engine.roles.counts(a)))
    agency, found = usecases.obligations(engine, agency_id)
    lead, coop = engine.roles.counts(agency_id)
    assert agency.id == agency_id and len(found) == lead + coop
    assert [r for r, _ in found].count("lead") == lead
    _, only_lead = usecases.obligations(engine, agency_id, "lead")
    assert len(only_lead) == lead
