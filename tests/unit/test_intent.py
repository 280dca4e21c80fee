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


# phrasings written for the unit tier, not taken from the evaluation set
VARIED = [
    ("obligations", "公安部在行动计划里负责什么"),
    ("obligations", "教育部有哪些反拐职责"),
    ("obligations", "妇联要做哪些事"),
    ("obligations", "民政部门的任务有哪些"),
    ("obligations", "司法部一共牵头几项工作"),
    ("obligations", "國家衛生健康委在計劃中的職責是什麼"),
    ("obligations", "教育部負責哪些任務"),
    ("obligations", "全國婦聯要做什麼"),
    ("obligations", "外交部配合哪些工作"),
    ("obligations", "What are the Ministry of Education's responsibilities under the plan?"),
    ("obligations", "What is the role of the All-China Women's Federation?"),
    ("obligations", "List the tasks of the Ministry of Justice"),
    ("obligations", "How many tasks does the Ministry of Civil Affairs cooperate on?"),
    ("obligations", "what does the ministry of foreign affairs do in the plan"),
    ("obligations", "Which measures is the Supreme People's Procuratorate responsible for?"),
    ("obligations", "MCA duties"),
    ("obligations", "What must the Ministry of Public Security do under this plan?"),
    ("responsibility", "谁来负责解救被拐妇女"),
    ("responsibility", "被拐儿童的DNA采集归哪个部门管"),
    ("responsibility", "哪個部門負責反拐宣傳教育"),
    ("responsibility", "Which agency is responsible for the DNA database?"),
    ("responsibility", "Who takes the lead on training police officers?"),
    ("responsibility", "who handles repatriation of foreign victims"),
    ("responsibility", "Which ministry runs anti-trafficking publicity in schools?"),
    ("fact", "这个计划什么时候到期"),
    ("fact", "行动计划一共有多少条措施"),
    ("fact", "計劃是哪一天發布的"),
    ("fact", "這份計劃有幾個部分"),
    ("fact", "What is the full title of the plan?"),
    ("fact", "What period does the action plan cover?"),
    ("fact", "When was the action plan published?"),
    ("fact", "How is the plan structured?"),
    ("fact", "Which body issued this plan?"),
    ("out_of_scope", "拐卖儿童罪最多判多少年"),
    ("out_of_scope", "反拐热线是多少"),
    ("out_of_scope", "被拐妇女能拿到多少补偿金"),
    ("out_of_scope", "2022年全国破获了多少拐卖案件"),
    ("out_of_scope", "这个计划实施以来效果怎么样"),
    ("out_of_scope", "2030年以后还有新的计划吗"),
    ("out_of_scope", "台灣的人口販運防制法怎麼規定"),
    ("out_of_scope", "買賣兒童會被判幾年"),
    ("out_of_scope", "法律上拐卖是怎么定义的"),
    ("out_of_scope", "哪部法律规定了收买被拐妇女的罪名"),
    ("out_of_scope", "What is the legal definition of trafficking in Chinese law?"),
    ("out_of_scope", "Has the plan been effective so far?"),
    ("out_of_scope", "How many children went missing in China in 2020?"),
    ("out_of_scope", "What is the penalty for buying a bride?"),
    ("out_of_scope", "Which law makes buying a trafficked woman a crime?"),
    ("out_of_scope", "What will replace the plan after 2030?"),
    ("out_of_scope", "What is the emergency number for reporting trafficking?"),
    ("out_of_scope", "How much money did China spend on anti-trafficking in 2023?"),
    ("out_of_scope", "What does US law say about forced labour in Xinjiang?"),
    ("fact", "这个计划管到哪一年"),
    ("fact", "计划包括哪几部分"),
    ("fact", "what's the plan called officially"),
    ("out_of_scope", "这个计划有用吗"),
    ("out_of_scope", "打拐办电话"),
    ("out_of_scope", "Is the plan working?"),
    ("out_of_scope", "美國的人口販運法"),
    ("clause", "去缅甸打工违法吗"),
    ("out_of_scope", "Is trafficking punishable by death in China?"),
    ("fact", "行动计划的有效期是多久"),
    ("fact", "文件号"),
    ("fact", "What is the plan's full name in Chinese?"),
    ("fact", "国办发2021年13号是什么"),
    ("fact", "When did the State Council release this?"),
    ("obligations", "ministry of educaton tasks"),
    ("obligations", "responsibilities of ministry of civil affair"),
    ("obligations", "派出所有什么职责"),
    ("obligations", "Womens Federation responsibilities"),
    ("responsibility", "由哪個部門負責外籍受害人遣返"),
    ("clause", "我是村干部，村里有人买了个媳妇，我应该怎么办"),
    ("clause", "医生发现孕妇身份可疑怎么办"),
    ("clause", "被拐儿童找不到父母怎么安置"),
    ("clause", "What should hotel staff do about a suspicious guest with a child?"),
    ("clause", "How are rescued victims helped to return to society?"),
    ("clause", "被人贩子胁迫犯罪的受害人会被从轻处理吗"),
    ("clause", "Will children forced to steal by traffickers be punished?"),
    ("clause", "公安部门如何加强边境地区的管控"),
    ("clause", "What does the plan say about the Ministry of Education and school dropouts?"),
]


@pytest.mark.parametrize(("kind", "question"), VARIED)
def test_varied_phrasings_are_read_as_their_kind(named, kind, question):
    assert named(question).intent == kind
