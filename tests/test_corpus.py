"""The corpus stage on the real seed and on a small synthetic plan with the same shapes."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from corpus.build import SOURCE_DIR, BuildError, assemble, build, load_passages
from corpus.clean import CleaningError, clean, find_suspects, load_errata
from corpus.glossary import load_glossary, missing_terms
from corpus.models import Passage
from corpus.parse import ParseError, parse

SYNTHETIC = Path(__file__).parent / "fixtures" / "synthetic_plan"
DATA = Path(__file__).resolve().parents[1] / "corpus" / "data"


@pytest.fixture(scope="module")
def corpus():
    return assemble(SOURCE_DIR)


def test_build_is_byte_identical_and_matches_checked_in_files(tmp_path):
    build(SOURCE_DIR, tmp_path / "a")
    build(SOURCE_DIR, tmp_path / "b")
    for name in sorted(p.name for p in (tmp_path / "a").iterdir()):
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), name
        assert first == (DATA / name).read_bytes(), f"{name} is stale: run `atp corpus build`"
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["input_sha256"])


def test_no_pinyin_question_marks_or_mojibake_left(corpus):
    assert find_suspects(corpus.clean_text) == []
    for p in corpus.passages:
        for text in (p.text.zh_hant, p.text.zh_hans):
            assert not re.search(r"[?\ufffd\u0400-\u04ff\u3040-\u30ff]", text), p.id
            assert not re.search(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]", text), p.id
            assert not re.search(r"[(),:;]", text), f"half-width punctuation in {p.id}"


def test_the_five_mojibake_spans_read_as_the_official_text(corpus):
    text = corpus.clean_text
    for fixed in [
        "向學校或公安機關",
        "管理。婚姻登記工作人員",
        "變造、",
        "公安部兒童失蹤信息緊急",
        "向學校或有關部門",
    ]:
        assert fixed in text
    assert "國務院" in text and "國務(wù)院" not in text


def test_real_parentheses_survive_in_full_width(corpus):
    for phrase in [
        "（2021—2030年）",
        "DNA（脫氧核糖核酸）",
        "村（居）委會",
        "撫養（贍養）",
        "被拐（買）賣",
    ]:
        assert phrase in corpus.clean_text, phrase


def test_structure_counts(corpus):
    kinds = Counter(p.kind for p in corpus.passages)
    assert kinds == {"principle": 2, "goal": 7, "measure": 29, "bullet": 63, "guarantee": 3}
    assert len(corpus.passages) == 104
    assert len(corpus.agencies) == 35
    assert sum(a.kind == "collective" for a in corpus.agencies) == 1


def test_ids_unique_and_bullets_belong_to_the_measure_above(corpus):
    ids = [p.id for p in corpus.passages]
    assert len(ids) == len(set(ids))
    by_id = {p.id: p for p in corpus.passages}
    for p in corpus.passages:
        if p.kind == "bullet":
            parent = by_id[p.parent_id]
            assert parent.kind == "measure" and p.id.startswith(parent.id + ".")
            assert p.path[-1].id == parent.id


def test_heading_only_measure_is_a_passage_parent_of_its_bullets(corpus):
    by_id = {p.id: p for p in corpus.passages}
    heading = by_id["2.2.2.2"]
    assert heading.text.zh_hant == "依法嚴懲拐賣人口犯罪。"
    assert heading.lead_agencies == [] and heading.kind == "measure"
    assert sum(p.parent_id == "2.2.2.2" for p in corpus.passages) == 6


def test_every_tagged_clause_has_a_lead_agency_and_names_resolve(corpus):
    registry = {a.id for a in corpus.agencies}
    tagged = [p for p in corpus.passages if p.lead_agencies or p.cooperating_agencies]
    assert len(tagged) == 90
    for p in tagged:
        assert p.lead_agencies, p.id
        assert {a.id for a in p.lead_agencies + p.cooperating_agencies} <= registry
    for p in corpus.passages:  # the tag never stays in the text
        assert not re.search(r"(負責|配合)）$", p.text.zh_hant), p.id


def test_agency_tags_split_into_lead_and_cooperating(corpus):
    first = next(p for p in corpus.passages if p.id == "2.1.2.1")
    assert [a.id for a in first.lead_agencies] == ["cpla", "mps"]
    assert [a.zh_hans for a in first.cooperating_agencies][-2:] == ["最高人民检察院", "全国妇联"]
    collective = next(p for p in corpus.passages if p.id == "2.1.2.3.2")
    assert [a.id for a in collective.lead_agencies] == ["joint-meeting-members"]


def test_every_passage_has_three_scripts_and_a_citation(corpus):
    for p in corpus.passages:
        assert p.text.zh_hant and p.text.zh_hans and p.text.en
        assert p.citation.zh_hans and p.citation.en
        assert "unofficial" in p.translation["en"].lower()
    bullet = next(p for p in corpus.passages if p.id == "2.1.2.2.3")
    assert bullet.citation.en == "Part II (i) 2. (2), bullet 3"
    assert bullet.citation.zh_hans == "第二部分（一）2.（2）第3项"


def test_english_citations_tell_sections_from_measures(corpus):
    """（一） and （1） are different levels; English must not write both as (1)."""
    by_id = {p.id: p for p in corpus.passages}
    assert by_id["2.6.2.5"].citation.en == "Part II (vi) 2. (5)"
    assert by_id["1.1"].citation.en == "Part I (i)"
    citations = [p.citation.en for p in corpus.passages]
    assert len(set(citations)) == len(citations)
    for p in corpus.passages:
        numbers = p.id.split(".")
        if len(numbers) > 3:  # a measure: its section is Roman, its own number Arabic
            assert re.search(r"\([ivx]+\) \d+\. \(\d+\)", p.citation.en), p.citation.en


def test_simplified_text_is_mainland_simplified(corpus):
    text = "".join(p.text.zh_hans for p in corpus.passages)
    assert "国务院" in text and "卫生健康" not in "".join(p.text.zh_hant for p in corpus.passages)
    assert "着重" in text and "著重" not in text


def test_translation_follows_the_glossary(corpus):
    glossary = load_glossary(SOURCE_DIR / "glossary.json")
    for p in corpus.passages:
        assert missing_terms(p.text.zh_hans, p.text.en, glossary) == [], p.id
    english = " ".join(p.text.en for p in corpus.passages)
    assert "purchase" not in english.lower()
    # the review's fixes: one rendering each, the old one gone
    assert "child director" not in english and english.count("child welfare directors") == 2
    assert "village (residents')" not in english.lower()
    assert english.lower().count("villagers' (residents') committees") == 2
    assert "birth medical certificate" not in english.lower()
    assert "Medical Certificates of Birth" in english
    assert '"people-centred, comprehensive governance' in english
    assert "China's Action Plan Against Human Trafficking (2021–2030)" in english
    assert "China Action Plan" not in english
    by_id = {p.id: p for p in corpus.passages}
    for pid in ("2.2.2.4", "2.3.2.2"):  # children handed to civil affairs are placed
        assert "placement" in by_id[pid].text.en, pid
    assert "resettlement" not in by_id["2.2.2.4"].text.en


def test_glossary_rejects_the_old_renderings():
    glossary = load_glossary(SOURCE_DIR / "glossary.json")
    for zh, old in [
        ("落实儿童主任工作职责", "implement the duties of child directors"),
        ("村（居）委会应当报告", "village committees shall report"),
        ("伪造出生医学证明", "forging birth medical certificates"),
        ("坚持以人为本", "adhere to putting people first"),
    ]:
        assert missing_terms(zh, old, glossary), old


def test_output_validates_against_the_schema():
    for p in load_passages(DATA):
        assert isinstance(p, Passage)
    schema = json.loads((DATA / "passage.schema.json").read_text())
    assert set(schema["required"]) >= {"id", "kind", "path", "citation", "text"}


# -- the synthetic plan: same shapes, and the errors the builder must name ------------


def test_synthetic_plan_builds_with_the_same_shapes(tmp_path):
    corpus = build(SYNTHETIC, tmp_path)
    kinds = Counter(p.kind for p in corpus.passages)
    assert kinds == {"principle": 2, "goal": 2, "measure": 2, "bullet": 3, "guarantee": 2}
    by_id = {p.id: p for p in corpus.passages}
    assert by_id["2.1.2.1.1"].text.zh_hans.startswith("教师发现疑似拐卖情形的，应当及时向学校")
    assert [a.id for a in by_id["2.1.2.2.1"].cooperating_agencies] == ["joint-members"]
    assert by_id["2.1.2.2"].lead_agencies == []


def _copy_synthetic(tmp_path: Path, plan: str) -> Path:
    src = tmp_path / "src"
    shutil.copytree(SYNTHETIC, src)
    (src / "plan.zh-Hant.txt").write_text(plan, encoding="utf-8")
    return src


def test_bullet_before_any_measure_is_named():
    text = "一、總則\n（一）預防。\n1.行動措施。\n——沒有上級措施的條目。\n"
    with pytest.raises(ParseError, match=r"line 4: a —— bullet before any numbered measure"):
        parse(text)


def test_unclosed_agency_tag_is_named():
    text = "一、總則\n（一）預防。\n1.行動措施。\n（1）加強教育。（省教育廳負責\n"
    with pytest.raises(ParseError, match="line 4: unclosed agency tag"):
        parse(text)


def test_leftover_mojibake_fails_the_build_with_line_and_column(tmp_path):
    plan = (SYNTHETIC / "plan.zh-Hant.txt").read_text() + "三、其他\n（一）附則。亂碼?字。\n"
    with pytest.raises(CleaningError, match=r"line \d+, column \d+"):
        assemble(_copy_synthetic(tmp_path, plan))


def test_unknown_agency_and_missing_translation_are_reported(tmp_path):
    plan = (SYNTHETIC / "plan.zh-Hant.txt").read_text().replace("省法院負責", "省檢察院負責")
    with pytest.raises(BuildError, match="省檢察院"):
        assemble(_copy_synthetic(tmp_path, plan))


def test_stale_erratum_is_an_error():
    errata = load_errata(SYNTHETIC / "errata.json")
    with pytest.raises(CleaningError, match="erratum span not found"):
        clean("一、沒有亂碼\n", errata)


@pytest.mark.parametrize(
    ("alias", "problem"),
    [
        ("省教育廳", "is also a name of edu"),  # Traditional form of another agency's name
        ("ｐｄｅ", "is also a name of edu"),  # its abbreviation, once width and case are folded
        ("’’", "empty once normalised"),
    ],
)
def test_a_name_two_agencies_share_fails_the_build(tmp_path, alias, problem):
    src = _copy_synthetic(tmp_path, (SYNTHETIC / "plan.zh-Hant.txt").read_text())
    registry = json.loads((src / "agencies.json").read_text(encoding="utf-8"))
    registry[1]["aliases"].append(alias)
    (src / "agencies.json").write_text(json.dumps(registry, ensure_ascii=False), "utf-8")
    with pytest.raises(BuildError, match=re.escape(problem)):
        assemble(src)


def test_a_note_on_a_name_the_agency_lacks_fails_the_build(tmp_path):
    src = _copy_synthetic(tmp_path, (SYNTHETIC / "plan.zh-Hant.txt").read_text())
    registry = json.loads((src / "agencies.json").read_text(encoding="utf-8"))
    registry[0]["notes"] = {"公安局": "not a name of edu"}
    (src / "agencies.json").write_text(json.dumps(registry, ensure_ascii=False), "utf-8")
    with pytest.raises(BuildError, match="note on '公安局', which is not one of its names"):
        assemble(src)


def test_every_name_that_is_not_the_agencys_own_is_explained(corpus):
    """Local bureaus, former names and bodies under an agency carry a reviewed note."""
    for a in corpus.agencies:
        assert set(a.exact_aliases) <= set(a.notes), a.id
    mps = next(a for a in corpus.agencies if a.id == "mps")
    for name in ("公安局", "派出所", "国家移民管理局", "PSB", "铁路公安"):
        assert mps.notes[name].strip(), name


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"lang": "en", "plan": "kidnapping", "typed": ["abduct"], "reason": "r"}, "never says"),
        ({"lang": "zh", "plan": "拐卖", "typed": ["拐騙"], "reason": "r"}, "not Simplified"),
        ({"lang": "zh", "plan": "拐卖", "typed": ["拐骗"], "reason": " "}, "a reason"),
    ],
)
def test_a_synonym_must_lead_to_the_plans_wording(entry, problem):
    from corpus.synonyms import Synonym, check_synonyms

    synonym = Synonym(entry["lang"], entry["plan"], tuple(entry["typed"]), entry["reason"])
    plan = [Passage.model_validate_json(line) for line in _passage_lines()]
    assert any(problem in p for p in check_synonyms([synonym], plan))


def _passage_lines() -> list[str]:
    return (DATA / "passages.jsonl").read_text(encoding="utf-8").splitlines()[:40]


def test_the_reviewed_synonyms_pass_their_check(corpus):
    from corpus.synonyms import check_synonyms, load_synonyms

    assert check_synonyms(load_synonyms(), corpus.passages) == []


# -- search-aid questions in the border languages (issue 12) ---------------------------

BORDER_SAMPLES = {
    "vi": "Phụ nữ Việt Nam bị bán sang Trung Quốc có được đưa về nước không?",
    "my": "တရုတ်ပြည်သို့ ရောင်းစားခံရသူကို ပြန်ပို့ပေးသလား။",
    "lo": "ແມ່ຍິງລາວທີ່ຖືກຂາຍໄປຈີນ ຈະຖືກສົ່ງກັບບ້ານຫຼືບໍ່?",
    "th": "ผู้หญิงไทยที่ถูกขายไปจีนจะได้กลับบ้านหรือไม่?",
    "km": "តើស្ត្រីខ្មែរដែលត្រូវគេលក់ទៅចិន នឹងបានត្រឡប់មកផ្ទះវិញឬទេ?",
    "ko": "중국으로 팔려 간 여성은 집으로 돌아갈 수 있나요?",
    "ru": "Вернут ли домой женщину, которую продали в Китай?",
    "mn": "Хятад руу худалдагдсан эмэгтэйг эх оронд нь буцааж өгөх үү?",
}


@pytest.mark.parametrize("lang", sorted(BORDER_SAMPLES))
def test_a_question_in_its_own_script_passes_the_check(lang):
    from corpus.build import check_questions

    question = {"2.6.2.6": {"zh-Hans": ["外国人被拐到中国怎么办？"], "en": ["?"], lang: []}}
    question["2.6.2.6"][lang] = [BORDER_SAMPLES[lang], "DNA COMMIT " + BORDER_SAMPLES[lang]]
    assert check_questions(question, ["2.6.2.6"]) == []


@pytest.mark.parametrize(
    ("lang", "text", "why"),
    [
        ("lo", BORDER_SAMPLES["th"], "letters outside Lao"),  # Thai filed as Lao
        ("th", BORDER_SAMPLES["lo"], "letters outside Thai"),
        ("km", BORDER_SAMPLES["th"], "letters outside Khmer"),
        ("my", "外国受害人能回家吗？", "letters outside Myanmar"),
        ("ko", BORDER_SAMPLES["ru"], "letters outside Hangul"),
        ("mn", BORDER_SAMPLES["ko"], "letters outside Cyrillic"),
        ("ru", BORDER_SAMPLES["mn"], "Mongolian letters"),  # ө, ү: not Russian
        ("ru", "Will a foreign victim be sent home?", "mostly not Cyrillic"),
        ("vi", "Will a foreign victim be sent home?", "no Vietnamese letter"),
        ("vi", "Une victime étrangère sera-t-elle rapatriée ?", "no Vietnamese letter"),
        ("vi", "Une victime reçue en Chine", "not Vietnamese letters: 'ç'"),
        ("vi", unicodedata.normalize("NFD", BORDER_SAMPLES["vi"]), "not NFC"),
        ("km", BORDER_SAMPLES["km"].replace(" ", "\u200b"), "invisible character U+200B"),
    ],
)
def test_a_question_in_the_wrong_script_names_passage_and_language(lang, text, why):
    from corpus.build import check_questions

    problems = check_questions(
        {"2.6.2.6": {"zh-Hans": ["问"], "en": ["q"], lang: [text]}}, ["2.6.2.6"]
    )
    assert len(problems) == 1 and f"2.6.2.6 [{lang}]: {why}" in problems[0], problems


def test_a_bad_border_question_fails_the_build(tmp_path):
    src = _copy_synthetic(tmp_path, (SYNTHETIC / "plan.zh-Hant.txt").read_text())
    row = {
        "id": "2.1.2.1.1",
        "zh-Hans": ["老师发现拐卖怎么办？"],
        "en": ["What must a teacher do?"],
    }
    (src / "questions.jsonl").write_text(
        json.dumps({**row, "th": [BORDER_SAMPLES["th"]]}, ensure_ascii=False)
        + "\n"
        + json.dumps({**row, "id": "2.1.2.2.1", "lo": [BORDER_SAMPLES["th"]], "xx": ["?"]})
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(BuildError) as failure:
        assemble(src)
    assert "2.1.2.2.1 [lo]: letters outside Lao" in str(failure.value)
    assert "2.1.2.2.1: unknown language 'xx'" in str(failure.value)
    assert "2.1.2.1.1" not in str(failure.value)  # the Thai question is fine


def test_published_questions_carry_the_border_languages(corpus):
    """Both directions across the border have questions in every border language, at
    least two each; every clause with border-language questions has as many in each of the
    eight (no language left thinner); the published file (what the index reads) carries
    them in a fixed order."""
    from corpus.build import QUESTION_LANGUAGES, load_questions
    from corpus.scripts import BORDER_LANGUAGES

    published = load_questions(DATA)
    assert published == corpus.questions
    for pid in ("2.6.2.5", "2.6.2.6", "2.2.2.2.6", "2.2.2.2.3", "2.2.2.3", "2.3.2.3.6"):
        assert min(len(published[pid][lang]) for lang in BORDER_LANGUAGES) >= 2, pid
    with_border = [pid for pid, q in published.items() if set(BORDER_LANGUAGES) & set(q)]
    assert len(with_border) >= 70
    for pid in with_border:
        assert list(published[pid]) == list(QUESTION_LANGUAGES), pid
        assert len({len(published[pid][lang]) for lang in BORDER_LANGUAGES}) == 1, pid
