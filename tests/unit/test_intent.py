"""Reading the kind of a question: pure rules over the folded text."""

import pytest

from service.intent import INTENTS, fold, read


@pytest.fixture(scope="module")
def named(searcher):
    return lambda q: read(q, tuple(searcher.aliases.mentioned(q)))


def test_fold_reads_traditional_width_case_and_apostrophes():
    assert fold("Ｗｏｍｅｎ’s 婦聯") == "women's 妇联"


@pytest.mark.parametrize(
    ("question", "agency", "role"),
    [
        ("民政部牵头哪些工作", "mca", "lead"),
        ("民政部要配合什么", "mca", "cooperating"),
        ("What does the Ministry of Public Security do?", "mps", "any"),
        ("公安部", "mps", "any"),
    ],
)
def test_an_agency_and_nothing_else_asks_for_its_obligations(named, question, agency, role):
    reading = named(question)
    assert (reading.intent, reading.agency.id, reading.role) == ("obligations", agency, role)


def test_an_agency_with_a_topic_asks_what_the_plan_says(named):
    assert named("公安机关发现被拐儿童后应当怎么做").intent == "clause"


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("这个计划哪年发布的", "date"),
        ("Who issued the plan?", "issuer"),
        ("計劃的文號", "document_number"),
        ("How long does the plan run?", "period"),
        ("行动计划有几个部分", "parts"),
    ],
)
def test_questions_about_the_plan_itself_are_facts(question, fact):
    assert (read(question).intent, read(question).fact) == ("fact", fact)


@pytest.mark.parametrize(
    ("question", "gap"),
    [
        ("拐卖儿童判几年", "sentence"),
        ("what is the hotline number", "contact"),
        ("罰款多少錢", "amount"),
        ("how many victims were rescued", "statistic"),
        ("2019年的反拐情况", "year"),
        ("what does Vietnamese law say about brides", "jurisdiction"),
        ("刑法第二百四十条怎么规定", "document"),
        ("how do I apply for a visa", "procedure"),
    ],
)
def test_what_the_plan_never_states_is_out_of_scope(question, gap):
    reading = read(question)
    assert (reading.intent, reading.gap) == ("out_of_scope", gap)


def test_who_questions_ask_for_responsibility():
    assert read("谁负责儿童失踪信息发布").intent == "responsibility"
    assert read("Which department handles DNA sampling?").intent == "responsibility"
    assert read("I met a woman who was sold. What should I do?").intent == "clause"


def test_every_reading_is_a_declared_intent(named):
    for q in ("", "？", "plan", "民政", "天气"):
        assert named(q).intent in INTENTS
