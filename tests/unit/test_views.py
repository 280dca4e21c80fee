"""Border-language question views (ask-intl): built by make_views, met only by questions in
a border language (index/search.py), with the fake encoder: contracts, not quality."""

from __future__ import annotations

import numpy as np
import pytest

from index.artifacts import build_index, load_index, make_views
from index.language import BORDER_LANGUAGES
from index.search import INTL_WEIGHT, Searcher

# Written for these tests (not the search aids of the corpus): what matters is which views
# they become, and that a question identical to one of them finds it.
ASKED = {
    "ko": ["외국인 피해자는 집으로 돌아갈 수 있나요?"],
    "vi": ["Nạn nhân nước ngoài có được đưa về nhà không?", "Ai giúp cô dâu bị bán về nước?"],
    "ru": ["Кто поможет жертве вернуться домой?"],
}


def questions_for(passages, border: bool) -> dict[str, dict[str, list[str]]]:
    """zh-Hans and English questions for two passages; the border languages for the first."""
    first, second = passages[3].id, passages[5].id
    out = {
        first: {"zh-Hans": ["外国受害人能回家吗？"], "en": ["Can foreign victims go home?"]},
        second: {"zh-Hans": ["谁负责预防？"], "en": ["Who leads prevention?"]},
    }
    if border:
        out[first].update(ASKED)
    return out


def make_searcher(passages, agencies, encoder, folder, questions) -> Searcher:
    """An index of the unit slice with these questions, embedded by the fake encoder."""
    no_model = folder.parent / "no-model"
    build_index(
        passages,
        agencies,
        encoder,
        folder,
        corpus_sha256="unit",
        model_dir=no_model,
        questions=questions,
        background=["明天天气怎么样", "how do I bake bread"],
    )
    ids = [p.id for p in passages]
    index = load_index(folder, corpus_sha256="unit", passage_ids=ids, model_dir=no_model)
    return Searcher(passages, agencies, index, encoder, cache_size=64)


@pytest.fixture(scope="module")
def with_border(passages, agencies, searcher, tmp_path_factory):
    folder = tmp_path_factory.mktemp("border-views") / "index"
    questions = questions_for(passages, border=True)
    return make_searcher(passages, agencies, searcher.encoder, folder, questions)


@pytest.fixture(scope="module")
def without_border(passages, agencies, searcher, tmp_path_factory):
    folder = tmp_path_factory.mktemp("no-border-views") / "index"
    questions = questions_for(passages, border=False)
    return make_searcher(passages, agencies, searcher.encoder, folder, questions)


def test_border_questions_become_one_kind_in_language_order(passages):
    views, texts = make_views(passages, questions_for(passages, border=True))
    intl = [(v, t) for v, t in zip(views, texts, strict=True) if v.kind == "ask-intl"]
    expected = [q for lang in BORDER_LANGUAGES for q in ASKED.get(lang, [])]
    assert [t for _, t in intl] == expected  # vi, then ko, then ru: BORDER_LANGUAGES order
    assert [v.sentence for v, _ in intl] == list(range(len(expected)))
    assert {v.passage for v, _ in intl} == {3}  # the only passage given border questions


def test_border_questions_add_views_and_change_no_other(passages):
    plain = make_views(passages, questions_for(passages, border=False))
    views, texts = make_views(passages, questions_for(passages, border=True))
    kept = [(v, t) for v, t in zip(views, texts, strict=True) if v.kind != "ask-intl"]
    assert kept == list(zip(*plain, strict=True))
    assert "ask-intl" not in {v.kind for v in plain[0]}


def test_the_manifest_counts_the_border_views(with_border):
    expected = sum(map(len, ASKED.values()))
    assert with_border.index.manifest["views"]["ask-intl"] == expected


@pytest.mark.parametrize("question", ["外国受害人怎样回家", "Who helps foreign victims go home?"])
def test_chinese_and_english_questions_ignore_border_views(with_border, without_border, question):
    mine, plain = with_border.search(question, k=24), without_border.search(question, k=24)
    assert [(h.passage.id, h.score, h.dense) for h in mine.hits] == [
        (h.passage.id, h.score, h.dense) for h in plain.hits
    ]
    assert mine.top_dense == plain.top_dense


@pytest.mark.parametrize(("lang", "question"), [("vi", ASKED["vi"][1]), ("ko", ASKED["ko"][0])])
def test_a_border_question_meets_the_views_in_its_own_words(with_border, lang, question):
    result = with_border.search(question, k=3)
    assert result.query.lang == lang
    assert result.hits[0].passage.id == with_border.passages[3].id
    as_english = with_border.search(question, k=24, lang="en")  # no border views: lower
    dense = {h.passage.id: h.dense for h in as_english.hits}
    assert result.hits[0].dense > dense[with_border.passages[3].id]


def test_border_side_weighs_intl_weight_and_fills_passages_without_views(with_border):
    qvec = with_border._encode(ASKED["ru"][0])
    plain = with_border.dense_scores(qvec).scores
    mixed = with_border.dense_scores(qvec, border=True)
    others = np.arange(len(with_border.passages)) != 3
    assert np.array_equal(mixed.scores[others], plain[others])  # no border views: zh/en mean
    # passage 3 has the question itself as a view: cosine 1 on that side
    expected = (1 - INTL_WEIGHT) * plain[3] + INTL_WEIGHT * 1.0
    assert mixed.scores[3] == pytest.approx(expected, abs=1e-5)
    assert np.array_equal(mixed.plan, plain)  # the plan's own wording, kept beside
    unweighted = with_border.dense_scores(qvec, border=True, intl_weight=0.0).scores
    assert np.array_equal(unweighted, plain)


def test_the_no_answer_signal_stays_on_the_plans_wording(with_border):
    """top_dense, what /ask's no-answer rule reads, is the zh/en score for every language:
    one calibrated scale, whether or not the best passage has border-language views."""
    question = ASKED["vi"][0]
    shipped = with_border.search(question, k=3)
    alone = with_border.search(question, k=3, intl_weight=0.0)
    assert shipped.hits[0].dense > alone.hits[0].dense  # the views do raise the ranking score
    assert shipped.top_dense == alone.top_dense
