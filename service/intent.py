"""What kind of answer a question wants: an agency's obligations, who is responsible, what
the plan says, a fact about the plan, or something the plan does not answer.

Rules over the question's folded text (Simplified, lower case, one apostrophe), because the
kinds are told apart by a few function words that an embedding blurs ("who leads X" and
"what does X say" sit close in meaning). Two principles carry most of the weight:

- a question that names an agency (or the plan) and nothing else of substance is about that
  agency's obligations (or the plan itself): "民政部牵头负责哪些工作", "what does the MCA lead";
- a question that asks for something the plan never states (a sentence length, a phone
  number, an amount, a statistic, a year other than the plan's own, another jurisdiction's
  law, another document, a procedure the plan does not set) is out of scope even when it
  uses the plan's words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from rapidfuzz.distance import Levenshtein

from corpus.models import Agency
from corpus.scripts import to_simplified
from index.roles import RoleFilter
from index.text import normalize

Intent = Literal["obligations", "responsibility", "clause", "fact", "out_of_scope"]
INTENTS: tuple[Intent, ...] = get_args(Intent)
Fact = Literal["period", "date", "issuer", "document_number", "measure_count", "parts", "title"]
# why the plan does not answer: the key of the decline message (service/answer.py)
Gap = Literal[
    "outcome",
    "sentence",
    "contact",
    "amount",
    "statistic",
    "year",
    "jurisdiction",
    "document",
    "procedure",
    "off_topic",
    "agency",
]


@dataclass(frozen=True)
class Reading:
    """The kind of a question and what the answer needs to know about it."""

    intent: Intent
    agency: Agency | None = None  # obligations: whose
    role: RoleFilter = "any"  # obligations: which role was asked about
    fact: Fact | None = None  # fact: which one
    gap: Gap | None = None  # out_of_scope: what the plan does not state


def fold(text: str) -> str:
    """One form to match rules against: NFKC, Simplified, lower case, straight apostrophes."""
    text = to_simplified(normalize(text)).lower()
    return re.sub(r"[‘’ʼ`´]", "'", text)


def _any(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# -- out of scope: what the plan never states ------------------------------------------------
_AFTER_THE_PLAN = re.compile(
    r"(2030年?|计划|行动计划)(以后|之后|结束后|到期后)|下一(个|期|轮)(反拐)?(行动)?计划|新的(行动)?计划"
    r"|\b(after|beyond) 2030\b|\bnext (action |national )?plan\b|\breplace the plan\b|\bsuccessor\b"
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|去年|前年|今年|明年|\b(?:last|this|next) year\b")
PLAN_YEARS = {"2021", "2030"}
GAPS: dict[str, re.Pattern] = {
    "document": _any(
        r"(上一|上个|上期|上轮|前一|之前|以前|旧|老|第一|前几)[个期轮部份]*(反拐)?(行动)?计划",
        r"(previous|earlier|last|old|former|first|prior|predecessor)\s+(national\s+)?"
        r"(anti-?trafficking\s+)?(action\s+)?plans?",
        r"巴勒莫|palermo|本法|本条例|本办法|定义|哪部法律|哪条法律|哪个法律|什么法律|法律依据",
        r"\b(definition|define|defined|defines)\b|\b(which|what) (law|statute|act|article)s?\b",
        r"\blegal basis\b",
        r"(立案|定罪|量刑|入罪|追诉|起诉)标准",
        r"\b(threshold|criteria) for (prosecut|charg|convict)\w*",
        r"人口贩运(问题)?报告|\btip report\b|\btrafficking in persons report\b",
        r"第\s*[0-9一二三四五六七八九十百零〇两]+\s*条",
        r"\barticles?\s+\d+|\bart\.\s*\d+|\bsection\s+\d+\s+of\b",
    ),
    "sentence": _any(  # how heavy a sentence: the plan sets none (whether one is punished
        # at all, or spared as a coerced victim, it does address)
        r"判(几|多少|多久|多长|多重|了几|处几)|刑期|坐(几|多少)年|几年(牢|徒刑)|多少年(徒刑|刑期|牢)",
        r"有期徒刑|无期徒刑|拘役|死刑|(最高|最低|最重|最轻)(判|刑)|量刑(是|为)?多少|刑罚(是|有)(多|什么)",
        r"(prison|jail) (sentences?|terms?|time)\b|\byears (in|of|behind) (prison|jail|bars)\b",
        r"\bsentenc(e|ed|ing) (to|for)\b|\bhow (long|many years)\b.*\b(prison|jail|sentence)",
        r"\bwhat (sentence|penalty|punishment)\b|\bpenalt(y|ies) for\b|\bdeath penalty\b",
        r"\bpunishable by death\b|\bcapital punishment\b|\b(be|get|gets|are) executed\b",
        r"判死刑|处死|枪毙",
        r"\b(maximum|minimum|max|min)\s+(punishment|penalty|sentence)\b",
    ),
    "contact": _any(
        r"电话号码|电话(是|有)?多少|打什么电话|打哪个电话|拨打|热线|联系电话|联系方式|网址|邮箱|微信号|公众号",
        r"(办|局|部|所|队|中心|站|机构|部门)(的)?电话|电话\s*[?？]?$",
        r"(什么|哪个|多少)号码|号码是|专线|拨打|拨哪|打哪个号",
        r"\b(hotline|hot line|helpline|help line|phone number|telephone number|phone no|url)\b",
        r"\b(e-?mail address|whatsapp|what number|which number)\b",
        r"\b(emergency|reporting|report|police|contact|hotline) number\b|\bnumber (for|to) report",
        r"\bnumber (to|i can|should i|do i) (call|ring|dial)\b|\bcontact (number|details|info)",
        r"\b(website|web) address\b|\bwhat (website|site)\b",
    ),
    "amount": _any(
        r"(多少|几)(钱|元|万|块|补偿|赔偿|补助|补贴|奖励|奖金|经费|资金|罚款)|补偿金|赔偿金|补助金|抚恤金",
        r"(奖|赏|罚|赔|补|给)(多少|几)",
        r"多少钱|多少元|几块|多少万|几万|金额|数额|赔(偿)?多少|补偿多少|罚(款|金)?多少|罚款|罚金",
        r"费用|收费|花费|报酬多少|工资多少|奖金多少|奖励多少|赏金|悬赏|经费(是|有)?多少|投入多少",
        r"拨款多少|拨了多少|预算(是|有)?多少|多少预算|多少经费",
        r"(工资|薪水|薪资|月薪|年薪|收入|待遇|补贴|津贴)(是|有|能有|大概)?(多少|几)|多少(工资|薪水|补贴)",
        r"\bhow (big|large|high|generous) (is|are|was|were) (the |a |an )?\w*\s?(rewards?|"
        r"compensation|fines?|payments?|allowances?|subsid\w+|bonus\w*|budgets?|salar\w+|pay)\b",
        r"\bhow much\b",
        r"\b(fees?|fines?|fined|cost|costs|price|salary|bounty|yuan|rmb|dollars?|usd)\b|[$¥￥]",
        r"\bamount of\b|\bbudget (for|of|in)\b",
    ),
    "statistic": _any(
        r"多少(个|名|位|起|例|宗|件|个案)?(人|儿童|孩子|妇女|女性|受害|案|家庭|人贩子|罪犯)",
        r"几(个|名|位|起|例|宗|件)(人|儿童|孩子|妇女|受害|案)",
        r"统计|比例|比率|百分比|占比|人数|案件数|破案率|成功率|排名|排第几|第几级|评级|数据显示|每年有多少",
        r"\bhow many\s+(\w+\s+)?(people|victims|women|children|kids|girls|boys|brides|cases|"
        r"traffickers|persons|crimes|arrests|prosecutions|convictions|families|rescued)\b",
        r"\bhow many\b.*\b(each|every|per|a|last|this) year\b",
        r"\b(statistics?|figures|percentage|proportion|ranking|tier \d)\b",
        r"\bnumber of (victims|cases|people|children|women|arrests|prosecutions|convictions)\b",
        r"\brate of\b",
    ),
    "outcome": _any(  # how the plan has worked out: it sets goals, it reports no results
        r"效果(怎么样|如何|好不好|好吗)|成效(如何|怎么样)|有没有(效果|用|成效)|实施以来|实施得怎么样",
        r"成功了吗|落实得怎么样|完成了吗|进展如何|进展怎么样|做得怎么样",
        r"(计划|它)(有用|管用|起作用|有效)(吗|不)|(计划|它)有没有(用|效)",
        r"\b(has|have|did) (the plan|it|this plan|china) (been |)(work|worked|succeed|succeeded|"
        r"effective|successful|achieve|achieved)\b|\bbeen effective\b|\bso far\b|"
        r"\bhow well\b|\bresults of the plan\b|\bdid it work\b",
        r"\b(is|are) (the plan|it|this plan|this) (working|effective|successful|a success)\b",
        r"\bdoes (the plan|it|this plan) (work|help)\b",
    ),
    "procedure": _any(
        r"签证|绿卡|庇护|难民|打官司|民事诉讼|民事赔偿|索赔|律师费|请律师|找律师|离婚|抚养权|手续",
        r"(想|要|怎么|如何|能否|能不能|可以|去哪)(起诉|告他|告她|告对方|立案)|哪个法院",
        r"(需要|要|得|等)(多久|多长时间|几天|几个月)|(多久|多长时间)(能|可以|才|会|出)",
        r"\b(visa|t-visa|green card|asylum|refugee status|lawsuit|sue|suing|divorce|custody)\b",
        r"\bcivil (suit|case|claim)\b",
        r"\b(hire|find|get) a (lawyer|attorney)\b|\bhow long (does|will|do|is|it|would|must)\b",
        r"\bhow (soon|quickly)\b|\bwhat documents do i need\b",
        r"多久|多长时间|多少天|几个工作日",
    ),
}
# Hong Kong, Macao and Taiwan have their own law and the plan never names them; other places
# are out of scope when their law is asked about (the plan does cover cooperation with them)
# The same gaps in the border languages: words for what the plan never states (a phone
# number, years of prison, an amount, how many, their own country's law, a visa or divorce).
BORDER_GAP_WORDS: dict[str, tuple[str, ...]] = {
    "contact": (
        "số điện thoại",
        "đường dây nóng",
        "số hotline",
        "gọi số nào",
        "전화번호",
        "핫라인",
        "연락처",
        "телефон",
        "горяч",
        "номер телефона",
        "утасны дугаар",
        "шуурхай утас",
        "เบอร์โทร",
        "หมายเลขโทรศัพท์",
        "สายด่วน",
        "ເບີໂທ",
        "ສາຍດ່ວນ",
        "លេខទូរស័ព្ទ",
        "ខ្សែទូរស័ព្ទបន្ទាន់",
        "ဖုန်းနံပါတ်",
        "ဖုန်းလိုင်း",
    ),
    "sentence": (
        "năm tù",
        "phạt tù",
        "ngồi tù",
        "án tù",
        "сколько лет",
        "몇 년 형",
        "몇 년형",
        "คุกกี่ปี",
        "โทษจำคุก",
        "хэдэн жил хорих",
        "mức án",
        "tử hình",
        "징역",
        "형량",
        "사형",
        "лет тюрьмы",
        "лишения свободы",
        "срок заключения",
        "смертн",
        "жилийн хорих",
        "хорих ял",
        "цаазаар",
        "จำคุกกี่ปี",
        "ติดคุกกี่ปี",
        "โทษประหาร",
        "ຈຳຄຸກຈັກປີ",
        "ຕິດຄຸກຈັກປີ",
        "ប៉ុន្មានឆ្នាំ",
        "ទោសប្រហារជីវិត",
        "ထောင်ဒဏ်",
        "သေဒဏ်",
    ),
    "amount": (
        "bao nhiêu tiền",
        "bồi thường bao nhiêu",
        "chi phí",
        "lệ phí",
        "얼마",
        "비용",
        "보상금",
        "배상금",
        "сколько денег",
        "сколько стоит",
        "размер компенсации",
        "стоимость",
        "хэдэн төгрөг",
        "хэр их мөнгө",
        "хэдэн доллар",
        "เท่าไร",
        "เท่าไหร่",
        "ค่าใช้จ่าย",
        "ເທົ່າໃດ",
        "ຄ່າໃຊ້ຈ່າຍ",
        "ចំណាយប៉ុន្មាន",
        "ប៉ុន្មានលុយ",
        "ဘယ်လောက်ပေး",
        "ကုန်ကျစရိတ်",
        "လျော်ကြေး ဘယ်လောက်",
    ),
    "statistic": (
        "bao nhiêu người",
        "bao nhiêu nạn nhân",
        "bao nhiêu vụ",
        "thống kê",
        "몇 명",
        "몇 건",
        "통계",
        "сколько человек",
        "сколько жертв",
        "сколько случаев",
        "статистик",
        "хэдэн хүн",
        "хэдэн хохирогч",
        "статистик",
        "กี่คน",
        "สถิติ",
        "ຈັກຄົນ",
        "ສະຖິຕິ",
        "ប៉ុន្មាននាក់",
        "ស្ថិតិ",
        "ဘယ်နှစ်ယောက်",
        "စာရင်းအင်း",
    ),
    "jurisdiction": (
        "luật việt nam",
        "pháp luật việt nam",
        "luật của việt nam",
        "한국 법",
        "한국법",
        "북한 법",
        "законодательств",
        "закону россии",
        "законам россии",
        "закон рф",
        "монголын хууль",
        "монгол улсын хууль",
        "กฎหมายไทย",
        "ກົດໝາຍລາວ",
        "ກົດໝາຍຂອງລາວ",
        "ច្បាប់កម្ពុជា",
        "ច្បាប់ខ្មែរ",
        "မြန်မာ့ဥပဒေ",
        "မြန်မာဥပဒေ",
        "မြန်မာနိုင်ငံ ဥပဒေ",
    ),
    "procedure": (
        "visa",
        "thị thực",
        "tị nạn",
        "ly hôn",
        "quyền nuôi con",
        "bao lâu",
        "비자",
        "난민",
        "이혼",
        "양육권",
        "얼마나 걸",
        "виз",
        "беженц",
        "развод",
        "опек",
        "сколько времени",
        "как долго",
        "виз",
        "дүрвэгс",
        "гэрлэлт цуцл",
        "асран хамгаал",
        "хэр удаан",
        "วีซ่า",
        "ผู้ลี้ภัย",
        "หย่า",
        "สิทธิ์เลี้ยงดู",
        "นานแค่ไหน",
        "ວີຊາ",
        "ຊີ້ໄພ",
        "ຢ່າຮ້າງ",
        "ດົນປານໃດ",
        "ទិដ្ឋាការ",
        "ជនភៀសខ្លួន",
        "លែងលះ",
        "យូរប៉ុណ្ណា",
        "ဗီဇာ",
        "ဒုက္ခသည်",
        "ကွာရှင်း",
        "ဘယ်လောက်ကြာ",
    ),
}
BORDER_GAP_WORDS["jurisdiction"] += ("พ.ร.บ", "กฎหมายของไทย", "ук рф", "ук рк", "ук кр")
BORDER_GAP_WORDS["statistic"] += ("хэдэн монгол",)
BORDER_GAP_WORDS["procedure"] += (  # how many months
    "mấy tháng",
    "bao nhiêu tháng",
    "몇 달",
    "сколько месяцев",
    "хэдэн сар",
    "กี่เดือน",
    "ຈັກເດືອນ",
    "ប៉ុន្មានខែ",
    "ဘယ်နှစ်လ",
)
for _gap, _words_of_gap in BORDER_GAP_WORDS.items():
    if _gap != "jurisdiction":
        GAPS[_gap] = _any(GAPS[_gap].pattern, *(re.escape(fold(w)) for w in _words_of_gap))
_BORDER_OWN_LAW = re.compile("|".join(re.escape(fold(w)) for w in BORDER_GAP_WORDS["jurisdiction"]))

# -- the kinds in the border languages ---------------------------------------------------------
# The plan has no text in these languages and a question in them leaves no Chinese or English
# remainder to weigh, so the kinds are read from the words that carry them: an agency with
# words about its tasks (obligations), a question word for who (responsibility), the plan
# itself with words for when, who issued it, how long it runs (facts). Each tuple: vi, ru, ko,
# th, mn, km, lo, my.
BORDER_WORDS: dict[str, tuple[str, ...]] = {
    "duty": (  # an agency's tasks, duties, role; what it does; how many
        *("nhiệm vụ", "công việc", "việc gì", "làm gì", "những gì", "trách nhiệm", "vai trò"),
        *("chức năng", "bao nhiêu việc"),
        *("задач", "обязанност", "функци", "роль", "чем занимается", "что делает", "что должн"),
        *("за что отвечает", "полномочи", "сколько", "поручен", "чем долж"),
        *(
            "업무",
            "역할",
            "임무",
            "책임",
            "무엇을 하",
            "무슨 일",
            "어떤 일",
            "몇 개",
            "몇 가지",
            "하는 일",
        ),
        *("งานอะไร", "ทำอะไร", "หน้าที่", "บทบาท", "ภารกิจ", "ความรับผิดชอบ", "กี่งาน", "กี่เรื่อง"),
        *("ажил", "үүрэг", "юу хийдэг", "юу хийх", "хэдэн", "хариуцлага"),
        *("ការងារ", "តួនាទី", "ភារកិច្ច", "ធ្វើអ្វី", "កាតព្វកិច្ច", "ប៉ុន្មាន"),
        *("ວຽກ", "ໜ້າທີ່", "ບົດບາດ", "ເຮັດຫຍັງ", "ຈັກ"),
        *("တာဝန်", "ဘာတွေ လုပ်", "ဘာလုပ်", "အခန်းကဏ္ဍ", "လုပ်ငန်း"),
    ),
    "lead": (
        *("chủ trì", "phụ trách", "đứng đầu", "dẫn đầu", "chịu trách nhiệm chính"),
        *("возглавля", "руковод", "ведущ", "отвечает за", "ответственн", "курирует"),
        *("주관", "주도", "책임지", "담당", "이끄", "총괄"),
        *("รับผิดชอบ", "เป็นผู้นำ", "เป็นเจ้าภาพ"),
        *("хариуц", "удирд", "тэргүүл", "манлайл"),
        *("ទទួលខុសត្រូវ", "ដឹកនាំ"),
        *("ຮັບຜິດຊອບ", "ເປັນເຈົ້າການ", "ນຳພາ"),
        *("ဦးဆောင်", "တာဝန်ယူ"),
    ),
    "cooperate": (
        *("phối hợp", "hỗ trợ", "tham gia", "hợp tác", "giúp đỡ"),
        *("участву", "содейств", "помога", "сотруднича", "взаимодейств", "поддержива", "совместно"),
        *("협력", "협조", "지원", "참여", "돕", "도와"),
        *("ร่วมมือ", "สนับสนุน", "ช่วย", "ประสาน", "มีส่วนร่วม"),
        *("хамтр", "дэмж", "тусл", "оролц"),
        *("សហការ", "គាំទ្រ", "ជួយ", "ចូលរួម"),
        *("ຮ່ວມມື", "ສະໜັບສະໜູນ", "ຊ່ວຍ", "ປະສານ"),
        *("ပူးပေါင်း", "ကူညီ", "ပံ့ပိုး"),
    ),
    "who": (
        *("cơ quan nào", "bộ nào", "đơn vị nào", "do ai", "ai "),
        *("какие ведомства", "какие органы", "какие министерства", "какие организации"),
        *(
            "кто",
            "кем",
            "какое ведомство",
            "какой орган",
            "какое министерство",
            "какая организация",
        ),
        *("누가", "누구", "어느 기관", "어떤 기관", "어느 부처", "어떤 부처", "어느 부서"),
        *("ใคร", "หน่วยงานใด", "หน่วยงานไหน", "กระทรวงใด", "กระทรวงไหน"),
        *("хэн", "аль байгууллага", "ямар байгууллага", "аль яам"),
        *("អ្នកណា", "នរណា", "ស្ថាប័នណា", "ក្រសួងណា"),
        *("ໃຜ", "ໜ່ວຍງານໃດ", "ອົງການໃດ", "ກະຊວງໃດ"),
        *("ဘယ်သူ", "ဘယ်ဌာန", "ဘယ်အဖွဲ့"),
    ),
    "plan": ("kế hoạch", "план", "계획", "แผน", "төлөвлөгөө", "ផែនការ", "ແຜນ", "စီမံကိန်း", "စီမံချက်"),
    "issued": (  # issued, adopted, published
        *("ban hành", "công bố", "thông qua", "ra đời", "phê duyệt"),
        *("принят", "утвержд", "издан", "опубликован", "выпущен", "вышел", "выпустил", "издал"),
        *("발표", "공포", "발행", "채택", "나왔", "만들"),
        *("ออก", "ประกาศ"),
        *("батал", "гарга", "нийтэл"),
        *("ចេញ", "អនុម័ត", "ប្រកាស"),
        *("ອອກ", "ປະກາດ"),
        *("ထုတ်ပြန်", "ပြဋ္ဌာန်း"),
    ),
    "when": (
        *("khi nào", "ngày nào", "lúc nào", "ngày tháng", "năm nào", "bao giờ"),
        *("когда", "какого числа", "дата", "в каком году"),
        *("언제", "날짜", "몇 년에", "몇 월"),
        *("เมื่อไหร่", "เมื่อไร", "วันที่", "วันไหน", "ปีไหน"),
        *("хэзээ", "огноо", "хэдэн онд"),
        *("ពេលណា", "ថ្ងៃណា", "កាលបរិច្ឆេទ", "ឆ្នាំណា"),
        *("ເມື່ອໃດ", "ວັນທີ", "ມື້ໃດ", "ປີໃດ"),
        *("ဘယ်အချိန်", "ဘယ်နေ့", "ရက်စွဲ", "ဘယ်တုန်းက", "ဘယ်နှစ်"),
    ),
    "period": (
        *("đến năm nào", "giai đoạn", "thời hạn", "hiệu lực", "kéo dài"),
        *("период", "срок", "до какого года", "рассчитан", "действует до", "на сколько лет"),
        *("기간", "언제까지", "몇 년까지", "유효"),
        *("ถึงปีไหน", "ระยะเวลา", "ช่วงปี", "สิ้นสุด"),
        *("хугацаа", "он хүртэл", "хэдий хүртэл"),
        *("រយៈពេល", "ដល់ឆ្នាំណា", "សុពលភាព"),
        *("ໄລຍະເວລາ", "ຮອດປີໃດ", "ເຖິງປີໃດ"),
        *("ဘယ်နှစ်အထိ", "ကာလ", "သက်တမ်း"),
    ),
    "document_number": (
        *("số hiệu", "số văn bản", "номер документа", "문서 번호", "문서번호", "เลขที่"),
        *("баримт бичгийн дугаар", "លេខឯកសារ", "ເລກທີ", "စာအမှတ်"),
    ),
    "measure_count": (
        *("bao nhiêu biện pháp", "mấy biện pháp", "сколько мер", "몇 개의 조치", "조치는 몇"),
        *("กี่มาตรการ", "хэдэн арга хэмжээ", "វិធានការប៉ុន្មាន", "ຈັກມາດຕະການ", "အစီအမံ ဘယ်နှစ်"),
    ),
    "parts": (
        *(
            "mấy phần",
            "bao nhiêu phần",
            "cấu trúc",
            "сколько частей",
            "из каких частей",
            "структур",
        ),
        *("몇 부분", "구성", "구조", "กี่ส่วน", "โครงสร้าง", "хэдэн хэсэг", "бүтэц"),
        *("ប៉ុន្មានផ្នែក", "រចនាសម្ព័ន្ធ", "ຈັກພາກ", "ໂຄງສ້າງ", "အပိုင်း ဘယ်နှစ်", "ဖွဲ့စည်းပုံ"),
    ),
    "title": (
        *("tên đầy đủ", "tên chính thức", "tên gọi", "полное название", "официальное название"),
        *("как называется", "정식 명칭", "이름", "제목", "ชื่อเต็ม", "ชื่อทางการ", "бүтэн нэр"),
        *("албан ёсны нэр", "ឈ្មោះពេញ", "ຊື່ເຕັມ", "အမည်အပြည့်အစုံ"),
    ),
}


def _border_word(word: str) -> str:
    """A word of a spaced script (Vietnamese, Russian, Mongolian) starts a word; one of an
    unspaced script (Thai, Lao, Khmer, Burmese) or a Korean stem may sit anywhere."""
    spaced = re.match(r"[a-z\u00c0-\u024f\u1e00-\u1eff\u0400-\u04ff]", word)
    return (r"(?<!\w)" if spaced else "") + re.escape(fold(word))  # as questions are folded


_BORDER = {
    meaning: re.compile("|".join(map(_border_word, words)))
    for meaning, words in BORDER_WORDS.items()
}
# letters of the border languages' scripts (Vietnamese by its own vowels and đ)
_BORDER_SCRIPT = re.compile(
    "[\u0400-\u04ff\u1100-\u11ff\uac00-\ud7af\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f"
    "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]"
)
BORDER_FACT_ORDER = ("document_number", "period", "measure_count", "parts", "title")


def _border_fact(folded: str) -> Fact | None:
    """A border-language question about the plan itself: the plan named, with a word for
    when or by whom it was issued, or for its period, number, measures, parts or title."""
    if not _BORDER["plan"].search(folded):
        return None
    if _BORDER["issued"].search(folded):
        if _BORDER["who"].search(folded):
            return "issuer"
        if _BORDER["when"].search(folded):
            return "date"
    return next((f for f in BORDER_FACT_ORDER if _BORDER[f].search(folded)), None)  # type: ignore[return-value]


def _border_role(folded: str) -> RoleFilter:
    lead, cooperate = (
        bool(_BORDER["lead"].search(folded)),
        bool(_BORDER["cooperate"].search(folded)),
    )
    if cooperate and not lead:
        return "cooperating"
    if lead and not cooperate:
        return "lead"
    return "any"


_OWN_LAW = _any(r"香港|澳门|台湾", r"\b(hong kong|hk|macau|macao|taiwan)\b")
_PLACES = _any(
    r"美国|英国|欧盟|欧洲|日本|韩国|朝鲜|泰国|越南|缅甸|老挝|柬埔寨|菲律宾|印尼|马来西亚|新加坡|俄罗斯",
    r"蒙古|哈萨克|印度|巴基斯坦",
    r"\bus (law|laws|government|state department|congress|courts?)\b",
    r"\b(usa|u\.s\.|united states|america|american|uk|britain|british|england|european union|"
    r"eu|europe|japan|korea|thailand|thai|vietnam|vietnamese|myanmar|burma|laos|lao|cambodia|"
    r"philippines|indonesia|malaysia|singapore|russia|mongolia|kazakhstan|india|pakistan)\b",
)
_FOREIGN_LAW = _any(
    r"法律|法规|法例|条例|立法|法案|刑法|法院|(的|本地|当地)法",
    r"(?<![办方做说看想手写违犯合守执非])法[?？吗呢]?$",
    r"报告|评级|排名|评(了)?(几|什么)级|\b(report|ranking|rating|ranked|tier)\b",
    r"\b(laws?|ordinance|act|statutes?|legislation|legal system|penal code|criminal code|"
    r"courts?)\b",
)

# -- facts about the plan itself -------------------------------------------------------------
_PLAN = _any(
    r"行动计划|反拐计划|这个计划|这份计划|该计划|本计划|这份文件|这个文件|该文件|文件|通知|13号文|计划",
    r"国办发",
    r"\b(action plan|the plan|this plan|plan|document|notice|policy)\b",
    r"\bstate council (release|issue|publish|adopt)\w* (this|it)\b",
)
STRONG_FACTS = ("document_number", "issuer")  # asked of the plan, they are never about a clause
FACTS: dict[str, re.Pattern] = {  # checked in this order
    "document_number": _any(
        r"文号|字号|编号|几号|国办发|文件号",
        r"\b(document|reference|file|doc)\s*"
        r"(number|no\.?|#)|\bnumber of the (document|notice)\b",
    ),
    "issuer": _any(
        r"(谁|哪个部门|哪个机关|哪个单位|什么机关|什么部门|哪里)(发布|印发|出台|颁布|制定|发的|出的)",
        r"发布(机关|单位|部门)|发文(机关|单位)|制定(机关|单位|部门)|(是|由)谁(发|制定|出)",
        r"国务院(办公厅)?(发|印发|发布|出台|制定)",
        r"\bwho (issued|published|wrote|made|adopted|released|drafted)\b|\bissued by\b|\bissuer\b",
        r"\bwhich (\w+ )?(body|agency|department|office|authority|ministry|organ) "
        r"(issued|published|adopted|released|put out|drew up|drafted)\b",
        r"\bwho (put|puts) (out|forward)\b|\bwho (drew up|came up with|is behind|authored)\b",
    ),
    "period": _any(
        r"期限|时期|时段|有效期|实施期|起止|到哪一?年|到什么时候|多少年|几年|到期|截止|哪几年|结束|为期",
        r"(哪些|哪几|什么)年份|覆盖(哪|几|多少)|涵盖(哪|几|多少)|有效期|多长|"
        r"管到|管几年|管多久|执行到|实施到|有效到|持续到|用到|(期|计划|文件)(是)?(多久|多长时间|多长)",
        r"\b(period|how long|which years|what years|timeframe|time frame|cover|covers|last|lasts|"
        r"valid|expire|expires|run|runs|until|span|end|ends|finish|finishes)\b",
    ),
    "date": _any(
        r"(什么时候|啥时候|何时|哪天|哪一天|几月|哪年|哪一年|日期|时间)(发布|印发|出台|颁布|公布|发的|出的)?",
        r"\bwhen (did|was) (the |this )?(action )?plan (come out|out|issued|released|published)\b",
        r"(发布|印发|出台|颁布|公布)(的)?(时间|日期|于)",
        r"\bwhen (was|did)\b|\b(date|day)\b|\bwhat year\b|\bwhich year\b",
        r"\b(issued|published|adopted|released|promulgated) (on|in)\b",
    ),
    "parts": _any(
        r"(几|多少|哪些|哪几)(个)?(部分|章|节|板块|方面)|结构|目录|框架|章节|分为|分成",
        r"\b(parts|sections|chapters|structure|structured|organi[sz]ed|outline|contents|"
        r"divided)\b",
    ),
    "measure_count": _any(
        r"(多少|几)(项|条|个)(措施|任务|工作|内容|条款)?|措施有多少",
        r"\bhow many\s+(\w+\s+)?(measures|tasks|items|bullets|passages|clauses|actions|goals|"
        r"points|provisions)\b",
    ),
    "title": _any(
        r"名称|全称|全名|标题|叫什么|名字", r"\b(title|called|full name|official name|name)\b"
    ),
}

# -- who is responsible ----------------------------------------------------------------------
_WHO = _any(
    r"谁|哪个部门|哪些部门|什么部门|哪个机构|哪些机构|什么机构|哪个单位|哪些单位|哪家|哪个机关|哪些机关",
    r"由哪|主管部门|牵头部门|负责部门|责任部门|职能部门|归哪|归谁|找哪",
    r"(^|[.?!;:,]\s*|\b(and|but|so|then|exactly|know|me|tell me)\s+)(who|whom|who's)\b",
    r"\bto whom\b|\bwho (leads|handles|coordinates|oversees|runs|manages|is|are|takes|should|"
    r"must|will|can|do|does)\b",
    r"\b(which|what) (agenc|department|ministr|bod|authorit|organi[sz]ation|institution|office|"
    r"unit|government bod)\w*",
)
_IN_CHARGE = re.compile(r"\bin charge\b")

# -- an agency's obligations -----------------------------------------------------------------
_LEAD = _any(
    r"牵头|负责|主导|主管|主责|主抓|领导|带头",
    r"\b(lead|leads|leading|led|in charge|responsible)\b",
)
_COOPERATE = _any(
    r"配合|协助|参与|协作|支持|帮助|协同",
    r"\b(cooperat\w*|co-operat\w*|assist\w*|support\w*|help\w*|contribut\w*|partner\w*|"
    r"take part|participat\w*|join\w*)\b",
)


# words that ask about an agency's tasks without naming a topic
def _words(*groups: str) -> re.Pattern:
    """Any of the words, longest first (so 了解 is taken whole, not as 了 and 解)."""
    words = {w for group in groups for w in group.split()}
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))


# words that ask about an agency's tasks without naming a topic
_OBLIGATION_WORDS = _words(
    "牵头 负责 主导 主管 主责 主抓 配合 协助 参与 协作 支持 承担 担任 分工 职责 责任 任务",
    "工作 义务",
    "作用 角色 事情 事项 事儿 事 措施 条款 内容 项目 方面 项 条 哪些 什么 多少 几 啥 哪 干 做 管",
    "有 要 需要 得 应 应该 在 中 里 的 了 吗 呢 啊 呀 和 与 及 或 都 一共 总共 共 分别 请问 告诉我",
    "列出 列举 具体 主要 所有 全部 这 那 个 份 本 块 这块 些 活 活儿 儿 想 了解 一下 下 这边 我们",
    "我 其他 别的 部门 单位 反拐 打拐 拐卖 人口 行动计划 计划 根据 按照 国家 中国 我国",
)
_EN_FILLER = frozenset(
    """a an the of in on for to and or what which whats what's does do did is are was were be
    been it its it's their they them under according plan action china chinas china's
    national anti trafficking human persons person work job jobs role roles duty
    duties task tasks responsibility responsibilities obligation obligations function
    functions mandate lead leads leading led cooperate cooperates cooperating co
    operate assist assists support supports help helps contribute contributes
    participate participates take part in charge responsible involved involve have has
    got get list all every each how many much number measures measure items item
    things thing passages clauses areas parts tell me please show give can could
    should must shall will would need needs required supposed expected main key
    exactly specifically s which's as by with from about this that these those total
    altogether overall there here do doing does handle handles deal deals other play plays
    playing supporting assisting helping cooperating leading part parts involved
    departments department agencies agency bodies body government""".split()  # noqa: SIM905
)


TYPO_WORD_SIMILARITY = 0.8  # one slip in a word of five to nine letters


def _remainder(text: str, names: list[str], cjk_words: re.Pattern) -> tuple[str, list[str]]:
    """What is left of a question once the given names and the generic words are removed:
    (Chinese characters, English words)."""
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = re.sub(re.escape(name.lower()) + "[局厅处所委办院]?", " ", text)
    chinese = "".join(re.findall(r"[\u4e00-\u9fff]", cjk_words.sub(" ", text)))
    words = [w for w in re.findall(r"[a-z]+", text) if w not in _EN_FILLER]
    # a name typed with a slip (index/aliases.py found the agency by edit distance)
    typed = {w for name in names for w in re.findall(r"[a-z]{5,}", name)}
    words = [w for w in words if not any(_near(w, t) for t in typed)]
    return chinese, words


def _near(word: str, name_word: str) -> bool:
    return Levenshtein.normalized_similarity(word, name_word) >= TYPO_WORD_SIMILARITY


def _agency_names(agency: Agency) -> list[str]:
    names = [agency.id, agency.zh_hans, to_simplified(agency.zh_hant), agency.en]
    names += [*agency.abbreviations, *agency.aliases]
    return [fold(n) for n in names] + [fold(n.replace("'", "")) for n in names]


_PLAN_FILLER = _any(
    _PLAN.pattern,
    r"中国反对拐卖人口|2021|2030|年|[—–-]",
    *(p.pattern for p in FACTS.values()),
    _OBLIGATION_WORDS.pattern,
    r"是|这|那|该|本|个|份|部|分|什么时候|何时|谁|哪个|部门|发布|印发|出台|颁布|制定|国务院|办公厅|发",
    r"包括|包含|组成|构成|涵盖|覆盖|正式|官方|多久|多长时间|多长|怎样|怎么样|如何|啥|出|成|月|日|全名|年份|哪些",
)
_PLAN_EN_FILLER = _EN_FILLER | frozenset(
    """when who issued published adopted released promulgated date day year years period long
    cover covers last lasts valid until run runs title called name full official
    structure structured organized organised outline contents divided sections
    chapters against document notice policy reference file no new current latest begin
    start end effect come came into force state council release officially formally exact
    include includes including consist consists contain contains made up chinese english
    language put out come came drew up drafted behind authored government""".split()  # noqa: SIM905
)


def _about_the_plan_only(folded: str) -> bool:
    if not _PLAN.search(folded):
        return False
    rest = _PLAN_FILLER.sub(" ", folded)
    chinese = "".join(re.findall(r"[\u4e00-\u9fff]", rest))
    words = [w for w in re.findall(r"[a-z]+", rest) if w not in _PLAN_EN_FILLER]
    return not chinese and not words


def read(question: str, agencies: tuple[Agency, ...] = ()) -> Reading:
    """The kind of ``question``; ``agencies`` are the agencies it names (index/aliases.py)."""
    folded = fold(question)
    if GAPS["document"].search(folded):
        return Reading("out_of_scope", gap="document")
    years = set(_YEAR.findall(folded)) - PLAN_YEARS  # years other than the plan's own
    if _AFTER_THE_PLAN.search(folded):
        years.add("after 2030")
    strong = _PLAN.search(folded) and next(
        (name for name in STRONG_FACTS if FACTS[name].search(folded)), None
    )
    border = bool(_BORDER_SCRIPT.search(folded))
    border_fact = _border_fact(folded) if border and not agencies else None
    if border_fact and not years:
        return Reading("fact", fact=border_fact)
    if (strong or _about_the_plan_only(folded)) and not years:
        fact = strong or next((name for name, p in FACTS.items() if p.search(folded)), "title")
        return Reading("fact", fact=fact)
    if years:
        return Reading("out_of_scope", gap="year")
    if (
        _OWN_LAW.search(folded)
        or _BORDER_OWN_LAW.search(folded)
        or (_PLACES.search(folded) and _FOREIGN_LAW.search(folded))
    ):
        return Reading("out_of_scope", gap="jurisdiction")
    for gap in ("sentence", "contact", "amount", "statistic", "outcome", "procedure"):
        if GAPS[gap].search(folded):
            return Reading("out_of_scope", gap=gap)  # type: ignore[arg-type]
    if not agencies and _asks_about_another_body(folded):
        return Reading("out_of_scope", gap="agency")
    if agencies and border:
        if _BORDER["who"].search(folded):
            return Reading("responsibility")
        if any(_BORDER[w].search(folded) for w in ("duty", "lead", "cooperate")):
            return Reading("obligations", agency=agencies[0], role=_border_role(folded))
        return Reading("clause")
    if agencies:
        agency = agencies[0]
        names = [n for a in agencies for n in _agency_names(a)]
        chinese, words = _remainder(folded, names, _OBLIGATION_WORDS)
        if len(chinese) <= 2 and len(words) <= 1 and not _WHO.search(_strip(folded, names)):
            return Reading("obligations", agency=agency, role=_role(_strip(folded, names)))
    if (
        _WHO.search(folded)
        or _IN_CHARGE.search(folded)
        or (border and _BORDER["who"].search(folded))
    ):
        return Reading("responsibility")
    return Reading("clause")


def _other_bodies(path: Path) -> tuple[tuple[str, re.Pattern], ...]:
    """(folded name, pattern) of every body the plan gives no task to, longest first: a
    Chinese name anywhere, an English one as whole words."""
    bodies = json.loads(path.read_text(encoding="utf-8"))["bodies"]
    names = sorted({fold(n) for b in bodies for n in b["zh-Hans"] + b["en"]}, key=len)[::-1]
    return tuple(
        (n, re.compile(re.escape(n) if _CJK_CHAR.search(n) else rf"\b{re.escape(n)}\b"))
        for n in names
    )


_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
OTHER_BODIES = _other_bodies(
    Path(__file__).resolve().parents[1] / "corpus" / "source" / "other-bodies.json"
)


def _asks_about_another_body(folded: str) -> bool:
    """A question about the tasks of a body the plan names nowhere (海关总署负责什么, "what
    does the Ministry of Emergency Management do"): nothing but its name and the words of an
    obligations question, as read for the plan's own agencies."""
    name = next((n for n, pattern in OTHER_BODIES if pattern.search(folded)), None)
    if name is None:
        return False
    chinese, words = _remainder(folded, [name], _OBLIGATION_WORDS)
    return len(chinese) <= 2 and len(words) <= 1 and not _WHO.search(_strip(folded, [name]))


def _strip(text: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = text.replace(name.lower(), " ")
    return text


def _role(text: str) -> RoleFilter:
    lead, cooperate = bool(_LEAD.search(text)), bool(_COOPERATE.search(text))
    if cooperate and not lead:
        return "cooperating"
    if lead and not cooperate:
        return "lead"
    return "any"
