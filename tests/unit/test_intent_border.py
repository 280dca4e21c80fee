"""Reading the kind of a question in the border languages, and the ways of asking added for
issue 18 in Chinese and English: pure rules over the folded text and the registry's names."""

import pytest

from service.intent import fold, read


@pytest.fixture(scope="module")
def named(searcher):
    return lambda q: read(q, tuple(searcher.aliases.mentioned(q)))


@pytest.mark.parametrize(
    ("question", "agency", "role"),
    [
        ("Bộ Ngoại giao Trung Quốc chủ trì những công việc nào?", "mfa", "lead"),
        ("Министерство образования в каких задачах участвует?", "moe", "cooperating"),
        ("민정부는 어떤 업무를 담당합니까?", "mca", "lead"),
        ("กระทรวงการต่างประเทศมีหน้าที่อะไรบ้าง", "mfa", "any"),
        ("Гадаад хэргийн яам ямар ажилд хамтран оролцдог вэ?", "mfa", "cooperating"),
    ],
)
def test_a_border_language_agency_with_words_for_its_tasks_asks_for_obligations(
    named, question, agency, role
):
    reading = named(question)
    assert (reading.intent, reading.agency.id, reading.role) == ("obligations", agency, role)


def test_a_border_language_question_naming_an_agency_without_task_words_is_a_clause(named):
    assert named("Bộ Công an có thể giải cứu em gái tôi ở Trung Quốc không?").intent == "clause"


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Kế hoạch này do ai ban hành?", "issuer"),
        ("Когда опубликован план?", "date"),
        ("이 계획의 기간은 언제까지입니까?", "period"),
        ("แผนนี้มีกี่ส่วน", "parts"),
        ("ແຜນນີ້ ແມ່ນໜ່ວຍງານໃດອອກ?", "issuer"),  # ໜ is two letters once folded (NFKC)
    ],
)
def test_border_language_questions_about_the_plan_are_facts(question, fact):
    reading = read(question)
    assert (reading.intent, reading.fact) == ("fact", fact)


def test_border_words_are_folded_like_the_questions():
    assert fold("ໜ") != "ໜ"  # why the word lists are folded before matching
    assert read("ກົດໝາຍລາວ ລົງໂທດແນວໃດ?").gap == "jurisdiction"


@pytest.mark.parametrize(
    "question",
    ["Кто отвечает за возвращение жертв на родину?", "누가 피해자의 귀환을 책임지나요?"],
)
def test_border_language_who_questions_ask_for_responsibility(question):
    assert read(question).intent == "responsibility"


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("计划啥时候出的", "date"),
        ("這份計劃的全名是什麼", "title"),
        ("计划分成几块", "parts"),
        ("Who put out the action plan?", "issuer"),
        ("Which government department issued the plan?", "issuer"),
        ("when did this plan come out", "date"),
    ],
)
def test_more_ways_of_asking_about_the_plan(question, fact):
    reading = read(question)
    assert (reading.intent, reading.fact) == ("fact", fact)


@pytest.mark.parametrize(
    ("question", "gap"),
    [
        ("拐卖案件的量刑标准是什么", "document"),
        ("反拐社工月薪有多少", "amount"),
        ("how large is the compensation for a rescued victim", "amount"),
        ("DNA比对结果要等多长时间", "procedure"),
        ("美国的年度报告把中国排在第几级", "jurisdiction"),
        ("Người buôn bán trẻ em bị phạt tù mấy năm?", "sentence"),
    ],
)
def test_more_ways_of_asking_for_what_the_plan_never_states(question, gap):
    reading = read(question)
    assert (reading.intent, reading.gap) == ("out_of_scope", gap)
