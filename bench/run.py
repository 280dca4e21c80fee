"""`atp bench [--quick]`: benchmark the real server under load; write bench/RESULTS.md.

What one run does, in order, on loopback only:

1. starts the real server (service/launcher.py) and times process start -> /readyz 200
   (cold start); a sampler thread records the server's RSS (incl. children) and CPU time
   for the whole run;
2. measures the floor (bench/floor.py: the bare ONNX encode, one thread, the cold runs'
   kind of questions) in a fresh process, before the load runs and again after them;
3. drives the server from a second process, locust headless (bench/locustfile.py),
   through the scenarios of bench/scenarios.py: /search and /ask, cache-warm and
   cache-cold, at several concurrencies, keyword mode, and paced to the target rate;
4. stops the server and runs the naive baseline (bench/baseline.py), the txtai peer
   (bench/peer.py), the same app on other HTTP stacks side by side (bench/http_stack.py)
   and the stage profile (bench/profile.py), each in a fresh process;
5. times `atp index build` into a temporary folder;
6. writes bench/results.json and, from it and bench/REPORT.md.tmpl, bench/RESULTS.md
   (bench/findings.py, bench/report.py).

--quick runs fewer, shorter scenarios and reuses the last baseline, peer, stage profile
and index build, saying so in the report (the floor is always measured). Every load run
is bounded twice (locust's --run-time and a request cap); every helper process has a
timeout.

    python -m bench.run [--quick] [--out DIR] [--report-only]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench import report
from bench.runner import (
    MIB,
    SAMPLE_INTERVAL_S,
    MeasuredServer,
    http_stacks,
    machine_info,
    prewarm,
    run_baseline,
    run_floor,
    run_peer,
    run_scenario,
    run_stages,
    time_index_build,
)
from bench.scenarios import QUIET_LOAD, TARGETS, cold_offset, plan
from service.settings import ROOT, Settings

BENCH_DIR = ROOT / "bench"


def _previous(json_path: Path) -> dict:
    if json_path.exists():
        with contextlib.suppress(ValueError, OSError):
            return json.loads(json_path.read_text())
    return {}


def _reuse(previous: dict, key: str, what: str) -> dict | None:
    """A measurement --quick does not repeat, from the last run, marked as such."""
    old = previous.get(key)
    if not old:
        return None
    old = {k: v for k, v in old.items() if k != "note"}
    when = old.get("measured") or previous.get("machine", {}).get("date", "an earlier run")
    old["note"] = f"not measured by --quick: {what} from the run of {when}."
    old.setdefault("measured", when)
    return old


def _settings() -> dict:
    settings = Settings()
    return {
        "search_threads": settings.search_threads,
        "encoder": settings.encoder,
        "encoder_threads": settings.encoder_threads,
        "query_cache_size": settings.query_cache_size,
        "model_dir": str(settings.model_dir),
        "index_dir": str(settings.index_dir),
    }


def measure(quick: bool, previous: dict) -> dict:
    """Every measurement of one run (no conclusions yet)."""
    started = time.perf_counter()
    results: dict = {
        "quick": quick,
        "machine": machine_info(),
        "settings": _settings(),
        "targets_spec": TARGETS,
        "rss_sample_interval_s": SAMPLE_INTERVAL_S,
    }
    load = results["machine"]["load_average_start"]
    print(
        f"atp bench{' --quick' if quick else ''}: load average {load}, "
        f"{results['machine']['nproc']} CPUs",
        flush=True,
    )
    if load[0] > QUIET_LOAD:
        print(f"  warning: the machine is busy (1-minute load > {QUIET_LOAD}): numbers suffer")
    workdir = Path(tempfile.mkdtemp(prefix="atp-bench-"))
    try:
        with MeasuredServer(workdir) as server:
            results["cold_start"] = server.cold_start
            print(f"  cold start: {server.cold_start}", flush=True)
            scenarios = plan(quick)
            first_cold = next(i for i, s in enumerate(scenarios) if s.cache == "cold")
            offset = cold_offset(first_cold) + 50_000  # as many digits, other numbers
            passes = 1 if quick else 3
            floors = [run_floor(workdir, offset, passes, "floor-before")]
            print(f"  floor: {floors[0]}", flush=True)
            runs = []
            for i, scenario in enumerate(scenarios):
                if scenario.cache == "warm":
                    prewarm(server.base)
                runs.append(run_scenario(server, scenario, i, workdir))
                time.sleep(0.5)
            results["runs"] = runs
            floors.append(run_floor(workdir, offset + 10_000, passes, "floor-after"))
            print(f"  floor after the load runs: {floors[1]}", flush=True)
            results["floor"] = {"before": floors[0], "after": floors[1]}
        results["peak_rss_mib"] = round(server.sampler.peak / MIB, 1)

        if quick:
            results["baseline"] = _reuse(previous, "baseline", "baseline")
            if results["baseline"] is None:
                results["baseline"] = run_baseline(workdir, passes=1)
            results["peer"] = _reuse(previous, "peer", "txtai peer")
            results["http_stacks"] = _reuse(previous, "http_stacks", "HTTP stacks")
            results["stages"] = _reuse(previous, "stages", "stage profile")
            results["index_build"] = _reuse(previous, "index_build", "build time")
        else:
            print("  baseline ...", flush=True)
            results["baseline"] = run_baseline(workdir, passes=3)
            print(f"  baseline: {results['baseline']}", flush=True)
            print("  txtai peer ...", flush=True)
            results["peer"] = run_peer(workdir, passes=2)
            print(f"  peer: {results['peer']}", flush=True)
            print("  HTTP stacks ...", flush=True)
            results["http_stacks"] = http_stacks(workdir)
            print("  stage profile ...", flush=True)
            results["stages"] = run_stages(workdir, repeats=1)
            print("  index build ...", flush=True)
            results["index_build"] = time_index_build(workdir)
            print(f"  index build: {results['index_build']}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(quick: bool = False, out_dir: Path | None = None) -> dict:
    """The benchmark; writes bench/RESULTS.md and bench/results.json (or into out_dir,
    for experiments with other ATP_* settings that should not replace the record)."""
    folder = Path(out_dir) if out_dir else BENCH_DIR
    md_path, json_path = folder / "RESULTS.md", folder / "results.json"
    previous = _previous(BENCH_DIR / "results.json")  # the record, for what --quick reuses
    results = report.write(measure(quick, previous), md_path, json_path)
    print(f"wrote {md_path} and {json_path} in {results['total_seconds']} s", flush=True)
    for t in results["targets"]:
        print(
            f"  {'met   ' if t['met'] else 'MISSED'} {t['target']}: {t['measured']} ({t['goal']})"
        )
    return results


def _cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    parser.add_argument("--out", help="write RESULTS.md and results.json here instead")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="re-derive RESULTS.md from the measurements in results.json, measure nothing",
    )
    args = parser.parse_args(argv)
    folder = Path(args.out) if args.out else BENCH_DIR
    if args.report_only:
        json_path = folder / "results.json"
        report.write(json.loads(json_path.read_text()), folder / "RESULTS.md", json_path)
        return
    main(quick=args.quick, out_dir=folder)


if __name__ == "__main__":
    _cli()
