"""The names people type for an agency, through the real app: every name of the registry
resolves to its agency by `/agencies/{name}/passages` and the `agency` filter of /search, and
is found in a question (/search's query.agencies) — in either script, any width, with a
curly apostrophe or none; and phrases that hold a name's words but mean no agency tag none.

The tables below are the expectation, written independently of the registry: a test fails
if the registry gains, loses or moves a name without this list following."""

from __future__ import annotations

from urllib.parse import quote

import opencc
import pytest

from corpus.build import load_agencies
from corpus.names import name_key
from index.text import tokenize_en

# Every name, by the agency it must resolve to (and be found in a question as).
NAMED = {
    "mps": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Bộ Công an",
        "Министерство общественной безопасности",
        "공안부",
        "กระทรวงความมั่นคงสาธารณะ",
        "Нийгмийн аюулгүй байдлын яам",
        "Нийтийн аюулгүй байдлын яам",
        "ក្រសួងសន្តិសុខសាធារណៈ",
        "ກະຊວງປ້ອງກັນຄວາມສະຫງົບ",
        "ပြည်သူ့လုံခြုံရေးဝန်ကြီးဌာန",
        "公安部",
        "Ministry of Public Security",
        "MPS",
        "PSB",
        "NIA",
        "公安机关",
        "公安",
        "公安部门",
        "公安局",
        "公安厅",
        "公安分局",
        "派出所",
        "警察",
        "民警",
        "警方",
        "刑警",
        "刑侦部门",
        "打拐办",
        "铁路公安",
        "铁路警察",
        "国家移民管理局",
        "移民管理局",
        "移民局",
        "出入境管理局",
        "出入境管理部门",
        "出入境边防检查站",
        "边防检查站",
        "边检站",
        "边检",
        "移民管理警察",
        "police",
        "public security",
        "public security organ",
        "public security bureau",
        "police station",
        "cop",
        "railway police",
        "border police",
        "border inspection",
        "National Immigration Administration",
        "immigration administration",
        "immigration bureau",
        "exit and entry administration",
        "exit-entry administration",
    ],
    "mca": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Bộ Dân chính",
        "Министерство гражданской администрации",
        "Министерство гражданских дел",
        "민정부",
        "กระทรวงกิจการพลเรือน",
        "Иргэний хэргийн яам",
        "ក្រសួងកិច្ចការស៊ីវិល",
        "ກະຊວງກິດຈະການພົນລະເຮືອນ",
        "民政部",
        "Ministry of Civil Affairs",
        "MCA",
        "民政部门",
        "民政局",
        "民政厅",
        "民政所",
        "救助管理站",
        "救助站",
        "儿童福利院",
        "婚姻登记处",
        "婚姻登记机关",
        "civil affairs",
        "civil affairs department",
        "civil affairs bureau",
    ],
    "acwf": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Hội Liên hiệp Phụ nữ",
        "Всекитайская федерация женщин",
        "중화전국부녀연합회",
        "부녀연합회",
        "สหพันธ์สตรีแห่งประเทศจีน",
        "สหพันธ์สตรีจีน",
        "Бүх Хятадын эмэгтэйчүүдийн холбоо",
        "សហព័ន្ធស្ត្រីចិន",
        "ສະຫະພັນແມ່ຍິງຈີນ",
        "တရုတ်အမျိုးသမီးအဖွဲ့ချုပ်",
        "全國婦聯",
        "All-China Women's Federation",
        "ACWF",
        "中华全国妇女联合会",
        "妇女联合会",
        "妇联",
        "Women's Federation",
    ],
    "moj": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Bộ Tư pháp",
        "Министерство юстиции",
        "Минюст",
        "กระทรวงยุติธรรม",
        "Хууль зүйн яам",
        "ក្រសួងយុត្តិធម៌",
        "ກະຊວງຍຸຕິທຳ",
        "တရားရေးဝန်ကြီးဌာန",
        "司法部",
        "Ministry of Justice",
        "MOJ",
        "司法行政部门",
        "司法行政机关",
        "司法局",
        "司法厅",
        "司法所",
        "法律援助中心",
        "法律援助机构",
        "Justice Ministry",
        "justice bureau",
        "bureau of justice",
        "justice department",
        "Department of Justice",
        "judicial administration",
        "judicial administrative department",
        "legal aid centre",
        "legal aid center",
    ],
    "spp": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Viện Kiểm sát Nhân dân Tối cao",
        "Верховная народная прокуратура",
        "최고인민검찰원",
        "อัยการประชาชนสูงสุด",
        "最高人民檢察院",
        "Supreme People's Procuratorate",
        "SPP",
        "最高检",
        "人民检察院",
        "检察院",
        "检察机关",
        "检察官",
        "procuratorate",
        "prosecutor",
        "public prosecutor",
        "Supreme Procuratorate",
    ],
    "moe": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Bộ Giáo dục",
        "Министерство образования",
        "교육부",
        "กระทรวงศึกษาธิการ",
        "Боловсролын яам",
        "ក្រសួងអប់រំ",
        "ກະຊວງສຶກສາທິການ",
        "ပညာရေးဝန်ကြီးဌာန",
        "教育部",
        "Ministry of Education",
        "MOE",
        "教育部门",
        "教育行政部门",
        "教育局",
        "教育厅",
        "教委",
        "教育委员会",
        "education department",
        "education bureau",
        "Education Ministry",
        "education authorities",
    ],
    "cylc": [
        "共青團中央",
        "Central Committee of the Communist Youth League of China",
        "CYLC",
        "CYL",
        "共青团",
        "共青团中央",
        "团中央",
        "Communist Youth League",
        "Youth League",
    ],
    "nhc": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Ủy ban Y tế Quốc gia",
        "Национальная комиссия здравоохранения",
        "국가위생건강위원회",
        "위생건강위원회",
        "คณะกรรมการสุขภาพแห่งชาติ",
        "Эрүүл мэндийн үндэсний хороо",
        "國家衛生健康委",
        "National Health Commission",
        "NHC",
        "NHFPC",
        "国家卫生健康委员会",
        "国家卫健委",
        "卫健委",
        "卫生健康委",
        "卫生健康部门",
        "卫生健康局",
        "卫健局",
        "卫生局",
        "卫生厅",
        "卫生部门",
        "卫生部",
        "卫计委",
        "卫生计生委",
        "国家卫生计生委",
        "卫生和计划生育委员会",
        "health commission",
        "Ministry of Health",
        "Health Ministry",
        "health bureau",
        "health department",
        "health authorities",
        "National Health and Family Planning Commission",
        "health and family planning commission",
    ],
    "spc": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Tòa án Nhân dân Tối cao",
        "Верховный народный суд",
        "최고인민법원",
        "ศาลประชาชนสูงสุด",
        "最高人民法院",
        "Supreme People's Court",
        "SPC",
        "最高法",
        "人民法院",
        "法院",
        "审判机关",
        "court",
        "people's court",
        "Supreme Court",
    ],
    "cac": [
        "中央網信辦",
        "Office of the Central Cyberspace Affairs Commission",
        "CAC",
        "国家网信办",
        "网信办",
        "网信部门",
        "国家互联网信息办公室",
        "中央网络安全和信息化委员会办公室",
        "Cyberspace Administration of China",
        "cyberspace administration",
        "Central Cyberspace Affairs Commission",
        "cyberspace affairs office",
        "State Internet Information Office",
    ],
    "mohrss": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Bộ Nhân lực và An sinh Xã hội",
        "Министерство людских ресурсов и социального обеспечения",
        "인력자원사회보장부",
        "กระทรวงทรัพยากรมนุษย์และประกันสังคม",
        "人力資源社會保障部",
        "Ministry of Human Resources and Social Security",
        "Ministry of Human Resources",
        "MOHRSS",
        "人社部",
        "人力资源和社会保障部",
        "人力资源社会保障部门",
        "人社部门",
        "人社局",
        "人社厅",
        "人力资源和社会保障局",
        "人力资源社会保障局",
        "劳动局",
        "劳动部门",
        "劳动保障部门",
        "劳动保障监察",
        "劳动监察",
        "劳动和社会保障部",
        "劳动部",
        "human resources and social security",
        "labour department",
        "labor department",
        "labour bureau",
        "labor bureau",
        "Ministry of Labour",
        "Ministry of Labor",
        "labour inspection",
        "labor inspection",
    ],
    "mfa": [
        # the same agency as border-language questions name it (vi ru ko th mn km lo my)
        "Bộ Ngoại giao",
        "Министерство иностранных дел",
        "МИД",
        "외교부",
        "กระทรวงการต่างประเทศ",
        "Гадаад хэргийн яам",
        "ក្រសួងការបរទេស",
        "ກະຊວງການຕ່າງປະເທດ",
        "နိုင်ငံခြားရေးဝန်ကြီးဌာန",
        "外交部",
        "Ministry of Foreign Affairs",
        "MFA",
        "外交部门",
        "外事办",
        "外事部门",
        "驻外使领馆",
        "使领馆",
        "foreign ministry",
        "foreign affairs office",
        "Chinese embassy",
        "Chinese consulate",
    ],
    "samr": [
        "市場監管總局",
        "State Administration for Market Regulation",
        "SAMR",
        "SAIC",
        "国家市场监督管理总局",
        "市场监管部门",
        "市场监督管理部门",
        "市场监管局",
        "市场监督管理局",
        "工商局",
        "工商部门",
        "工商行政管理部门",
        "工商行政管理局",
        "国家工商总局",
        "国家工商行政管理总局",
        "market regulator",
        "market regulation bureau",
        "market supervision bureau",
        "Administration for Industry and Commerce",
    ],
    "nrta": [
        "廣電總局",
        "National Radio and Television Administration",
        "NRTA",
        "SAPPRFT",
        "SARFT",
        "国家广播电视总局",
        "国家广电总局",
        "广电部门",
        "广电局",
        "广播电视局",
        "广播电视主管部门",
        "国家新闻出版广电总局",
        "radio and television administration",
    ],
    "miit": [
        "工業和信息化部",
        "Ministry of Industry and Information Technology",
        "MIIT",
        "工信部",
        "工业和信息化部门",
        "工信部门",
        "通信管理局",
        "industry and information technology",
        "communications administration",
    ],
    "cdpf": [
        "中國殘聯",
        "China Disabled Persons' Federation",
        "CDPF",
        "中国残疾人联合会",
        "残疾人联合会",
        "残联",
        "Disabled Persons' Federation",
        "disability federation",
    ],
    "acftu": [
        "全國總工會",
        "All-China Federation of Trade Unions",
        "ACFTU",
        "中华全国总工会",
        "总工会",
        "工会组织",
        "trade union",
        "labour union",
        "labor union",
    ],
    "mofcom": [
        "商務部",
        "Ministry of Commerce",
        "MOFCOM",
        "商务部门",
        "商务主管部门",
        "商务局",
        "商务厅",
        "commerce department",
        "commerce bureau",
        "Commerce Ministry",
    ],
    "cpla": [
        "中央政法委",
        "Central Political and Legal Affairs Commission",
        "CPLAC",
        "中共中央政法委员会",
        "政法委",
        "政法委员会",
        "political and legal affairs commission",
        "political-legal commission",
        "political and legal committee",
    ],
    "nwccw-office": [
        "國務院婦兒工委辦公室",
        "Office of the National Working Committee on Children and Women under the State Council",
        "NWCCW",
        "国务院妇女儿童工作委员会办公室",
        "国务院妇儿工委办公室",
        "妇儿工委",
        "妇儿工委办",
        "妇女儿童工作委员会",
        "National Working Committee on Children and Women",
        "working committee on children and women",
    ],
    "mct": [
        "文化和旅遊部",
        "Ministry of Culture and Tourism",
        "MCT",
        "文旅部",
        "文化和旅游部门",
        "文旅部门",
        "文化和旅游局",
        "文化和旅游厅",
        "文旅局",
        "文旅厅",
        "文化部",
        "国家旅游局",
        "旅游局",
        "Ministry of Culture",
        "National Tourism Administration",
        "culture and tourism department",
        "culture and tourism bureau",
        "tourism bureau",
        "tourism administration",
    ],
    "neac": [
        "國家民委",
        "National Ethnic Affairs Commission",
        "NEAC",
        "SEAC",
        "国家民族事务委员会",
        "民族事务委员会",
        "民族事务部门",
        "民族宗教事务局",
        "民宗局",
        "ethnic affairs",
    ],
    "joint-meeting-members": [
        "國務院反拐部際聯席會議各成員單位",
        "All member units of the State Council Inter-Ministerial Joint Meeting "
        "against Human Trafficking",
        "国务院反拐部际联席会议",
        "反拐部际联席会议",
        "反拐联席会议",
        "联席会议成员单位",
        "Inter-Ministerial Joint Meeting",
        "joint meeting",
    ],
    "npcsc-lac": [
        "全國人大常委會法工委",
        "Legislative Affairs Commission of the Standing Committee of the National "
        "People's Congress",
        "NPCSC LAC",
        "全国人民代表大会常务委员会法制工作委员会",
        "全国人大常委会法制工作委员会",
        "人大法工委",
        "法工委",
        "Legislative Affairs Commission",
    ],
    "cncwy": [
        "中國關工委",
        "China National Committee for the Wellbeing of the Youth",
        "CNCWY",
        "中国关心下一代工作委员会",
        "关心下一代工作委员会",
        "关工委",
        "Committee for the Wellbeing of the Youth",
        "Committee for the Well-being of the Youth",
    ],
    "mof": [
        "財政部",
        "Ministry of Finance",
        "MOF",
        "财政部门",
        "财政局",
        "财政厅",
        "Finance Ministry",
        "finance bureau",
        "finance department",
    ],
    "cpd": [
        "中央宣傳部",
        "Publicity Department of the CPC Central Committee",
        "CPD",
        "中宣部",
        "中共中央宣传部",
        "宣传部门",
        "宣传部",
        "Central Publicity Department",
        "Publicity Department",
        "Propaganda Department",
    ],
    "mara": [
        "農業農村部",
        "Ministry of Agriculture and Rural Affairs",
        "MARA",
        "农业农村部门",
        "农业农村局",
        "农业农村厅",
        "农业部门",
        "农业局",
        "农业部",
        "Ministry of Agriculture",
        "agriculture and rural affairs",
        "agriculture bureau",
    ],
    "ndrc": [
        "國家發展改革委",
        "National Development and Reform Commission",
        "NDRC",
        "国家发展和改革委员会",
        "国家发改委",
        "发改委",
        "发展改革委",
        "发展改革部门",
        "发改局",
        "development and reform commission",
    ],
    "nrra": [
        "國家鄉村振興局",
        "National Rural Revitalization Administration",
        "NRRA",
        "LGOP",
        "乡村振兴局",
        "乡村振兴部门",
        "国务院扶贫办",
        "扶贫办",
        "国务院扶贫开发领导小组办公室",
        "扶贫开发办公室",
        "rural revitalization administration",
        "rural revitalisation administration",
        "rural revitalization bureau",
        "rural revitalisation bureau",
        "poverty alleviation office",
    ],
    "mot": [
        "交通運輸部",
        "Ministry of Transport",
        "MOT",
        "交通部",
        "交通运输部门",
        "交通运输局",
        "交通运输厅",
        "交通局",
        "国家铁路局",
        "Ministry of Transportation",
        "Ministry of Communications",
        "transport department",
        "transport bureau",
        "transportation department",
        "Department of Transportation",
        "National Railway Administration",
    ],
    "mohurd": [
        "住房城鄉建設部",
        "Ministry of Housing and Urban-Rural Development",
        "MOHURD",
        "住建部",
        "住房和城乡建设部",
        "住房城乡建设部门",
        "住建部门",
        "住建局",
        "住建厅",
        "住房和城乡建设局",
        "housing and urban-rural development",
        "Ministry of Construction",
    ],
    "sasac": [
        "國務院國資委",
        "State-owned Assets Supervision and Administration Commission of the State Council",
        "SASAC",
        "国资委",
        "国有资产监督管理委员会",
        "state-owned assets supervision and administration commission",
    ],
    "caac": [
        "中國民航局",
        "Civil Aviation Administration of China",
        "CAAC",
        "中国民用航空局",
        "民用航空局",
        "民航局",
        "民航管理局",
        "民航部门",
        "民航",
        "Civil Aviation Administration",
        "civil aviation",
    ],
    "china-railway": [
        "中國國家鐵路集團有限公司",
        "China State Railway Group Co., Ltd.",
        "国铁集团",
        "中国国家铁路集团",
        "中国铁路",
        "国铁",
        "中国铁路总公司",
        "铁路总公司",
        "铁路局",
        "铁路部门",
        "铁路",
        "China Railway",
        "China State Railway Group",
        "China Railway Corporation",
        "railway bureau",
    ],
}
# Names that resolve only typed alone (the filter, the URL): inside a sentence they are
# part of other words, so question analysis must not tag them.
ALONE = {
    "mps": ["immigration"],
    "mca": ["民政"],
    "moj": ["justice"],
    "cylc": ["团委"],
    "cac": ["网信", "cyberspace"],
    "mfa": ["外办"],
    "samr": ["市场监管", "market regulation", "market supervision"],
    "nrta": ["广电"],
    "acftu": ["工会"],
    "neac": ["民委"],
    "joint-meeting-members": ["联席会议"],
    "mohurd": ["建设部"],
}
# The names of the issue, as people type them (Traditional, apostrophes, width, case).
ISSUE = {
    "公安局": "mps",
    "派出所": "mps",
    "民政局": "mca",
    "民政厅": "mca",
    "民政廳": "mca",
    "教育局": "moe",
    "卫生局": "nhc",
    "衛生局": "nhc",
    "司法局": "moj",
    "人社局": "mohrss",
    "劳动局": "mohrss",
    "勞動局": "mohrss",
    "市场监管局": "samr",
    "市場監管局": "samr",
    "工商局": "samr",
    "卫生部": "nhc",
    "衛生部": "nhc",
    "Ministry of Health": "nhc",
    "文化部": "mct",
    "中国铁路总公司": "china-railway",
    "中國鐵路總公司": "china-railway",
    "China Railway": "china-railway",
    "国家移民管理局": "mps",
    "國家移民管理局": "mps",
    "National Immigration Administration": "mps",
    "PSB": "mps",
    "SAMR": "samr",
    "CAAC": "caac",
    "CDPF": "cdpf",
    "MOE": "moe",
    "MoE": "moe",
    "NHC": "nhc",
    "MOHRSS": "mohrss",
    "Womens Federation": "acwf",
    "Women’s Federation": "acwf",
    "All China Womens Federation": "acwf",
    "Supreme Peoples Court": "spc",
    "Supreme People’s Court": "spc",
    "supreme people's court": "spc",
    "ＳＵＰＲＥＭＥ　ＰＥＯＰＬＥ’Ｓ　ＣＯＵＲＴ": "spc",
    "妇联": "acwf",
    "婦聯": "acwf",
    "全國婦聯": "acwf",
    "法院": "spc",
    "检察院": "spp",
    "檢察院": "spp",
    "网信办": "cac",
    "網信辦": "cac",
    "上海市民政局": "mca",
    "北京市公安局": "mps",
    "朝阳区公安分局": "mps",
    "海淀區教委": "moe",
}
# Phrases that hold an agency's words but name no agency (or not that one).
NOT_AGENCIES = [
    ("Conduct international cooperation in criminal justice", None),
    ("justice for victims of trafficking", None),
    ("cyberspace security for children", None),
    ("员工会不会被拐卖到外地", None),
    ("村民委员会发现被拐妇女怎么办", "neac"),
    ("居民委员会应当做什么", "neac"),
    ("推广电视公益广告", None),
    ("在国外办理护照时被扣押证件", None),
    ("集团委托中介招工", None),
    ("加强人力资源市场监管", "samr"),
    ("居民政策和公民政治权利", None),
    ("Mara says moe and mot are words", None),
    ("a courtyard of the school", None),
    ("labour market supervision", "samr"),
    ("what does the immigration law say", None),
    ("铁路公安发现被拐儿童", "china-railway"),
    ("国家铁路局负责什么", "china-railway"),
]
SENTENCE = {"zh": "{}在反拐工作中负责什么", "en": "What does the {} do against trafficking?"}
_S2TW = opencc.OpenCC("s2tw")


def _variants(name: str) -> list[str]:
    """A name as typed: as written, in Traditional, with a curly apostrophe or none."""
    out = [name]
    if _S2TW.convert(name) != name:
        out.append(_S2TW.convert(name))
    if "'" in name:
        out += [name.replace("'", "’"), name.replace("'", "")]
    return out


def _cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(typed, i) for i, names in table.items() for n in names for typed in _variants(n)]


def _sentence(name: str) -> str:
    return SENTENCE["en" if name.isascii() else "zh"].format(name)


def _search(client, q: str, agency: str | None = None) -> dict:
    params = {"q": q, "k": 1, "mode": "keyword", **({"agency": agency} if agency else {})}
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()["query"]


def test_the_tables_list_every_name_of_the_registry():
    registry = {
        name_key(n): a.id
        for a in load_agencies()
        for n in [a.zh_hant, a.en, *a.abbreviations, *a.aliases, *a.exact_aliases]
    }
    listed = {name_key(n): i for table in (NAMED, ALONE) for i, ns in table.items() for n in ns}
    assert listed == registry


@pytest.mark.parametrize(("name", "agency_id"), _cases(NAMED) + _cases(ALONE) + list(ISSUE.items()))
def test_name_resolves_by_url_and_filter(client, name, agency_id):
    response = client.get(f"/agencies/{quote(name, safe='')}/passages")
    assert response.status_code == 200, response.text
    assert response.json()["agency"]["id"] == agency_id
    assert _search(client, "反拐", agency=name)["filters"]["agency"] == agency_id


@pytest.mark.parametrize(("name", "agency_id"), _cases(NAMED) + list(ISSUE.items()))
def test_name_in_a_question_tags_its_agency_only(client, name, agency_id):
    tagged = [a["id"] for a in _search(client, _sentence(name))["agencies"]]
    assert tagged == [agency_id]


@pytest.mark.parametrize(("name", "agency_id"), _cases(ALONE))
def test_a_name_resolving_only_alone_tags_nothing_in_a_question(client, name, agency_id):
    assert agency_id not in [a["id"] for a in _search(client, _sentence(name))["agencies"]]


@pytest.mark.parametrize(("phrase", "forbidden"), NOT_AGENCIES)
def test_phrases_that_are_not_agency_names(client, phrase, forbidden):
    tagged = [a["id"] for a in _search(client, phrase)["agencies"]]
    if forbidden is None:
        assert tagged == [], tagged
    else:
        assert forbidden not in tagged, tagged


@pytest.mark.parametrize("phrase", ["criminal justice", "公安部门外", "村民委员会", "市场监管工作"])
def test_a_phrase_is_not_an_agency_filter(client, phrase):
    response = client.get("/search", params={"q": "反拐", "agency": phrase})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_agency"


def test_ask_names_the_agencies_of_a_local_bureau_question(client):
    body = client.post("/ask", json={"question": "我是上海市民政局的工作人员，发现被拐儿童怎么办"})
    assert body.status_code == 200
    assert [a["id"] for a in body.json()["agencies"]] == ["mca"]


def test_an_officer_tags_the_agency_but_adds_no_words_of_its_name(engine):
    """民警 (a police officer) is not the ministry's own name: the question is tagged, but the
    search is not pulled towards every clause that names the Ministry of Public Security."""
    mps_words = set(tokenize_en("Ministry of Public Security"))
    officer = engine.searcher.analyse("民警解救被拐妇女时被围堵")
    assert [a.id for a in officer.agencies] == ["mps"]
    assert not mps_words & set(officer.en_tokens)
    ministry = engine.searcher.analyse("MPS 解救被拐妇女时被围堵")
    assert [a.id for a in ministry.agencies] == ["mps"]
    assert mps_words <= set(ministry.en_tokens)


@pytest.mark.parametrize(
    ("question", "agency_id"),
    [
        ("What are the tasks of the Ministry of Educaton?", "moe"),
        ("responsibilities of the ministry of civil affair", "mca"),
        ("what does the Minstry of Public Security lead", "mps"),
        ("Supreme Peoples Procuratorat cases", "spp"),
    ],
)
def test_a_long_english_name_typed_with_a_slip_still_tags_its_agency(client, question, agency_id):
    assert [a["id"] for a in _search(client, question)["agencies"]] == [agency_id]


@pytest.mark.parametrize(
    "question",
    [
        "What must a teacher do if a student may be trafficked?",
        "How are minors protected from being sold?",
        "the ministry said nothing",
    ],
)
def test_ordinary_words_are_not_taken_for_a_mistyped_name(client, question):
    assert _search(client, question)["agencies"] == []


@pytest.mark.parametrize(
    ("question", "agency_id"),
    [
        ("Какие обязанности у Министерства общественной безопасности по этому плану?", "mps"),
        ("Какие задачи у Министерства гражданских дел?", "mca"),
        ("Чем занимается Министерство иностранных дел Китая в этом плане?", "mfa"),
        ("Что поручено Министерству образования?", "moe"),
        ("Нийгмийн аюулгүй байдлын яамны үүрэг юу вэ?", "mps"),
    ],
)
def test_a_russian_or_mongolian_name_in_any_case_ending_tags_its_agency(
    client, question, agency_id
):
    """Cyrillic names decline (Министерство -> Министерства, Министерству; яам -> яамны):
    the question names the agency whatever the ending."""
    assert [a["id"] for a in _search(client, question)["agencies"]] == [agency_id]
    ask = client.post("/ask", json={"question": question}).json()
    assert ask["intent"] == "obligations", ask
    assert ask["citations"], ask
    for passage_id in ask["citations"]:
        passage = client.get(f"/passages/{passage_id}").json()
        named = passage["lead_agencies"] + passage["cooperating_agencies"]
        assert agency_id in [a["id"] for a in named], (passage_id, ask["answer"])
