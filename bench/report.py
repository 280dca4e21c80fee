"""bench/RESULTS.md from a run's measurements: the conclusions are computed from
results.json and written into bench/REPORT.md.tmpl; no number in the report is typed."""

from __future__ import annotations

import json
from pathlib import Path
from string import Template

from bench.locustfile import QUESTIONS, unique_variant
from bench.scenarios import QUIET_LOAD, TARGET_USERS, TARGETS, cold_offset

TEMPLATE = Path(__file__).with_name("REPORT.md.tmpl")


def find(
    runs: list[dict],
    endpoint: str,
    cache: str,
    users: int,
    mode: str = "hybrid",
    paced: bool = False,
) -> dict | None:
    want = (endpoint, cache, users, mode, paced)
    for r in runs:
        if (r["endpoint"], r["cache"], r["users"], r["mode"], bool(r.get("offered_rps"))) == want:
            return r
    return None


# ----------------------------------------------------------------------------- conclusions


def ratios(results: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    base = (results.get("baseline") or {}).get("p50_ms")
    for cache in ("cold", "warm"):
        r = find(results["runs"], "/search", cache, 1)
        if r and base and r["p50_ms"]:
            out[f"service /search p50 at c1 (cache-{cache}) / baseline p50"] = (
                f"{r['p50_ms']} / {base} ms = **{r['p50_ms'] / base:.2f}×**"
            )
    for users in (1, TARGET_USERS):
        kw = find(results["runs"], "/search", "cold", users, mode="keyword")
        hy = find(results["runs"], "/search", "cold", users)
        if kw and hy and kw["p50_ms"] and hy["p50_ms"]:
            out[f"keyword / hybrid p50 at c{users} (cache-cold)"] = (
                f"{kw['p50_ms']} / {hy['p50_ms']} ms = **{kw['p50_ms'] / hy['p50_ms']:.2f}×**; "
                f"throughput {kw['rps']} vs {hy['rps']} req/s"
            )
    return out


def evaluate_targets(results: dict) -> list[dict]:
    runs = results["runs"]
    rows = []
    p50_goal, p99_goal = TARGETS["search_p50_ms_c8"], TARGETS["search_p99_ms_c8"]
    n = TARGET_USERS
    for paced, loop in ((False, "closed loop"), (True, f"paced {TARGETS['search_rps']:g}/s")):
        for cache in ("cold", "warm"):
            r = find(runs, "/search", cache, n, paced=paced)
            if r is None:
                continue
            rows.append(
                {
                    "target": f"/search latency, {n} users {loop}, cache-{cache}",
                    "goal": f"p50 ≤ {p50_goal:g} ms, p99 ≤ {p99_goal:g} ms, 0 errors",
                    "measured": f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, {r['errors']} errors",
                    "met": r["p50_ms"] is not None
                    and r["p50_ms"] <= p50_goal
                    and r["p99_ms"] <= p99_goal
                    and r["errors"] == TARGETS["search_errors_c8"],
                }
            )
    for cache in ("cold", "warm"):
        closed = [
            r
            for r in runs
            if r["endpoint"] == "/search"
            and r["mode"] == "hybrid"
            and r["cache"] == cache
            and not r.get("offered_rps")
        ]
        if not closed:
            continue
        best = max(closed, key=lambda r: r["rps"])
        rows.append(
            {
                "target": f"/search sustained throughput, cache-{cache}",
                "goal": f"≥ {TARGETS['search_rps']:g} req/s",
                "measured": f"{best['rps']} req/s (best closed loop: c{best['users']})",
                "met": best["rps"] >= TARGETS["search_rps"],
            }
        )
    cold = results["cold_start"]["ready_s"]
    rows.append(
        {
            "target": "cold start (process start → /readyz 200)",
            "goal": f"≤ {TARGETS['cold_start_s']:g} s",
            "measured": f"{cold} s",
            "met": cold <= TARGETS["cold_start_s"],
        }
    )
    rss = results["peak_rss_mib"]
    rows.append(
        {
            "target": "peak RSS of the server (incl. children)",
            "goal": f"≤ {TARGETS['peak_rss_mib']:g} MiB ({TARGETS['peak_rss_mib'] / 1024:g} GiB)",
            "measured": f"{rss} MiB",
            "met": rss <= TARGETS["peak_rss_mib"],
        }
    )
    return rows


def diagnose(results: dict) -> list[str]:
    """Measured reasons for missed targets, from the load runs."""
    lines: list[str] = []
    nproc = results["machine"]["nproc"]
    n = TARGET_USERS
    for cache in ("cold", "warm"):
        r = find(results["runs"], "/search", cache, n)
        if r is None:
            continue
        cpu = r["server_cpu_ms_per_req"]
        one_core = 1000 / cpu if cpu else float("inf")
        lines.append(
            f"/search cache-{cache} c{n}: the server burns {cpu} ms CPU per request and keeps "
            f"{r['server_cpu_util']} of {nproc} cores busy, while locust itself uses "
            f"{r['client_cpu_util']} cores on the same machine; at this cost one core serves "
            f"≈ {one_core:.0f} req/s and {nproc} cores ≈ {nproc * one_core:.0f}: measured "
            f"{r['rps']} req/s. With {n} clients in a closed loop, each request waits for "
            f"≈ {n - 1} others: p50 ≈ {n} / throughput = {n * 1000 / max(r['rps'], 1e-6):.0f} ms "
            f"(measured {r['p50_ms']} ms)."
        )
    goal = TARGETS["search_p50_ms_c8"]
    need = n / (goal / 1000)
    cold8, warm8 = (find(results["runs"], "/search", c, n) for c in ("cold", "warm"))
    b8 = (results.get("stages") or {}).get("encode_p50_ms_per_query_batch8")
    arithmetic = (
        f"Closed loop arithmetic: with {n} clients back-to-back, p50 ≤ {goal:g} ms needs "
        f"≈ {need:.0f} req/s, i.e. at most {nproc * 1000 / need:.0f} ms of CPU per request on "
        f"{nproc} cores, load generator included"
    )
    if cold8 and warm8 and b8:
        cpu = cold8["server_cpu_ms_per_req"]
        arithmetic += (
            f"; a never-seen question costs {cpu} ms (at that cost {need:.0f} req/s keep "
            f"≈ {need * cpu / 1000:.1f} cores busy for the server alone): the encode "
            f"(≈ {b8} ms per question in batches of 8, stage profile; more in the smaller "
            f"batches that form at c{n}) plus what a cache-warm request costs "
            f"({warm8['server_cpu_ms_per_req']} ms: HTTP, search, JSON)"
        )
    lines.append(arithmetic + ".")
    for cache in ("cold", "warm"):
        r = find(results["runs"], "/search", cache, n, paced=True)
        if r:
            behind = r["rps"] < 0.9 * r["offered_rps"]
            lines.append(
                f"/search cache-{cache}, {n} users paced to {r['offered_rps']:g} req/s: served "
                f"{r['rps']} req/s at p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms "
                f"({r['server_cpu_util']} of {nproc} cores busy)"
                + (" - the server cannot keep up, so requests queue." if behind else ".")
            )
    return lines


def suggestions(results: dict) -> list[str]:
    """Concrete directions; every number in them comes from this run."""
    st = results.get("stages") or {}
    nproc = results["machine"]["nproc"]
    runs = results["runs"]
    out = []
    cold8 = find(runs, "/search", "cold", TARGET_USERS)
    warm8 = find(runs, "/search", "warm", TARGET_USERS)
    if cold8 and warm8:
        out.append(
            f"The query encode dominates: cache-cold /search costs "
            f"{cold8['server_cpu_ms_per_req']} ms server CPU per request vs "
            f"{warm8['server_cpu_ms_per_req']} ms cache-warm. Everything that makes the encode "
            "cheaper or rarer moves every target."
        )
    one = st.get("encode_p50_ms_threads_1")
    many = st.get(f"encode_p50_ms_threads_{nproc}")
    closed = [r for r in runs if not r.get("offered_rps")]
    busiest = max(closed, key=lambda r: r["server_cpu_util"]) if closed else None
    threads = results["settings"]["encoder_threads"]
    if busiest:
        where = f"{busiest['endpoint']} cache-{busiest['cache']} c{busiest['users']}"
        if threads < nproc:
            out.append(
                f"The server never uses more than {busiest['server_cpu_util']} of {nproc} "
                f"cores (busiest run: {where}), even when requests queue: one process, Python "
                f"under one GIL, and ATP_ENCODER_THREADS={threads} intra-op thread(s) per "
                "encode. The idle cores are the cheapest capacity there is: more encoder "
                "threads for the single encoder thread, or a second worker process."
            )
        else:
            out.append(
                f"The busiest run ({where}) keeps {busiest['server_cpu_util']} of {nproc} cores "
                f"busy: the single micro-batching encoder thread runs {threads} intra-op "
                "threads, so the encode already uses every core; more capacity needs a cheaper "
                "encode, not more threads or processes."
            )
    if one and many:
        out.append(
            f"One encode, one question at a time: {one} ms with 1 thread, {many} ms "
            f"with {nproc}: a short question has too little work to split across cores; the "
            "threads pay off on the batches that queue under load."
        )
    b8 = st.get("encode_p50_ms_per_query_batch8")
    cold1 = find(runs, "/search", "cold", 1)
    if one and b8 and cold1 and cold8:
        batching = cold8["server_cpu_ms_per_req"] < 0.8 * cold1["server_cpu_ms_per_req"]
        out.append(
            f"Micro-batching: encoding 8 questions in one call costs {b8} ms per question vs "
            f"{one} ms alone ({one / b8:.1f}× less CPU per query). "
            + (
                f"The service batches already: a cache-cold /search costs "
                f"{cold8['server_cpu_ms_per_req']} ms server CPU at c{TARGET_USERS} vs "
                f"{cold1['server_cpu_ms_per_req']} ms at c1."
                if batching
                else "A batcher that encodes the questions waiting in the thread pool together "
                "would raise cache-cold throughput by about that factor under concurrency."
            )
        )
    q = st.get("torch_encoder") or {}
    if q.get("encode_p50_ms") and one and b8:
        agree = (
            f"; their vectors agree to a minimum cosine of {q['min_cosine_to_onnx']} on the "
            f"{len(QUESTIONS)} fixed questions"
            if "min_cosine_to_onnx" in q
            else ""
        )
        out.append(
            f"ONNX Runtime (the default): one question {one} ms vs {q['encode_p50_ms']} ms for "
            f"the same float32 model on PyTorch through sentence-transformers, and {b8} vs "
            f"{q['encode_p50_ms_per_query_batch8']} ms per question in batches of 8{agree}."
        )
    i8 = st.get("int8_encoder") or {}
    if i8.get("encode_p50_ms") and one:
        out.append(
            f"The int8 graph (ATP_ENCODER=onnx-int8, {i8['file_mib']} MiB): one question "
            f"{i8['encode_p50_ms']} ms vs {one} ms in float32 ({one / i8['encode_p50_ms']:.1f}× "
            f"cheaper), vectors within a minimum cosine of {i8['min_cosine_to_float32']} of "
            "float32; it encodes one question at a time (no micro-batches). What it costs in "
            "ranking quality `atp eval` measures; served under load, "
            "`ATP_ENCODER=onnx-int8 python -m bench.run --out DIR` benchmarks it without "
            "replacing this record."
        )
    hot_kw = st.get("hot_functions_keyword") or []
    jieba_ms = sum(h["tottime_ms_per_query"] for h in hot_kw if "jieba/" in h["function"])
    if st.get("keyword_p50_ms") and jieba_ms > 2:
        out.append(
            f"Keyword mode is not cheap: {st['keyword_p50_ms']} ms in-process vs "
            f"{st.get('search_warm_p50_ms')} ms for a cache-warm hybrid search, of which "
            f"≈ {jieba_ms:.0f} ms (own time of its top functions) is jieba re-segmenting the "
            "sentences of every hit to pick the highlight (index/search.py _lexical_best, used "
            "when there are no dense sentence scores). Tokenising each passage sentence once "
            "at load (or an lru_cache on the sentence tokens) would remove most of it."
        )
    warm1 = find(runs, "/search", "warm", 1)
    asgi = st.get("asgi") or {}
    if warm1 and asgi:
        extras = results["machine"].get("uvicorn_extras", {})
        missing = [name for name, present in extras.items() if not present]
        rest = warm1["server_cpu_ms_per_req"] - asgi["search_via_app_p50_ms"]
        out.append(
            f"HTTP layer: a cache-warm /search costs the server {warm1['server_cpu_ms_per_req']} "
            f"ms CPU at c1; in-process, Searcher.search takes "
            f"{asgi['search_in_process_p50_ms']} ms and the app around it (FastAPI, response "
            f"validation, middleware, thread hop) {asgi['app_overhead_p50_ms']} ms more; "
            + (
                f"the remaining ≈ {rest:.1f} ms is uvicorn, its HTTP parser and the event loop"
                if rest >= 0.1
                else "uvicorn, its HTTP parser and the event loop add little on top"
            )
            + (
                f" ({' and '.join(missing)} not installed: pure-Python h11 and asyncio; "
                "`uvicorn[standard]` brings both)."
                if missing
                else "."
            )
            + " A rough split: the in-process figure includes the test client's own work."
        )
    up = st.get("startup") or {}
    if up:
        out.append(
            f"Cold start: importing the service takes {up.get('import_service_s')} s and "
            f"loading the engine (corpus, index, ONNX session, warm-up search) "
            f"{up.get('load_engine_total_s')} s" + _torch_free(st) + "."
        )
    out.append(
        "Query-embedding LRU (ATP_QUERY_CACHE_SIZE, already there): the warm rows show "
        "what popular questions cost; it cannot help never-seen questions, so the cold rows "
        "are the capacity to plan for."
    )
    files = st.get("model_files") or {}
    if files:
        tokens = st.get("tokens_mean_cold_variant")
        out.append(
            f"Memory: the served ONNX graph is {files['onnx_float32_mib']} MiB of float32 "
            f"weights, {files['embedding_matrix_float32_mib']} MiB of them the "
            f"{files['vocab_size']}-token embedding matrix ({files['hidden_size']} dims), of "
            f"which a question of ≈ {tokens} tokens reads as many rows. Storing that matrix in "
            f"float16 would save ≈ {files['embedding_matrix_float32_mib'] / 2:.0f} MiB, at the "
            "price of re-verifying the export."
        )
    return out


def _torch_free(stages: dict) -> str:
    """Whether loading the engine pulled in torch, as the profile process saw it."""
    loaded = stages.get("engine_imports_torch")
    if loaded is None:
        return ""
    if loaded:
        return "; the engine imports torch or sentence-transformers"
    return "; the engine imports neither torch nor sentence-transformers"


def stage_lines(stages: dict) -> list[str]:
    """The stage profile in sentences."""
    if not stages:
        return ["not measured yet (run `atp bench` without --quick)."]
    lines: list[str] = []
    startup = stages.get("startup") or {}
    if startup:
        lines.append(
            "Cold start, step by step in a fresh process (s): "
            + ", ".join(f"{k.removesuffix('_s')} {v}" for k, v in startup.items())
            + " (load_engine: corpus, index, the ONNX encoder and a warm-up search"
            + _torch_free(stages)
            + ")."
        )
    lines.append(
        f"A cache-cold search takes {stages.get('search_cold_p50_ms')} ms p50, the same search "
        f"with its embedding cached {stages.get('search_warm_p50_ms')} ms: the query encode is "
        f"{100 * stages.get('encode_share_cold', 0):.0f}% of a cold search; keyword-only "
        f"{stages.get('keyword_p50_ms')} ms."
    )
    threads = {k: v for k, v in stages.items() if k.startswith("encode_p50_ms")}
    q = stages.get("torch_encoder") or {}
    on_torch = (
        f"the same model on PyTorch through sentence-transformers (one thread): "
        f"{q.get('encode_p50_ms')} ms alone, {q.get('encode_p50_ms_per_query_batch8')} ms "
        f"per question in batches of 8 (import and load {q.get('import_and_load_s')} s)"
        if "encode_p50_ms" in q
        else f"PyTorch not measured ({q.get('error')})"
    )
    lines.append(
        "The query encode alone on ONNX Runtime (p50, ms; one query at a time): "
        + ", ".join(f"{k.removeprefix('encode_p50_ms_')} = {v}" for k, v in threads.items())
        + f"; {on_torch}."
    )
    i8 = stages.get("int8_encoder") or {}
    if i8:
        lines.append(
            f"The int8 graph, one thread: {i8['encode_p50_ms']} ms per question, minimum cosine "
            f"to float32 {i8['min_cosine_to_float32']}."
            if "encode_p50_ms" in i8
            else f"The int8 graph: not measured ({i8.get('error')})."
        )
    lines.append(
        f"Query tokens incl. the prompt: fixed questions {stages.get('tokens_mean_fixed')} "
        f"on average, their cache-cold variants {stages.get('tokens_mean_cold_variant')}."
    )
    lines.append(
        f"Outside the encode, building and serialising the response (search_response + "
        f"model_dump_json, {stages.get('k', 10)} hits in every script, with highlights) takes "
        f"{stages.get('serialize_p50_ms')} ms p50 per /search."
    )
    asgi = stages.get("asgi") or {}
    if asgi:
        lines.append(
            f"The app in-process (httpx ASGITransport, no uvicorn or sockets, cache-warm): "
            f"GET /search takes {asgi['search_via_app_p50_ms']} ms p50 vs "
            f"{asgi['search_in_process_p50_ms']} ms for Searcher.search alone: FastAPI, "
            f"response validation, middleware and the thread hop add "
            f"{asgi['app_overhead_p50_ms']} ms, of which {asgi.get('healthz_via_app_p50_ms')} "
            "ms is the floor any request pays here (GET /healthz through the same client, "
            "routing and middleware). Hottest functions (own time) per request, event-loop "
            "thread: "
            + "; ".join(
                f"{f['function']} {f['tottime_ms_per_request']} ms"
                for f in asgi["framework_cumulative"][:6]
            )
            + "."
        )
    for key, what in (
        ("hot_functions_encode", "the query encode (encoder.encode of one question)"),
        ("hot_functions", "a hybrid search with its embedding cached"),
        ("hot_functions_keyword", "a keyword search"),
    ):
        hot = stages.get(key) or []
        if hot:
            lines.append(
                f"Hottest functions of {what} (cProfile, own time per query): "
                + "; ".join(f"{h['function']} {h['tottime_ms_per_query']} ms" for h in hot[:6])
                + "."
            )
    return lines


def derive(results: dict) -> dict:
    """The measurements plus what follows from them: ratios, targets, diagnosis, advice."""
    return {
        **results,
        "ratios": ratios(results),
        "targets": evaluate_targets(results),
        "diagnosis": diagnose(results),
        "suggestions": suggestions(results),
    }


# ----------------------------------------------------------------------------- rendering


LOAD_COLUMNS = (
    "cache", "users", "requests", "errors", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms",
    "server_cpu_ms_per_req", "server_cpu_util", "client_cpu_util", "peak_rss_mib",
)  # fmt: skip
KEYWORD_COLUMNS = (
    "users", "requests", "errors", "rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms_per_req",
)  # fmt: skip
PACED_COLUMNS = (
    "cache", "offered_rps", "requests", "errors", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms",
    "server_cpu_ms_per_req", "server_cpu_util",
)  # fmt: skip


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _row(*cells) -> str:
    return "| " + " | ".join(_fmt(c) for c in cells) + " |"


def _rows(runs: list[dict], columns: tuple[str, ...], keep) -> str:
    """Markdown table rows: the given columns of the runs `keep` selects."""
    return "\n".join(_row(*(r[c] for c in columns)) for r in runs if keep(r))


def _closed_loop(endpoint: str):
    return lambda r: (
        r["endpoint"] == endpoint and r["mode"] == "hybrid" and not r.get("offered_rps")
    )


def _machine(results: dict) -> str:
    m, s = results["machine"], results["settings"]
    return _bullets(
        [
            f"date: {m['date']}; git commit: `{m['git_commit']}`",
            f"nproc: {m['nproc']}; CPU: {m['cpu_model']}; memory: {m['memory_mib']} MiB",
            f"load average at start (1, 5, 15 min): {m['load_average_start']}; "
            f"at end: {results.get('load_average_end')}",
            f"Python {m['python']}, onnxruntime {m.get('onnxruntime')}, torch "
            f"{m.get('torch')} (baseline and comparison only); {m['platform']}",
            f"uvicorn extras installed: {m.get('uvicorn_extras')}",
            f"service settings: search_threads={s['search_threads']}, encoder={s['encoder']}, "
            f"encoder_threads={s['encoder_threads']}, query_cache_size={s['query_cache_size']}; "
            f"model `{s['model_dir']}`, index `{s['index_dir']}`",
            f"total benchmark time: {results['total_seconds']} s",
        ]
    )


def _busy_warning(results: dict) -> str:
    load = results["machine"]["load_average_start"][0]
    if load <= QUIET_LOAD:
        return ""
    return (
        f"\n> **Busy machine**: the 1-minute load average was {load} at start (quiet: < "
        f"{QUIET_LOAD}); other work shared the CPUs, so latencies and throughput are "
        "pessimistic.\n"
    )


def _missed(results: dict) -> str:
    if not any(t["met"] is False for t in results["targets"]):
        return ""
    lines = [
        *results["diagnosis"],
        "Where a request's CPU goes: see *Stage profile*; what would close the gap: *Suggestions*.",
    ]
    return "\n### Why targets are missed (measured)\n\n" + _bullets(lines) + "\n"


def _status(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def _note(section: dict | None) -> str:
    return f" *{section['note']}*" if section and section.get("note") else ""


def _baseline(results: dict) -> str:
    b = results.get("baseline") or {}
    lines = [
        f"baseline: {b.get('queries')} queries, p50 {b.get('p50_ms')} ms, p95 {b.get('p95_ms')} "
        f"ms, p99 {b.get('p99_ms')} ms (passage embedding {b.get('index_seconds')} s, peak RSS "
        f"{b.get('peak_rss_mb')} MiB)"
    ]
    lines += [f"{key}: {text}" for key, text in results["ratios"].items()]
    return _bullets(lines)


def _startup(results: dict) -> str:
    cs = results["cold_start"]
    interval = results.get("rss_sample_interval_s")
    lines = [
        f"cold start, process start → /readyz 200: **{cs['ready_s']} s** (first HTTP answer: "
        f"{cs.get('listening_s')} s; engine load reported by /readyz: {cs['engine_load_s']} s; "
        f"RSS when ready: {cs['rss_at_ready_mib']} MiB)",
        f"peak RSS of the server process tree, sampled every {interval} s over all runs: "
        f"**{results['peak_rss_mib']} MiB**",
    ]
    ib = results.get("index_build") or {}
    if ib:
        lines.append(
            f"`atp index build` into a temp folder: **{ib.get('seconds')} s** for "
            f"{ib.get('views')} views, incl. model load (peak RSS {ib.get('peak_rss_mib')} "
            f"MiB, load average then {ib.get('load_average')}).{_note(ib)}"
        )
    else:
        lines.append("`atp index build`: not measured yet (run `atp bench` without --quick).")
    return _bullets(lines)


def _cold_example(runs: list[dict]) -> str:
    first = next((i for i, r in enumerate(runs) if r["cache"] == "cold"), 0)
    return unique_variant("zh-Hans", "…怎么办？", cold_offset(first))


def render(results: dict) -> str:
    """RESULTS.md for derived results (see derive)."""
    runs = results["runs"]
    stages = results.get("stages") or {}
    scripts = [script for script, _ in QUESTIONS]
    fields = {
        "quick_flag": " **--quick**" if results["quick"] else "",
        "questions": len(QUESTIONS),
        "questions_hans": scripts.count("zh-Hans"),
        "questions_hant": scripts.count("zh-Hant"),
        "questions_en": scripts.count("en"),
        "cold_example": _cold_example(runs),
        "machine": _machine(results),
        "busy_warning": _busy_warning(results),
        "target_rows": "\n".join(
            _row(t["target"], t["goal"], t["measured"], _status(t["met"]))
            for t in results["targets"]
        ),
        "missed": _missed(results),
        "search_rows": _rows(runs, LOAD_COLUMNS, _closed_loop("/search")),
        "ask_rows": _rows(runs, LOAD_COLUMNS, _closed_loop("/ask")),
        "keyword_rows": _rows(runs, KEYWORD_COLUMNS, lambda r: r["mode"] == "keyword"),
        "target_users": TARGET_USERS,
        "rate": _fmt(TARGETS["search_rps"]),
        "paced_rows": _rows(runs, PACED_COLUMNS, lambda r: bool(r.get("offered_rps"))),
        "baseline_note": _note(results.get("baseline")),
        "baseline": _baseline(results),
        "startup": _startup(results),
        "stages_count": f", {stages['queries']} never-seen questions" if stages else "",
        "stages_note": _note(stages),
        "stages": _bullets(stage_lines(stages)),
        "suggestions": _bullets(results["suggestions"]),
    }
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(fields)


def write(results: dict, md_path: Path, json_path: Path) -> dict:
    """Derive the conclusions, then write results.json and RESULTS.md; the derived results."""
    results = derive(results)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(render(results), encoding="utf-8")
    return results
