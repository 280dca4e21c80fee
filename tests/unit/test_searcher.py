"""The searcher over a slice of the corpus with the fake encoder: contracts, not quality."""

import pytest

from index.search import LANGS, MODES, Filters


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_returns_k_hits_best_first(searcher, mode):
    result = searcher.search("拐卖妇女儿童", k=5, mode=mode)
    scores = [h.score for h in result.hits]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    assert result.mode == mode


def test_unknown_mode_fusion_or_lang_is_refused(searcher):
    with pytest.raises(ValueError, match="mode"):
        searcher.search("拐卖", mode="fuzzy")
    with pytest.raises(ValueError, match="fusion"):
        searcher.search("拐卖", fusion="max")
    with pytest.raises(ValueError, match="lang"):
        searcher.search("拐卖", lang="fr")


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "auto"])
def test_given_lang_overrides_detection(searcher, lang):
    assert searcher.search("拐卖", k=1, lang=lang).query.lang == lang


def test_agency_filter_keeps_only_that_agencys_passages(searcher):
    agency_id = max(searcher.roles.masks, key=lambda a: sum(searcher.roles.counts(a)))
    for role in ("lead", "cooperating", "any"):
        result = searcher.search("工作", k=50, filters=Filters(agency=agency_id, role=role))
        expected = int(searcher.mask(Filters(agency=agency_id, role=role)).sum())
        assert len(result.hits) == expected
        for hit in result.hits:
            found = hit.passage.role_of(agency_id)
            assert found is not None and (role == "any" or found == role)


def test_kind_filter(searcher):
    kind = searcher.passages[-1].kind
    result = searcher.search("工作", k=50, filters=Filters(kind=kind))
    assert result.hits and all(h.passage.kind == kind for h in result.hits)


def test_highlights_are_sentences_of_each_script(searcher):
    hit = searcher.search("拐卖", k=1).hits[0]
    position = searcher.by_id[hit.passage.id]
    for script, spans in hit.highlights.items():
        assert spans and set(spans) <= set(searcher.spans[position][script])


def test_question_names_agencies_in_either_script_or_english(searcher):
    zh = searcher.analyse("公安部负责什么")
    hant = searcher.analyse("公安部負責什麼")
    en = searcher.analyse("What does the Ministry of Public Security do")
    named = [[a.id for a in q.agencies] for q in (zh, hant, en)]
    assert named[0] == named[1] == named[2]
    assert zh.agencies


def test_repeated_question_is_encoded_once(searcher):
    searcher.search("一个只问一次的问题", k=1)
    before = searcher._encode.cache_info().hits
    searcher.search("一个只问一次的问题", k=1)
    assert searcher._encode.cache_info().hits == before + 1
