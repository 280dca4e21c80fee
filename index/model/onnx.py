"""The query encoder on ONNX Runtime: the same float32 e5 model, about 2× cheaper per question
(and, as an option, an int8 copy of it: eval/INT8.md).

Why: one never-seen question is the service's whole cost, and eager PyTorch behind
sentence-transformers spends more on dispatch and module bookkeeping than on the maths of a
20-token input (bench/RESULTS.md, stage profile). ``export`` writes the converted BERT, with
its mean pooling and normalisation, as one ONNX graph beside the sentence-transformers
folder, with the tokenizer as a SentencePiece model (index/model/spm.py: the same ids for a
quarter of the memory); ``OnnxEncoder`` runs them with ``sentencepiece`` and ``onnxruntime``
alone, so the server needs neither torch nor sentence-transformers nor ``tokenizers``.
Same weights, same float32 arithmetic, same token ids: the export is checked against
sentence-transformers (cosine ≥ 0.9999, ids equal) before it is kept, and passages embedded
by either stay comparable with questions embedded by the other.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.model.folder import (
    BUILD_HINT,
    MAX_SEQ_LENGTH,
    PROMPTS,
    STAMP_FILE,
    ModelCorruptError,
    ModelMissingError,
    checksum_problem,
    checksums,
    format_sums,
    load_encoder,
    parse_sums,
    require_folder,
    swap_in,
)
from index.model.spm import TIES_SUFFIX, SpmTokenizer, build_model, build_ties

# ONNX Runtime 1.29+ writes a device id and an event queue under ~/.cache/Microsoft when it
# is imported, unless this is set first; onnxruntime.disable_telemetry_events() comes too
# late for that (tests/test_hardening.py). Every import of onnxruntime here follows this.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

ONNX_DIR = "onnx"
ONNX_FILE = f"{ONNX_DIR}/model.onnx"  # the float32 graph
ONNX_DATA = "model.onnx.data"  # its weights, beside it
ONNX_INT8_FILE = f"{ONNX_DIR}/model.int8.onnx"  # per-channel int8 weights (eval/INT8.md)
ONNX_STAMP = f"{ONNX_DIR}/atp_onnx.json"
# sha256 of every file of the model folder (sha256sum's format), written last by the export
# and checked before the server loads anything: a flipped byte must not change answers.
ONNX_SUMS = f"{ONNX_DIR}/SHA256SUMS"
# tokenizer.json's tokenizer as a SentencePiece model (index/model/spm.py), beside the graphs,
# and what breaks its ties as tokenizers breaks them (spm.build_ties)
ONNX_SPM = f"{ONNX_DIR}/sentencepiece.model"
ONNX_SPM_TIES = str(Path(ONNX_SPM).with_suffix(TIES_SUFFIX))
EXPORTER_VERSION = "5"  # 4: the word-embedding table in float16; 5: sentencepiece.model
# What the encoder reads beside its graph: a folder served from ONNX needs only these and the
# graph it runs (the container image ships no safetensors weights, no int8 copy and no
# tokenizer.json). The converted folder's files first: a folder without them is no model.
CONVERTED_RUNTIME_FILES = ("config.json", "special_tokens_map.json", STAMP_FILE)
RUNTIME_FILES = (*CONVERTED_RUNTIME_FILES, ONNX_SPM, ONNX_SPM_TIES)
MIN_COSINE = 0.9999  # float32: the same model, only the runtime differs
MIN_COSINE_INT8 = 0.99  # int8: measured min 0.9935 on the 297 eval questions
CHECK_TEXTS = (
    "医护人员发现疑似拐卖儿童怎么办",
    "酒店前台發現可疑住客帶著哭泣的女孩，該怎麼辦？",
    "Who leads the DNA database for missing children?",
    "加强源头治理，完善以社区为基础的预防拐卖人口犯罪网络，实施网格化管理。",
    "a",
    "mixed 中英文 question about 公安部 and the Ministry of Civil Affairs",
)


class OnnxModelMissingError(ModelMissingError):
    """The ONNX export is absent or was made from other weights."""


def _stamp(model_dir: Path) -> dict:
    """What an export records of its making: this exporter, from these converted weights."""
    source = (model_dir / STAMP_FILE).read_text(encoding="utf-8")
    return {"exporter_version": EXPORTER_VERSION, "source_stamp": source}


def is_current(model_dir: Path, graphs: Sequence[str] = (ONNX_FILE, ONNX_INT8_FILE)) -> bool:
    """True when the export's ``graphs`` (by default both) and its checksum list exist and
    were made by this exporter from these weights."""
    try:
        stamp = json.loads((model_dir / ONNX_STAMP).read_text(encoding="utf-8"))
        wanted = _stamp(model_dir)
    except (OSError, ValueError):
        return False
    files = [*graphs, ONNX_SPM, ONNX_SPM_TIES, ONNX_SUMS]
    if ONNX_FILE in graphs:
        files.append(f"{ONNX_DIR}/{ONNX_DATA}")
    return all((model_dir / f).exists() for f in files) and stamp == wanted


def verify_files(model_dir: Path) -> None:
    """Refuse a model folder whose files differ from those the export checksummed, or
    whose checksum list was tampered with (ModelCorruptError says which file)."""
    model_dir = Path(model_dir)
    rebuild = "rebuild it with `atp model build --force`"
    try:
        listed = parse_sums((model_dir / ONNX_SUMS).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelCorruptError(
            f"{model_dir / ONNX_SUMS} cannot be read ({exc}): {rebuild}"
        ) from exc
    problem = checksum_problem(model_dir, listed, skip=(ONNX_SUMS,))
    if problem:
        raise ModelCorruptError(
            f"the model folder {model_dir} is damaged: {problem} ({ONNX_SUMS}); {rebuild}"
        )


def export(model_dir: Path) -> dict:
    """Export the converted folder's encoder to ``onnx/`` (temp folder, check, rename) and
    return the check: cosine to sentence-transformers on a few mixed texts."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model_dir = Path(model_dir)
    st = load_encoder(model_dir)
    bert = st[0].auto_model.eval()

    class MeanPooledNormalised(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    sample = st.tokenizer(["query: a", "query: two words"], padding=True, return_tensors="pt")
    out_dir = model_dir / ONNX_DIR
    tmp = Path(tempfile.mkdtemp(prefix=".onnx.", suffix=".tmp", dir=model_dir))
    try:
        traced = tmp / "traced.onnx"
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on shapes the export fixes anyway
            torch.onnx.export(
                MeanPooledNormalised().eval(),
                (sample["input_ids"], sample["attention_mask"]),
                str(traced),
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in sample},
                opset_version=17,
                dynamo=False,  # the TorchScript exporter: no onnxscript needed
            )
        # Weights beside the graph, not inside it: the server then reads them straight into
        # their tensors (peak RSS 0.5 GB) instead of parsing a 470 MB protobuf first (1.2 GB).
        graph = onnx.load(str(traced))
        onnx.save_model(
            graph,
            str(tmp / Path(ONNX_FILE).name),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=ONNX_DATA,
        )
        del graph
        float32 = tmp / Path(ONNX_FILE).name
        int8 = tmp / Path(ONNX_INT8_FILE).name
        quantize_dynamic(float32, int8, weight_type=QuantType.QInt8, per_channel=True)
        # then the served graph's word-embedding table in float16 (halve_word_embeddings)
        for stale in (float32, tmp / ONNX_DATA):
            stale.unlink()
        onnx.save_model(
            halve_word_embeddings(onnx.load(str(traced))),
            str(float32),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=ONNX_DATA,
        )
        traced.unlink()
        tokenizer_json = (model_dir / "tokenizer.json").read_text(encoding="utf-8")
        (tmp / Path(ONNX_SPM).name).write_bytes(build_model(json.loads(tokenizer_json)))
        (tmp / Path(ONNX_SPM_TIES).name).write_bytes(build_ties(tokenizer_json))
        del tokenizer_json
        check = compare(OnnxEncoder(model_dir, path=float32), st, CHECK_TEXTS)
        check_int8 = compare(OnnxEncoder(model_dir, path=int8), st, CHECK_TEXTS)
        if (
            check["min_cosine"] < MIN_COSINE
            or check_int8["min_cosine"] < MIN_COSINE_INT8
            or check["token_mismatches"]
        ):
            raise RuntimeError(
                f"ONNX export disagrees with sentence-transformers: {check}, int8 {check_int8}"
            )
        check["int8_min_cosine"] = check_int8["min_cosine"]
        (tmp / Path(ONNX_STAMP).name).write_text(json.dumps(_stamp(model_dir)), encoding="utf-8")
        converted = {
            name: digest
            for name, digest in checksums(model_dir).items()
            if Path(name).parts[0] != ONNX_DIR  # the export being replaced
        }
        exported = {f"{ONNX_DIR}/{name}": digest for name, digest in checksums(tmp).items()}
        sums = format_sums({**converted, **exported})
        (tmp / Path(ONNX_SUMS).name).write_text(sums, encoding="utf-8")
        for path in [tmp, *tmp.iterdir()]:  # mkdtemp makes it owner-only
            path.chmod(0o755 if path.is_dir() else 0o644)
        swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return check


def halve_word_embeddings(model):
    """The graph with its word-embedding table (the largest initializer, read by one Gather:
    250k x 384, four fifths of the weights) stored in float16 and cast back to float32 after
    the lookup. The server maps the weights from disk and every new token id faults in
    pages of that table, so through a flood of new questions its resident share grew
    without bound but the table's size (tests/test_hardening.py); in float16 that bound is
    halved, and the export's MIN_COSINE check still holds. The int8 copy is made from the
    float32 graph."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    table = max(model.graph.initializer, key=lambda t: int(np.prod(t.dims)))
    (gather,) = [n for n in model.graph.node if n.op_type == "Gather" and n.input[0] == table.name]
    table.CopyFrom(
        numpy_helper.from_array(numpy_helper.to_array(table).astype(np.float16), table.name)
    )
    looked_up = gather.output[0]
    gather.output[0] = f"{looked_up}_float16"
    cast = helper.make_node(
        "Cast", [gather.output[0]], [looked_up], to=TensorProto.FLOAT, name=f"{gather.name}_float32"
    )
    nodes = list(model.graph.node)
    model.graph.node.insert(nodes.index(gather) + 1, cast)
    onnx.checker.check_model(model)
    return model


def compare(onnx: OnnxEncoder, st, texts: Sequence[str]) -> dict:
    """Cosine of each text's ONNX embedding to its sentence-transformers one, both prompts,
    one text at a time and all in one padded batch; and how many texts' token ids differ from
    sentence-transformers' (tokenizer.json's)."""
    cosines, token_mismatches = [], 0
    for prompt, prefix in PROMPTS.items():
        for text in texts:
            want = st.tokenizer(prefix + text, truncation=True, max_length=MAX_SEQ_LENGTH)
            token_mismatches += onnx.tokenizer.encode(prefix + text).ids != want["input_ids"]
        want = st.encode(list(texts), prompt_name=prompt, normalize_embeddings=True)
        batch = onnx.encode(list(texts), prompt_name=prompt)
        alone = np.vstack([onnx.encode([t], prompt_name=prompt) for t in texts])
        cosines += list(np.sum(want * batch, axis=1)) + list(np.sum(want * alone, axis=1))
    return {
        "texts": len(texts),
        "min_cosine": float(min(cosines)),
        "token_mismatches": token_mismatches,
    }


class OnnxEncoder:
    """The subset of ``SentenceTransformer.encode`` the searcher uses, on ONNX Runtime."""

    def __init__(
        self,
        model_dir: Path,
        *,
        threads: int = 1,
        int8: bool = False,
        path: Path | None = None,
        max_query_tokens: int = MAX_SEQ_LENGTH,
    ) -> None:
        import onnxruntime

        model_dir = require_folder(model_dir, CONVERTED_RUNTIME_FILES)
        if path is None:
            graph = ONNX_INT8_FILE if int8 else ONNX_FILE
            path = model_dir / graph
            if not is_current(model_dir, (graph,)):
                raise OnnxModelMissingError(
                    f"the ONNX encoder {path} is missing or its stamp says it was made from "
                    "other weights: " + BUILD_HINT.format(path=model_dir)
                )
            verify_files(model_dir)  # before onnxruntime parses a byte of it
        self.path = Path(path)
        # Dynamic int8 quantises activations per batch, so a text's vector would depend on
        # the questions it happens to share a batch with (cosine 0.996 measured): the same
        # question must always get the same answer, so int8 encodes one text at a time.
        self.batchable = self.path.name != Path(ONNX_INT8_FILE).name
        specials = json.loads((model_dir / "special_tokens_map.json").read_text())
        bos, eos, pad = (_content(specials[f"{name}_token"]) for name in ("bos", "eos", "pad"))
        # Beside the graph it runs (the export checks it there before renaming it in).
        self.tokenizer = SpmTokenizer(self.path.parent / Path(ONNX_SPM).name, bos=bos, eos=eos)
        self.pad_id = self.tokenizer.token_to_id(pad)
        # A question is cut shorter than a passage: the encoder's cost grows faster than the
        # length, so an uncut 500-character question costs many short ones and a flood of
        # them holds the encoder (tests/test_hardening.py measures the cost and the dev
        # split). The cut is an argument of each call: no lock.
        self.max_query_tokens = min(max_query_tokens, MAX_SEQ_LENGTH)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle intra-op threads would spin on the cores the HTTP threads need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        config = json.loads((model_dir / "config.json").read_text())
        self.dimension = int(config["hidden_size"])

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def encode(
        self,
        texts: Sequence[str],
        *,
        prompt_name: str = "query",
        normalize_embeddings: bool = True,
        batch_size: int = 32,
    ) -> np.ndarray:
        """Normalised embeddings (float32, one row per text); always normalised, as e5 is.
        The texts are tokenized together, then run in length buckets (``plan_runs``): each
        run padded only to its own longest text."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        prompt = PROMPTS[prompt_name]
        cut = self.max_query_tokens if prompt_name == "query" else MAX_SEQ_LENGTH
        encoded = self.tokenizer.encode_batch([prompt + t for t in texts], cut)  # keeps </s>
        lengths = np.array([len(e.ids) for e in encoded])
        ids = np.full((len(texts), int(lengths.max())), self.pad_id, np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encoded):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        out = np.empty((len(texts), self.dimension), np.float32)
        for run in plan_runs(lengths.tolist(), batch_size if self.batchable else 1):
            longest = int(lengths[run].max())  # padding is on the right
            feed = {"input_ids": ids[run, :longest], "attention_mask": mask[run, :longest]}
            out[run] = self.session.run(None, feed)[0]
        return out


def _content(token: str | dict) -> str:
    """A special token of special_tokens_map.json, written as a string or an AddedToken."""
    return token["content"] if isinstance(token, dict) else token


# What one more session.run costs beyond the tokens it computes, in tokens: a run of n
# questions padded to L tokens costs about (RUN_COST_TOKENS + n * L) token-times (one run
# reads every weight once, whatever its size). bench/profile.py fits it (`run_cost` in
# bench/results.json, a sentence of bench/RESULTS.md's stage profile).
RUN_COST_TOKENS = 24


def plan_runs(
    lengths: Sequence[int], max_batch: int, run_cost: int = RUN_COST_TOKENS
) -> list[list[int]]:
    """Split texts of these token lengths into runs of at most ``max_batch``, each padded to
    its own longest, at the least total cost (``run_cost`` per run plus every padded token):
    one long question no longer pads seven short ones to its length, and texts of similar
    length still share one run. Dynamic programming over the texts sorted by length."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    best = [0.0] + [float("inf")] * len(order)  # best[j]: least cost of the first j
    cut = [0] * (len(order) + 1)
    for j in range(1, len(order) + 1):
        longest = lengths[order[j - 1]]
        for i in range(max(0, j - max_batch), j):
            cost = best[i] + run_cost + (j - i) * longest
            if cost < best[j]:
                best[j], cut[j] = cost, i
    runs, j = [], len(order)
    while j > 0:
        runs.append(order[cut[j] : j])
        j = cut[j]
    return runs[::-1]
