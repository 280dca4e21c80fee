"""/ask answers each kind of question in its own way, in all three scripts (real app)."""

import re

import pytest

from service.answer import phrases

CLAUSE_OPENINGS = ("Under the Action Plan", "根据《行动计划》", "根據《行動計劃》")


def ask(client, question: str) -> dict:
    response = client.post("/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()


def agency_passages(client, agency: str, role: str) -> set[str]:
    body = client.get(f"/agencies/{agency}/passages", params={"role": role}).json()
    return {o["passage"]["id"] for o in body["results"]}


@pytest.mark.parametrize(
    ("question", "agency", "role"),
    [
        ("教育部牵头负责哪些工作？", "moe", "lead"),
        ("司法部都要配合做些什么", "moj", "cooperating"),
        ("公安部在反拐中承擔哪些任務？", "mps", "lead"),
        ("全國婦聯要配合哪些工作", "acwf", "cooperating"),
        ("What does the Ministry of Civil Affairs lead?", "mca", "lead"),
        ("Which tasks does the Ministry of Education help with?", "moe", "cooperating"),
        ("MPS", "mps", "any"),
    ],
)
def test_obligations_state_counts_and_cite_the_agencys_passages(client, question, agency, role):
    body = ask(client, question)
    assert body["intent"] == "obligations" and body["answered"]
    counts = client.get("/agencies").json()["agencies"]
    lead, coop = next(
        (a["lead_count"], a["cooperating_count"]) for a in counts if a["id"] == agency
    )
    numbers = re.findall(r"\d+", body["answer"])
    assert str(lead) in numbers and str(coop) in numbers
    in_role = agency_passages(client, agency, role)
    assert len(body["citations"]) >= min(3, len(in_role))
    assert set(body["citations"]) <= in_role
    assert body["full_list"].startswith(f"/agencies/{agency}/passages")


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("谁负责完善全国打拐DNA信息库？", "mps"),
        ("被解救的查找不到父母的儿童由哪个部门负责安置？", "mca"),
        ("哪個部門負責打擊網路上的拐賣犯罪信息？", "cac"),
        ("Who leads the work on reintegrating rescued women into employment?", "acwf"),
    ],
)
def test_responsibility_names_the_lead(client, question, lead):
    body = ask(client, question)
    assert body["intent"] == "responsibility" and body["answered"]
    registry = {a["id"]: a for a in client.get("/agencies").json()["agencies"]}
    names = (registry[lead]["zh-Hans"], registry[lead]["zh-Hant"], registry[lead]["en"])
    assert any(name in body["answer"] for name in names), body["answer"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("这个行动计划是什么时候发布的？", "2021年4月9日"),
        ("這份計劃的文號是什麼", "13號"),
        ("When does the plan end?", "2030"),
        ("Who issued the action plan?", "General Office of the State Council"),
        ("计划一共有多少项措施", "29"),
    ],
)
def test_facts_come_from_the_plan(client, question, expected):
    body = ask(client, question)
    assert body["intent"] == "fact" and body["answered"]
    assert expected in body["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "拐卖妇女罪一般判几年？",
        "全国反拐热线电话是多少",
        "收買被拐婦女要賠償多少錢？",
        "去年全國解救了多少被拐兒童",
        "What did the 2008 anti-trafficking plan say about brides?",
        "What does Taiwan's law say about forced labour?",
        "How do I apply for a T-visa as a trafficking victim?",
        "What is the maximum prison sentence for buying a trafficked child?",
        "What is the weather in Beijing tomorrow?",
    ],
)
def test_out_of_scope_is_declined_plainly(client, question):
    body = ask(client, question)
    assert body["intent"] == "out_of_scope" and not body["answered"]
    assert body["citations"] == []
    assert not body["answer"].startswith(CLAUSE_OPENINGS)
    assert not any(opening in body["answer"] for opening in CLAUSE_OPENINGS)


@pytest.mark.parametrize(
    "question",
    [
        "我是酒店前台，发现有人带着不像是自己孩子的小孩入住，该怎么办？",
        "醫院發現產婦身分證件可疑，要怎麼處理？",
        "What must a teacher do if a pupil may have been trafficked?",
    ],
)
def test_clause_questions_are_answered_with_a_citation(client, question):
    body = ask(client, question)
    assert body["intent"] in ("clause", "responsibility") and body["answered"]
    assert body["citations"] and body["answer"].startswith((*CLAUSE_OPENINGS, "这项", "這項"))


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Cô dâu người Việt bị bán sang Trung Quốc muốn về nhà thì phải làm sao?", "vi"),
        ("외국인 인신매매 피해자의 안전한 귀환은 어떻게 보장되나요?", "ko"),
        ("Мою сестру продали в Китай как невесту. Кто поможет ей вернуться домой?", "ru"),
        ("Хятадад худалдагдсан эмэгтэйчүүдийг эх оронд нь буцаахад хэн тусалдаг вэ?", "mn"),
        ("ប្អូនស្រីខ្ញុំត្រូវបានគេលក់ទៅប្រទេសចិន តើធ្វើដូចម្តេចឱ្យនាងត្រឡប់មកផ្ទះវិញ?", "km"),
        ("ນ້ອງສາວຂ້ອຍຖືກຂາຍໄປປະເທດຈີນ, ຈະເຮັດແນວໃດໃຫ້ລາວກັບບ້ານ?", "lo"),
        ("ကျွန်မညီမကို တရုတ်ပြည်ကို ရောင်းစားခံရတယ်။ အိမ်ပြန်လာဖို့ ဘယ်လိုလုပ်ရမလဲ။", "my"),
        ("น้องสาวของฉันถูกหลอกไปแต่งงานที่ประเทศจีน จะพาเธอกลับบ้านได้อย่างไร", "th"),
    ],
)
def test_border_language_questions_are_answered_in_their_language(client, question, lang):
    body = ask(client, question)
    assert body["lang"] == lang
    if body["answered"]:
        assert set(body["quote"]) == {"en", "zh-Hans"}
        assert body["quote"]["en"] in body["answer"] and body["quote"]["zh-Hans"] in body["answer"]
        assert all(
            c["citation"].startswith("Part") or c["citation"] == "Preamble"
            for c in body["citation_details"]
        )
    assert not any(opening in body["answer"] for opening in CLAUSE_OPENINGS)


# -- the border languages, and more ways of asking (issue 18) ---------------------------------
@pytest.mark.parametrize(
    ("question", "agency", "role", "lang"),
    [
        ("Bộ Ngoại giao Trung Quốc chủ trì những công việc nào?", "mfa", "lead", "vi"),
        ("В каких задачах участвует Министерство образования Китая?", "moe", "cooperating", "ru"),
        ("민정부는 이 계획에서 어떤 업무를 담당합니까?", "mca", "lead", "ko"),
        ("กระทรวงการต่างประเทศของจีนมีหน้าที่อะไรบ้าง", "mfa", "any", "th"),
        ("人社局一共配合几项工作", "mohrss", "cooperating", "zh-Hans"),
        ("婦聯在計劃裡扮演什麼角色", "acwf", "any", "zh-Hant"),
        ("what does the Ministry of Educaton lead", "moe", "lead", "en"),
    ],
)
def test_obligations_in_every_language_cite_the_agencys_passages_in_the_role(
    client, question, agency, role, lang
):
    body = ask(client, question)
    assert body["intent"] == "obligations" and body["answered"] and body["lang"] == lang
    counts = client.get("/agencies").json()["agencies"]
    lead, coop = next(
        (a["lead_count"], a["cooperating_count"]) for a in counts if a["id"] == agency
    )
    numbers = re.findall(r"\d+", body["answer"])
    assert str(lead) in numbers and str(coop) in numbers
    in_role = agency_passages(client, agency, role)
    assert len(body["citations"]) >= min(3, len(in_role))
    assert set(body["citations"]) <= in_role


@pytest.mark.parametrize(
    ("question", "expected", "lang"),
    [
        ("Kế hoạch này do cơ quan nào ban hành?", "Văn phòng Quốc vụ viện", "vi"),
        ("На какой срок рассчитан этот план?", "2030", "ru"),
        ("이 계획은 언제 발표되었습니까?", "2021", "ko"),
        ("ផែនការនេះមានប៉ុន្មានផ្នែក?", "3", "km"),
        ("计划啥时候出的", "2021年4月9日", "zh-Hans"),
        ("計劃的全名叫什麼", "2021—2030", "zh-Hant"),
        ("Who put out this plan?", "General Office of the State Council", "en"),
    ],
)
def test_facts_in_every_language_come_from_the_plan(client, question, expected, lang):
    body = ask(client, question)
    assert body["intent"] == "fact" and body["answered"] and body["lang"] == lang
    assert expected in body["answer"], body["answer"]


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("Кто отвечает за возвращение домой граждан Китая, проданных за границу?", "mfa"),
        ("누가 인신매매 피해자에게 법률 지원을 제공합니까?", "moj"),
    ],
)
def test_border_language_who_questions_name_the_lead(client, question, lead):
    body = ask(client, question)
    assert body["intent"] == "responsibility" and body["answered"]
    registry = {a["id"]: a for a in client.get("/agencies").json()["agencies"]}
    assert registry[lead]["en"] in body["answer"], body["answer"]


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Kẻ buôn người bị phạt tù bao nhiêu năm ở Trung Quốc?", "vi"),
        ("Какой телефон горячей линии для жертв торговли людьми?", "ru"),
        ("피해자 보상금은 얼마입니까?", "ko"),
        ("拐卖案件的立案标准是什么", "zh-Hans"),
        ("反拐社工一個月薪水多少", "zh-Hant"),
        ("How big is the reward for tipping off the police about a trafficker?", "en"),
    ],
)
def test_declines_in_every_language_never_read_as_the_plans_answer(client, question, lang):
    body = ask(client, question)
    assert body["intent"] == "out_of_scope" and not body["answered"] and body["lang"] == lang
    assert body["citations"] == []
    opening = phrases(lang)["clause"].split("{")[0].strip()  # "Theo Kế hoạch hành động,"
    assert not body["answer"].startswith(opening + " ")
    assert not any(o in body["answer"] for o in CLAUSE_OPENINGS)


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("应急管理部在反拐工作中负责什么？", "zh-Hans"),
        ("海關總署要配合哪些工作？", "zh-Hant"),
        ("What does the Ministry of Emergency Management do under the plan?", "en"),
        ("What is the role of the General Administration of Customs?", "en"),
    ],
)
def test_a_body_the_plan_gives_no_task_is_said_to_have_none(client, question, lang):
    """Asked what a body the plan never names does, /ask says the plan assigns it nothing,
    in the question's language, and presents no clause (not even as related)."""
    body = ask(client, question)
    assert body["intent"] == "out_of_scope" and not body["answered"], body
    assert body["lang"] == lang
    assert body["answer"] == phrases(lang)["gap_agency"]
    assert body["citations"] == []


@pytest.mark.parametrize(
    "question",
    [
        "海关总署在边境发现被拐妇女该怎么办？",  # about a situation, not the body's tasks
        "应急管理部和公安部分别负责什么？",  # names an agency of the plan too
    ],
)
def test_a_body_outside_the_plan_in_a_real_question_is_still_answered(client, question):
    body = ask(client, question)
    assert body["answered"], body


def test_the_bodies_said_to_have_no_task_are_nowhere_in_the_plan(engine):
    """The list is of bodies the plan names nowhere: not tagged, not in any passage's text,
    not a name of the registry."""
    from service.intent import OTHER_BODIES, fold

    text = fold(" ".join(p.text.zh_hans + " " + p.text.en for p in engine.passages))
    registry = {fold(n) for a in engine.agencies for n in a.names()}
    for name, pattern in OTHER_BODIES:
        assert not pattern.search(text), name
        assert name not in registry, name
