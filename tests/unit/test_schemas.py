"""Request validation lives in types: the checks and the published schema agree."""

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from service.errors import ErrorCode
from service.schemas import NONBLANK, ask_request, question_text

Question = TypeAdapter(question_text(10, "q"))


def error_type(value) -> str:
    with pytest.raises(ValidationError) as caught:
        Question.validate_python(value)
    return caught.value.errors()[0]["type"]


@pytest.mark.parametrize("blank", ["", "   ", "\x1c\x1d", "\x85", "\ufeff", "\u3000\t"])
def test_blank_text_is_empty_query(blank):
    assert error_type(blank) == ErrorCode.EMPTY_QUERY


def test_long_text_is_query_too_long():
    assert error_type("拐" * 11) == ErrorCode.QUERY_TOO_LONG
    assert Question.validate_python("拐" * 10) == "拐" * 10


def test_lone_surrogate_is_invalid_text():
    assert error_type("a\ud800b") == ErrorCode.INVALID_TEXT


def test_schema_pattern_refuses_exactly_what_the_check_refuses():
    """Every character Python calls whitespace fails the published pattern too."""
    pattern = re.compile(NONBLANK)
    for code in range(0x3000 + 1):
        char = chr(code)
        if char.isspace() or char == "\ufeff":
            assert not pattern.search(char), hex(code)
    assert pattern.search("a") and pattern.search("拐")


def test_schema_states_the_limits():
    schema = Question.json_schema()
    assert schema["maxLength"] == 10 and schema["minLength"] == 1
    assert schema["pattern"] == NONBLANK


def test_ask_request_forbids_unknown_fields_and_languages():
    model = ask_request(20)
    assert model(question="拐卖").lang == "auto"
    with pytest.raises(ValidationError):
        model(question="拐卖", extra=1)
    with pytest.raises(ValidationError):
        model(question="拐卖", lang="fr")
