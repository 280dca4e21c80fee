"""The query encoder's tokenizer on the ``sentencepiece`` library: the token ids of the
folder's ``tokenizer.json`` (index/model/tokenizer.py) for a quarter of the memory.

Why: the ``tokenizers`` Unigram model keeps its 250k pieces in a trie of about 280 MiB of
anonymous memory, a third of the server's; sentencepiece's darts double array holds the same
pieces in about 70 MiB. ``build_model`` writes a SentencePiece ModelProto from the pieces,
scores and precompiled charsmap tokenizer.json already holds (at export time, so the server
never parses the 17 MB JSON); ``SpmTokenizer`` adds what tokenizer.json's pre-tokenizer and
post-processor do beyond plain SentencePiece, so the ids are the same (index/CONVERTER.md):

- ``<s>``/``</s>`` around the text, and a cut to ``max_tokens`` that keeps ``</s>``;
- one ``<unk>`` per uncovered character (sentencepiece merges a run of them into one);
- one ``▁`` token per trailing space (sentencepiece strips trailing whitespace);
- ties broken as ``tokenizers`` breaks them. Two neighbouring runs of pieces that spell
  powers of one string (``i`` | ``ii``; ``ga`` ``n`` | ``gan``) can trade places at an
  equal score, and rounding decides which order wins: ``tokenizers`` sums float64 scores as
  its JSON parser read them (a quarter are one float64 ulp off) word by word, sentencepiece
  sums float32 along the whole text. A word where two such runs meet is segmented again
  here by ``tokenizers``' own search, in float64, with its scores (``build_ties``).
"""

from __future__ import annotations

import array
import base64
import io
import json
import re
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from index.model.folder import MAX_SEQ_LENGTH

_META = "\u2581"
_SPACES = re.compile(" +")
# darts-clone checks a unit's label against the byte looked up; no UTF-8 byte is 0xFF.
_NO_LABEL = 0xFF
_BLOCK_BYTES = 1024  # sentencepiece reads the trie in darts-clone blocks of 256 units
TIES_SUFFIX = ".ties.npz"  # beside the model: tokenizers' float64 scores
# Runs of pieces that may trade places are looked for up to this many characters long (the
# shorter of the two), which bounds the work a long question costs.
TIE_SPAN = 32
# A tie needs a string repeated back to back (a power of another) inside one word.
_SQUARE = re.compile(f"([^{_META}]{{1,{TIE_SPAN}}})\\1")


class Encoding(NamedTuple):
    """One text's token ids, as ``tokenizers.Encoding.ids`` gives them."""

    ids: list[int]


def spm_charsmap(precompiled: bytes) -> bytes:
    """tokenizer.json's ``precompiled_charsmap`` as sentencepiece loads it.

    The same darts-clone trie and replacement blob, with two changes that keep lookups
    identical: the trie padded to whole 1 KiB blocks (sentencepiece refuses other sizes), and
    every unit that is no node's child (the root, free units) labelled 0xFF. The converter
    leaves those at label 0, so a NUL byte "matches" them: ``tokenizers`` looks up one
    grapheme at a time and never notices, but sentencepiece matches across characters and
    would read ``\\0ǈ`` as the key of ``ǈ``, dropping the NUL.
    """
    (size,) = struct.unpack_from("<I", precompiled)
    units = list(struct.unpack_from(f"<{size // 4}I", precompiled, 4))
    blob = precompiled[4 + size :]
    units += [0] * (-len(units) % (_BLOCK_BYTES // 4))
    units = [_NO_LABEL if unit == 0 else unit for unit in units]
    units[0] |= _NO_LABEL
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + blob


def ties_path(model_path: Path) -> Path:
    """Where the tie data (``build_ties``) of the model at ``model_path`` is kept."""
    return Path(model_path).with_suffix(TIES_SUFFIX)


def build_ties(tokenizer_json_text: str) -> bytes:
    """An .npz of ``scores``: every piece's score as ``tokenizers`` holds it after loading
    tokenizer.json (float64: what its ties are decided by). Needs ``tokenizers`` (build)."""
    import numpy as np
    from tokenizers import Tokenizer

    vocab = json.loads(Tokenizer.from_str(tokenizer_json_text).to_str())["model"]["vocab"]
    out = io.BytesIO()
    np.savez(
        out,
        scores=np.array([score for _, score in vocab], dtype="<f8"),
    )
    return out.getvalue()


def build_model(tokenizer_json: dict) -> bytes:
    """A serialised SentencePiece ModelProto with tokenizer.json's pieces, scores and
    normalisation: its special tokens (``<s>``, ``</s>``, ``<pad>``, ``<mask>``) as
    user-defined pieces, matched in the text as tokenizer.json matches them; ``<unk>`` as the
    unknown piece, which sentencepiece never matches in the text (nor does tokenizer.json)."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    model = tokenizer_json["model"]
    if model["type"] != "Unigram" or model.get("byte_fallback"):
        raise ValueError(f"not a Unigram model without byte fallback: {model['type']}")
    (precompiled,) = [
        step["precompiled_charsmap"]
        for step in tokenizer_json["normalizer"]["normalizers"]
        if step["type"] == "Precompiled"
    ]
    specials = {t["content"] for t in tokenizer_json["added_tokens"] if t["special"]}
    piece_type = pb.ModelProto.SentencePiece
    proto = pb.ModelProto()
    for i, (piece, score) in enumerate(model["vocab"]):
        entry = proto.pieces.add(piece=piece, score=score)
        if i == model["unk_id"]:
            entry.type = piece_type.UNKNOWN
        elif piece in specials:
            entry.type = piece_type.USER_DEFINED
    proto.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    proto.trainer_spec.unk_id = model["unk_id"]
    proto.trainer_spec.bos_id = proto.trainer_spec.eos_id = proto.trainer_spec.pad_id = -1
    spec = proto.normalizer_spec
    spec.name = "tokenizer.json"
    spec.precompiled_charsmap = spm_charsmap(base64.b64decode(precompiled))
    # the dummy "▁" before the text, runs of spaces collapsed after the charsmap (as
    # Replace(" {2,}") does), spaces written as "▁" (as Metaspace does)
    spec.add_dummy_prefix = spec.remove_extra_whitespaces = spec.escape_whitespaces = True
    return proto.SerializeToString()


class SpmTokenizer:
    """tokenizer.json's ids for ``prompt + text`` inputs, from the model ``build_model`` wrote
    and the scores ``build_ties`` wrote beside it.

    Thread-safe (sentencepiece encodes without shared state), so the encoder needs no lock.
    Like tokenizer.json's Metaspace("first"), sentencepiece puts one ``▁`` before the text;
    tokenizer.json omits it when the text itself starts with a space or ``▁``, which no prompt
    does, so only texts that start with a prompt are promised the same ids.
    """

    def __init__(self, path: Path, *, bos: str = "<s>", eos: str = "</s>") -> None:
        import numpy as np
        import sentencepiece
        from sentencepiece import sentencepiece_model_pb2 as pb

        self.processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
        whole = pb.ModelProto.FromString(Path(path).read_bytes())
        pieces = [entry.piece for entry in whole.pieces]
        self.longest = max(map(len, pieces))
        # Every piece in one string: id -> piece by a slice, cheaper than a call into SWIG.
        self.joined = "".join(pieces)
        self.offsets = array.array("I", [0])
        for piece in pieces:
            self.offsets.append(self.offsets[-1] + len(piece))
        del pieces
        self.bos, self.eos = self.token_to_id(bos), self.token_to_id(eos)
        self.unk = self.processor.unk_id()
        self.meta = self.token_to_id(_META)
        # word boundaries besides "▁": the pre-tokenizer isolates these
        self.isolated = {self.unk} | {
            i for i, entry in enumerate(whole.pieces) if entry.type == entry.USER_DEFINED
        }
        # The charsmap alone, without the whitespace rules: what each character maps to.
        charsmap_only = pb.ModelProto(normalizer_spec=whole.normalizer_spec)
        del whole
        self.charmap = sentencepiece.SentencePieceNormalizer(
            model_proto=charsmap_only.SerializeToString()
        )
        with np.load(ties_path(path), allow_pickle=False) as ties:
            # array.array: a Python number per lookup, without numpy's per-item cost
            self.scores = array.array("d", ties["scores"].astype(float).tobytes())
        if len(self.scores) != self.processor.get_piece_size():
            raise ValueError(f"{ties_path(path)} does not hold one score per piece")

    def token_to_id(self, piece: str) -> int:
        found = self._id_of(piece)
        if found is None:
            raise ValueError(f"{piece!r} is not a piece of the tokenizer")
        return found

    def _id_of(self, piece: str) -> int | None:
        found = self.processor.piece_to_id(piece)
        return found if self._piece(found) == piece else None

    def _piece(self, i: int) -> str:
        return self.joined[self.offsets[i] : self.offsets[i + 1]]

    def encode(self, text: str, max_tokens: int = MAX_SEQ_LENGTH) -> Encoding:
        """``<s>`` text ``</s>``, cut to ``max_tokens`` with ``</s>`` kept (tokenizer.json
        cuts at MAX_SEQ_LENGTH)."""
        return self.encode_batch([text], max_tokens)[0]

    def encode_batch(
        self, texts: Sequence[str], max_tokens: int = MAX_SEQ_LENGTH
    ) -> list[Encoding]:
        out = []
        for text in texts:
            ids = self.processor.encode(text)  # one by one: a list goes through a thread pool
            if self.unk in ids:
                ids = self._unknowns_one_by_one(text)
            keep = max(max_tokens - 2, 0)
            if _SQUARE.search(self.processor.normalize(text)):
                ids = self._ties_as_tokenizers(ids, keep)
            ids += [self.meta] * self._trailing_spaces(text)
            out.append(Encoding([self.bos, *ids[:keep], self.eos]))
        return out

    def _unknowns_one_by_one(self, text: str) -> list[int]:
        """The ids with one ``<unk>`` per character of each merged unknown piece (the
        pre-tokenizer isolates every uncovered character)."""
        ids: list[int] = []
        for piece in self.processor.encode(text, out_type="immutable_proto").pieces:
            ids += [self.unk] * len(piece.piece) if piece.id == self.unk else [piece.id]
        return ids

    def _ties_as_tokenizers(self, ids: list[int], keep: int) -> list[int]:
        """The ids with every word where two runs of pieces may trade places
        (``_runs_commute``) before the cut at ``keep`` segmented again as ``tokenizers``
        segments it (``_viterbi``); a tie after the cut changes no kept id."""
        out: list[int] = []
        for word, pieces in self._words(ids):
            if len(out) >= keep:
                out += word
            elif _runs_commute(pieces, keep - len(out)):
                out += self._viterbi("".join(pieces))
            else:
                out += word
        return out

    def _words(self, ids: list[int]) -> list[tuple[list[int], list[str]]]:
        """The ids and their pieces split where tokenizer.json's pre-tokenizer splits:
        before each piece that starts with ``▁``, and around unknown characters and special
        tokens."""
        words: list[tuple[list[int], list[str]]] = []
        previous = None
        for i in ids:
            piece = self._piece(i)
            if not words or piece[0] == _META or i in self.isolated or previous in self.isolated:
                words.append(([i], [piece]))
            else:
                words[-1][0].append(i)
                words[-1][1].append(piece)
            previous = i
        return words

    def _viterbi(self, word: str) -> list[int]:
        """``tokenizers``' Unigram search (encode_optimized) over one word: best score per
        end position in float64, candidates by start then length, the first best kept."""
        best: list[tuple[float, int, int] | None] = [(0.0, 0, -1)] + [None] * len(word)
        for start in range(len(word)):
            reached = best[start]
            if reached is None:
                continue
            for end in range(start + 1, min(len(word), start + self.longest) + 1):
                piece = self._id_of(word[start:end])
                if piece is None:
                    continue
                score = reached[0] + self.scores[piece]
                known = best[end]
                if known is None or score > known[0]:
                    best[end] = (score, start, piece)
        ids: list[int] = []
        end = len(word)
        while end > 0:
            _, end, piece = best[end]  # type: ignore[misc]
            ids.append(piece)
        return ids[::-1]

    def _trailing_spaces(self, text: str) -> int:
        """How many ``▁`` end the normalised text (spaces collapsed, a literal ``▁`` kept),
        read from its last characters: sentencepiece strips them, Metaspace makes each one
        a token."""
        tail: list[str] = []
        for char in reversed(text):
            mapped = self.charmap.normalize(char)
            kept = mapped.rstrip(" " + _META)
            tail.append(mapped[len(kept) :])
            if kept:
                break
        return len(_SPACES.sub(" ", "".join(reversed(tail))))


def _runs_commute(pieces: Sequence[str], starts: int | None = None) -> bool:
    """Whether two neighbouring runs of ``pieces``, A then B, may spell powers of one string
    (AB = BA: the two orders score alike) without being the same pieces. Looked for from a
    run R of at most TIE_SPAN characters starting at one of the first ``starts`` pieces:
    R then powers of R's root (R is A), or powers of it then R (R is B). The pieces after R
    then start with R's first character, or those before it end with R's last one: only
    such pairs of boundaries are tried."""
    if len(pieces) < 3:  # no runs, or two single pieces: they commute or not
        return len(pieces) == 2 and pieces[0] != pieces[1] and _commute(*pieces)
    word = "".join(pieces)
    bounds = [0]
    for piece in pieces:
        bounds.append(bounds[-1] + len(piece))
    at = {b: n for n, b in enumerate(bounds)}
    first = len(pieces) if starts is None else min(starts, len(pieces))
    by_next: dict[str, list[int]] = {}  # character after a boundary -> boundaries
    by_previous: dict[str, list[int]] = {}  # character before a boundary -> boundaries
    for b in bounds:
        if b < len(word):
            by_next.setdefault(word[b], []).append(b)
        if b:
            by_previous.setdefault(word[b - 1], []).append(b)
    for group, forward in ((by_next, True), (by_previous, False)):
        for same in group.values():
            for i, one in enumerate(same):
                for other in same[i + 1 :]:
                    if other - one > TIE_SPAN:
                        break
                    # forward: R = one..other, B after it; backward: R = one..other, A before
                    start, end = (one, other)
                    if at[start] >= first or (not forward and not start):
                        continue
                    if _extends(word, pieces, at, start, end, forward):
                        return True
    return False


def _extends(
    word: str, pieces: Sequence[str], at: dict[int, int], start: int, end: int, forward: bool
) -> bool:
    """Whether powers of the root of R = word[start:end] run from R's end (forward) or up
    to its start (backward) onto a boundary, spelt by other pieces than R's."""
    run = word[start:end]
    root = run[: (run + run).find(run, 1)]
    n, m = at[start], at[end]
    if forward:
        far = end
        while word.startswith(root, far):
            far += len(root)
            if far in at and pieces[n:m] != pieces[m : at[far]]:
                return True
    else:
        far = start
        while far >= len(root) and word.startswith(root, far - len(root)):
            far -= len(root)
            if far in at and pieces[at[far] : n] != pieces[n:m]:
                return True
    return False


def _commute(a: str, b: str) -> bool:
    return a + b == b + a
