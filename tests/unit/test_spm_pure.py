"""The pure parts of the SentencePiece tokenizer: the charsmap it loads, the tie test."""

from __future__ import annotations

import struct

import pytest
import sentencepiece
from sentencepiece import sentencepiece_model_pb2 as pb

from index.model.spm import _runs_commute, spm_charsmap
from index.model.tokenizer import build_charsmap


def normaliser(charsmap: bytes) -> sentencepiece.SentencePieceNormalizer:
    proto = pb.ModelProto()
    proto.normalizer_spec.name = "test"
    proto.normalizer_spec.precompiled_charsmap = charsmap
    return sentencepiece.SentencePieceNormalizer(model_proto=proto.SerializeToString())


def test_the_charsmap_loads_whole_blocks_and_maps_as_before():
    table = {0x01: "", 0x01C8: "Lj", 0xFF21: "A", 0x3000: " "}
    converted = build_charsmap(table)
    loaded = spm_charsmap(converted)
    (size,) = struct.unpack_from("<I", loaded)
    assert size % 1024 == 0
    assert loaded[4 + size :] == converted[4 + struct.unpack_from("<I", converted)[0] :]
    norm = normaliser(loaded)
    assert norm.normalize("\u01c8\uff21\x01\u3000b") == "LjA b"


def test_a_nul_before_a_mapped_character_is_kept():
    """The converter's trie lets a NUL byte match its root; looked up across characters
    (as sentencepiece does) that made ``\\0ǈ`` one key and dropped the NUL."""
    table = {0x01: "", 0x01C8: "Lj"}
    assert normaliser(_padded_only(build_charsmap(table))).normalize("\x00\u01c8") == "Lj"
    assert normaliser(spm_charsmap(build_charsmap(table))).normalize("\x00\u01c8") == "\x00Lj"


def _padded_only(charsmap: bytes) -> bytes:
    (size,) = struct.unpack_from("<I", charsmap)
    trie = charsmap[4 : 4 + size] + b"\0" * (-size % 1024)
    return struct.pack("<I", len(trie)) + trie + charsmap[4 + size :]


@pytest.mark.parametrize(
    ("pieces", "may_tie"),
    [
        (["i", "ii"], True),
        (["ii", "i"], True),
        (["gang", "angan", "gangan"], True),  # runs of pieces, not single ones
        (["ga", "n", "gan"], True),
        (["i", "i"], False),  # the same pieces either way
        (["a", "b", "a", "b"], False),
        (["\u2581\u0425\u044f\u0442\u0430\u0434", "\u0430\u0434"], False),  # a square, no tie
        (["\u2581reset", "t", "ling"], False),
        (["\u2581hello"], False),
    ],
)
def test_runs_that_may_trade_places(pieces, may_tie):
    assert _runs_commute(pieces) is may_tie
