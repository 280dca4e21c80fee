"""Which language a question is in: unique scripts by range, Latin and Cyrillic by langid."""

import pytest

from index.language import detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Em gái tôi bị bán sang Trung Quốc, làm sao để về nhà?", "vi"),
        ("em gai toi bi ban sang trung quoc lam vo", "vi"),
        ("ညီမလေး တရုတ်ပြည်ကို ရောင်းခံရတယ်", "my"),
        ("ນ້ອງສາວຖືກຂາຍໄປຈີນ", "lo"),
        ("น้องสาวถูกขายไปจีน", "th"),
        ("ប្អូនស្រីត្រូវបានលក់ទៅចិន", "km"),
        ("여동생이 중국으로 팔려 갔어요", "ko"),
        ("Мою сестру продали в Китай", "ru"),
        ("Миний дүүг Хятад руу худалдсан", "mn"),
        ("What should a teacher do?", "en"),
        ("MPS", "en"),
        ("发现疑似被拐儿童怎么办", "zh-Hans"),
        ("發現疑似被拐兒童怎麼辦", "zh-Hant"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_a_chinese_agency_name_in_a_border_language_question_keeps_the_language():
    assert detect_language("Bộ Công an 公安部 giúp gì cho nạn nhân bị bán sang Trung Quốc?") == "vi"
