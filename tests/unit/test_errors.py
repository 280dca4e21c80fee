"""Error bodies: one code list, and no server paths in what a client reads."""

import json
from pathlib import Path

from service.errors import ErrorCode, error_response, without_paths


def test_configured_folders_are_named_by_their_setting():
    message = "no manifest in /srv/atp/index/data/manifest.json"
    named = {"ATP_INDEX_DIR": Path("/srv/atp/index/data")}
    assert without_paths(message, named) == "no manifest in ATP_INDEX_DIR/manifest.json"


def test_other_absolute_paths_keep_only_their_last_part():
    cleaned = without_paths("cannot open /home/me/secret/model.onnx: bad", {})
    assert "/home" not in cleaned and "model.onnx" in cleaned


def test_relative_words_and_fractions_are_left_alone():
    assert without_paths("agency 0/0 and and/or stay", {}) == "agency 0/0 and and/or stay"


def test_envelope_carries_code_and_message():
    response = error_response(404, ErrorCode.UNKNOWN_PASSAGE, "no such passage")
    assert response.status_code == 404
    body = json.loads(response.body)
    assert body == {"error": {"code": "unknown_passage", "message": "no such passage"}}


def test_codes_are_unique_snake_case():
    values = [c.value for c in ErrorCode]
    assert len(values) == len(set(values))
    assert all(v.islower() and " " not in v for v in values)
