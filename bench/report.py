"""bench/RESULTS.md from a run's results: bench/findings.py's sentences and the measured
tables written into bench/REPORT.md.tmpl (a string.Template); no number in it is typed."""

from __future__ import annotations

import json
from pathlib import Path
from string import Template

from bench.findings import derive, floor_ms, floor_rps, torch_free
from bench.locustfile import QUESTIONS, unique_variant
from bench.scenarios import QUIET_LOAD, QUIET_OTHER_CPU, TARGET_USERS, TARGETS, cold_offset

TEMPLATE = Path(__file__).with_name("REPORT.md.tmpl")


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
            + torch_free(stages)
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
    ts = stages.get("thread_settings") or {}
    if ts:
        lines.append(
            "ONNX Runtime intra-op threads on this machine (p50 per question, wall / CPU ms, "
            "interleaved): "
            + "; ".join(
                f"{name.removeprefix('threads_')}: alone {v['alone_ms']} / {v['alone_cpu_ms']}, "
                f"in batches of 8 {v['batch8_ms']} / {v['batch8_cpu_ms']}"
                for name, v in ts.items()
            )
            + "."
        )
    rc = stages.get("run_cost") or {}
    if rc:
        lines.append(
            f"One session.run costs {rc['run_ms']} ms plus {rc['per_token_ms']} ms per token it "
            f"computes (CPU, fitted over runs of 1-4 questions of 8-32 tokens): a run is worth "
            f"{rc['run_overhead_tokens']} tokens of padding; the encoder plans with "
            f"{rc['used']} (index/model/onnx.py RUN_COST_TOKENS)."
        )
    bk = stages.get("bucketing") or {}
    if bk:
        lines.append(
            "Mixed-length batches of 8 (new questions and a few cut at the token limit), CPU "
            "per question p50 (mean): "
            + "; ".join(
                f"{name.replace('_', ' ')} {v['cpu_ms_per_question']} ({v['mean']}) ms, minimum "
                f"cosine to the same question alone {v['min_cosine_to_alone']}"
                for name, v in bk.items()
            )
            + "."
        )
    sa = stages.get("same_answers") or {}
    if sa:
        lines.append(
            f"Batch-mates change no answer: {sa['same_top10']} of {sa['questions']} new "
            f"questions get the same top 10 encoded alone and in a batch of 8, scores within "
            f"{sa['max_score_diff']:.1e}."
        )
    bw = stages.get("batcher_wait") or {}
    if bw:
        lines.append(
            "The micro-batcher's wait, 8 threads searching new questions back to back "
            "in-process, side by side: "
            + "; ".join(
                f"{name.replace('_', ' ')}: {v['searches_per_s']} searches/s, {v['cpu_ms']} ms "
                f"CPU per search, {v['batch']} questions per batch"
                for name, v in bw.items()
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


LOAD_COLUMNS = (
    "cache", "users", "requests", "errors", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms",
    "server_cpu_ms_per_req", "server_cpu_util", "client_cpu_util", "other_cpu_util",
    "peak_rss_mib",
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
    return "\n".join(_row(*(r.get(c) for c in columns)) for r in runs if keep(r))


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
    """A warning when other work shared the CPUs: by the load average at the start, or by
    the CPU other processes used during the load runs."""
    load = results["machine"]["load_average_start"][0]
    others = [r["other_cpu_util"] for r in results["runs"] if r.get("other_cpu_util") is not None]
    busiest = max(others, default=0.0)
    if load <= QUIET_LOAD and busiest <= QUIET_OTHER_CPU:
        return ""
    return (
        f"\n> **Busy machine**: the 1-minute load average was {load} at start (quiet: < "
        f"{QUIET_LOAD}) and other processes kept up to {busiest} cores busy during a load run "
        f"(quiet: ≤ {QUIET_OTHER_CPU}, `other CPU` column); latencies and throughput are "
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


def _floor(results: dict) -> str:
    floors = results.get("floor") or {}
    if not floors:
        return "- not measured in this run."
    lines = [
        f"{when} the load runs: {f['queries']} questions, p50 {f['p50_ms']} ms (mean "
        f"{f['mean_ms']} ms, CPU p50 {f['cpu_p50_ms']} ms), load average {f['load_average']}"
        for when, f in (("before", floors.get("before")), ("after", floors.get("after")))
        if f
    ]
    lines.append(
        f"the floor of this run: **{floor_ms(results)} ms** (the mean of the two p50s); "
        f"{results['machine']['nproc']} cores × 1000 / floor = **{floor_rps(results)} req/s**"
    )
    lines += [f"{key}: {text}" for key, text in results.get("floor_ratios", {}).items()]
    return _bullets(lines)


def _peer(results: dict) -> str:
    peer = results.get("peer") or {}
    if not peer:
        return "- not measured yet (run `atp bench` without --quick)."
    if "error" in peer:
        return f"- not measured: {peer['error']}"
    q, own = peer["quality"], peer["service_quality"]
    lines = [
        f"txtai {peer['txtai']}: {peer['rows']} rows (every passage in zh-Hans and English), "
        f"one search p50 {peer['p50_ms']} ms, p99 {peer['p99_ms']} ms over {peer['queries']} "
        f"never-seen questions ({peer['torch_threads']} torch thread; index built in "
        f"{peer['index_s']} s)",
    ]
    rows = [("txtai (dense)", q), *((f"this service ({m})", own[m]) for m in own)]
    for name, m in rows:
        lines.append(
            f"{name} on the {peer['split']} split ({m['questions']} questions): Recall@5 "
            f"{m['recall@5']}, MRR@10 {m['mrr@10']}"
        )
    return _bullets(lines) + _note(peer)


def _http_stacks(results: dict) -> str:
    stacks = results.get("http_stacks") or {}
    if not stacks:
        return "- not measured yet (run `atp bench` without --quick)."
    lines = [
        f"{name}: p50 {m['p50_ms']} ms, server CPU {m['server_cpu_ms_per_req']} ms per request "
        f"({m['requests']} requests)"
        for name, m in stacks.items()
        if isinstance(m, dict) and "p50_ms" in m
    ]
    return _bullets(lines) + _note(stacks)


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
        "floor": _floor(results),
        "peer": _peer(results),
        "http_stacks": _http_stacks(results),
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
