"""What a benchmark run's measurements say: ratios, targets met or missed, measured reasons
and suggestions, each a sentence computed from results.json (pure functions, no I/O)."""

from __future__ import annotations

from bench.locustfile import QUESTIONS
from bench.scenarios import QUIET_OTHER_CPU, TARGET_USERS, TARGETS


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


def floor_ms(results: dict) -> float | None:
    """The floor of this run: the bare encode's p50, the mean of its two measurements
    (before and after the load runs, bench/floor.py)."""
    measured = [f["p50_ms"] for f in (results.get("floor") or {}).values() if f.get("p50_ms")]
    return round(sum(measured) / len(measured), 2) if measured else None


def floor_cpu_ms(results: dict) -> float | None:
    """The floor in CPU time (the mean of its two CPU p50s): on a shared machine the wall
    time of one encode grows with the neighbours' load, its CPU time hardly."""
    measured = [
        f["cpu_p50_ms"] for f in (results.get("floor") or {}).values() if f.get("cpu_p50_ms")
    ]
    return round(sum(measured) / len(measured), 2) if measured else None


def floor_rps(results: dict) -> float | None:
    """What the floor allows: every core encoding one new question after another."""
    floor = floor_ms(results)
    return round(results["machine"]["nproc"] * 1000 / floor, 1) if floor else None


def floor_ratios(results: dict) -> dict[str, str]:
    """The service, the peer and the baseline against the floor, side by side."""
    floor, allowed, nproc = floor_ms(results), floor_rps(results), results["machine"]["nproc"]
    if not floor:
        return {}
    out: dict[str, str] = {}
    runs = results["runs"]
    for users in (1, TARGET_USERS):
        r = find(runs, "/search", "cold", users)
        if r and r["p50_ms"]:
            out[f"/search p50 at c{users}, new questions / floor"] = (
                f"{r['p50_ms']} / {floor} ms = **{r['p50_ms'] / floor:.2f}×**"
            )
    r = find(runs, "/search", "cold", TARGET_USERS)
    if r and allowed:
        out[f"/search throughput at c{TARGET_USERS}, new questions / (cores × 1000 / floor)"] = (
            f"{r['rps']} / {allowed} req/s = **{r['rps'] / allowed:.2f}×**"
        )
    for users in (1, TARGET_USERS):
        r = find(runs, "/search", "cold", users)
        if r:
            out[f"server CPU per new question at c{users} / floor"] = (
                f"{r['server_cpu_ms_per_req']} / {floor} ms = "
                f"**{r['server_cpu_ms_per_req'] / floor:.2f}×** (on {nproc} cores)"
            )
    cpu_floor = floor_cpu_ms(results)
    if cpu_floor:
        for users in (1, TARGET_USERS):
            r = find(runs, "/search", "cold", users)
            if r:
                out[f"server CPU per new question at c{users} / the floor's CPU time"] = (
                    f"{r['server_cpu_ms_per_req']} / {cpu_floor} ms = "
                    f"**{r['server_cpu_ms_per_req'] / cpu_floor:.2f}×**"
                )
        r = find(runs, "/search", "cold", TARGET_USERS)
        if r:
            cpu_rps = nproc * 1000 / cpu_floor
            out[
                f"/search throughput at c{TARGET_USERS} / (cores × 1000 / the floor's CPU time)"
            ] = (
                f"{r['rps']} / {cpu_rps:.1f} req/s = **{r['rps'] / cpu_rps:.2f}×** (the server "
                f"got {r['server_cpu_util']} of {nproc} cores)"
            )
    peer = results.get("peer") or {}
    if peer.get("p50_ms"):
        out["txtai peer, one search in-process / floor"] = (
            f"{peer['p50_ms']} / {floor} ms = **{peer['p50_ms'] / floor:.2f}×**"
        )
    base = (results.get("baseline") or {}).get("p50_ms")
    if base:
        out["naive baseline, one search in-process / floor"] = (
            f"{base} / {floor} ms = **{base / floor:.2f}×**"
        )
    return out


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


def floor_targets(results: dict) -> list[dict]:
    """Issue 16's acceptance: a new question at the cost of encoding it."""
    floor, allowed = floor_ms(results), floor_rps(results)
    runs, n = results["runs"], TARGET_USERS
    c1, c8 = find(runs, "/search", "cold", 1), find(runs, "/search", "cold", n)
    if not floor or not c1 or not c8:
        return []
    ratio, share = TARGETS["new_c1_p50_floor_ratio"], TARGETS["new_c8_rps_floor_share"]
    p99_goal = TARGETS["search_p99_ms_c8"]
    return [
        {
            "target": "new questions: /search p50 at c1 against the floor (bare encode, 1 thread)",
            "goal": f"≤ {ratio:g}× the floor ({floor} ms): ≤ {ratio * floor:.2f} ms",
            "measured": f"p50 {c1['p50_ms']} ms = {c1['p50_ms'] / floor:.2f}×",
            "met": c1["p50_ms"] <= ratio * floor,
        },
        {
            "target": f"new questions: /search throughput at {n} clients against the floor",
            "goal": f"≥ {share:g}× cores × 1000 / floor = {share * allowed:.1f} req/s",
            "measured": f"{c8['rps']} req/s = {c8['rps'] / allowed:.2f}×",
            "met": c8["rps"] >= share * allowed,
        },
        {
            "target": f"new questions: /search p99 and errors at {n} clients",
            "goal": f"p99 ≤ {p99_goal:g} ms, 0 errors",
            "measured": f"p99 {c8['p99_ms']} ms, {c8['errors']} errors",
            "met": c8["p99_ms"] <= p99_goal and c8["errors"] == 0 and c1["errors"] == 0,
        },
    ]


def evaluate_targets(results: dict) -> list[dict]:
    runs = results["runs"]
    rows = floor_targets(results)
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


def floor_diagnosis(results: dict) -> list[str]:
    """Why a floor target is missed, from this run's numbers."""
    floor, allowed = floor_ms(results), floor_rps(results)
    runs, n, nproc = results["runs"], TARGET_USERS, results["machine"]["nproc"]
    c1, c8 = find(runs, "/search", "cold", 1), find(runs, "/search", "cold", n)
    warm1, warm8 = find(runs, "/search", "warm", 1), find(runs, "/search", "warm", n)
    if not floor or not c1 or not c8:
        return []
    ratio = TARGETS["new_c1_p50_floor_ratio"]
    lines = []
    if c1["p50_ms"] > ratio * floor and warm1:
        lines.append(
            f"New questions at c1: {c1['p50_ms']} ms p50 is the encode (the floor: "
            f"{floor} ms on one thread; the server's encoder runs "
            f"{results['settings']['encoder_threads']} intra-op threads) plus what the same "
            f"request costs with its embedding cached ({warm1['p50_ms']} ms p50: HTTP, "
            f"search, JSON); {ratio:g}× the floor leaves {(ratio - 1) * floor:.2f} ms for all "
            "of that, so the threads must win back what the request adds."
        )
    if c8["rps"] < TARGETS["new_c8_rps_floor_share"] * allowed:
        b8 = (results.get("stages") or {}).get("encode_p50_ms_per_query_batch8")
        lines.append(
            f"New questions at c{n}: the server spends {c8['server_cpu_ms_per_req']} ms CPU "
            f"per question ({c8['server_cpu_ms_per_req'] / floor:.2f}× the floor) and gets "
            f"{c8['server_cpu_util']} of {nproc} cores (locust {c8['client_cpu_util']}, other "
            f"processes {c8.get('other_cpu_util')}); {allowed} req/s needs at most "
            f"{floor} ms of CPU per question with every core the server's"
            + (
                f": the encode is {b8} ms per question in batches of 8 (stage profile), and "
                f"a cache-warm request costs {warm8['server_cpu_ms_per_req']} ms at c{n} "
                "(HTTP, search, JSON)"
                if b8 and warm8
                else ""
            )
            + "."
        )
    return lines


def diagnose(results: dict) -> list[str]:
    """Measured reasons for missed targets, from the load runs."""
    lines: list[str] = floor_diagnosis(results)
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
            f"{r['client_cpu_util']} cores on the same machine"
            + (
                f" and other processes {r['other_cpu_util']}"
                if r.get("other_cpu_util") is not None
                else ""
            )
            + f"; at this cost one core serves "
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
        util = busiest["server_cpu_util"]
        where = f"{busiest['endpoint']} cache-{busiest['cache']} c{busiest['users']}"
        other = busiest.get("other_cpu_util")
        ts = st.get("thread_settings") or {}
        one_t, all_t = ts.get("threads_1"), ts.get(f"threads_{nproc}")
        if threads < nproc and one_t and all_t:
            out.append(
                f"ATP_ENCODER_THREADS={threads} while {nproc} cores exist (busiest run: {where}, "
                f"{util} cores busy): in the stage profile {nproc} intra-op threads encode one "
                f"question in {all_t['alone_ms']} ms vs {one_t['alone_ms']} ms on one, at "
                f"{all_t['alone_cpu_ms']} vs {one_t['alone_cpu_ms']} ms CPU, and batches of 8 at "
                f"{all_t['batch8_cpu_ms']} vs {one_t['batch8_cpu_ms']} ms CPU per question: "
                "under load the other core serves HTTP and search instead."
            )
        elif threads < nproc:
            out.append(
                f"The server never uses more than {util} of {nproc} cores (busiest run: "
                f"{where}), even when requests queue: one process, Python under one GIL, and "
                f"ATP_ENCODER_THREADS={threads} intra-op thread(s) per encode. The idle cores "
                "are the cheapest capacity there is: more encoder threads for the single "
                "encoder thread, or a second worker process."
            )
        elif util >= 0.8 * nproc:
            out.append(
                f"The busiest run ({where}) keeps {util} of {nproc} cores busy: the single "
                f"micro-batching encoder thread runs {threads} intra-op threads, so the encode "
                "already uses every core; more capacity needs a cheaper encode, not more "
                "threads or processes."
            )
        else:
            out.append(
                f"The busiest run ({where}) keeps only {util} of {nproc} cores busy although "
                f"the encoder runs {threads} intra-op threads"
                + (
                    f": other processes kept {other} cores busy meanwhile, so this run measured "
                    "a shared machine; rerun on a quiet one before adding threads or processes."
                    if other is not None and other > QUIET_OTHER_CPU
                    else ": the cores were not the limit here."
                )
            )
    if one and many:
        split = (
            "a short question has too little work to split across cores; the threads pay off "
            "on the batches that queue under load."
            if many > 0.8 * one
            else "even a single question gains from the threads."
        )
        out.append(
            f"One encode, one question at a time: {one} ms with 1 thread, {many} ms "
            f"with {nproc}: {split}"
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
            f"{up.get('load_engine_total_s')} s" + torch_free(st) + "."
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


def torch_free(stages: dict) -> str:
    """Whether loading the engine pulled in torch, as the profile process saw it."""
    loaded = stages.get("engine_imports_torch")
    if loaded is None:
        return ""
    if loaded:
        return "; the engine imports torch or sentence-transformers"
    return "; the engine imports neither torch nor sentence-transformers"


def derive(results: dict) -> dict:
    """The measurements plus what follows from them: ratios, targets, diagnosis, advice."""
    return {
        **results,
        "ratios": ratios(results),
        "floor_ratios": floor_ratios(results),
        "targets": evaluate_targets(results),
        "diagnosis": diagnose(results),
        "suggestions": suggestions(results),
    }
