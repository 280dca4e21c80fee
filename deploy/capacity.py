"""The capacity model: what one replica serves, from the benchmark, and what N users need.

Why a script: the README's numbers, the Deployment's resources and the autoscaler's target
all follow from bench/results.json (`atp bench`) and deploy/image-test.json (`make
image-test`); tests/test_deploy.py checks that the manifests and the README say what this
computes, so none of them can drift from a new measurement. Standard library only.

    python3 deploy/capacity.py                     # print the README block
    python3 deploy/capacity.py --readme README.md  # rewrite it between its markers
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench" / "results.json"
IMAGE = ROOT / "deploy" / "image-test.json"
START = "<!-- capacity:start (python3 deploy/capacity.py --readme README.md; do not edit) -->"
END = "<!-- capacity:end -->"

TARGET_CPU_PERCENT = 70  # the HPA's target: 30 % headroom absorbs a burst while a pod starts
MIN_REPLICAS = 2  # one can be drained (PodDisruptionBudget minAvailable 1) while one serves
MAX_REPLICAS = 10
MEMORY_HEADROOM = 1.10  # request = benchmark peak RSS + 10 %, in 64 MiB steps
# An assumption, not a measurement: a person reads the clause found before asking again.
SECONDS_BETWEEN_QUESTIONS = 30
USERS = (100, 1_000, 10_000, 100_000)
# The proxy is not benchmarked: sized from nginx.conf (4096 connections, 1 KiB header and
# 16 KiB body buffers each, about 70 MiB at the very worst; a few MiB when idle).
PROXY_RESOURCES = {
    "requests": {"cpu": "50m", "memory": "32Mi"},
    "limits": {"cpu": "500m", "memory": "128Mi"},
}


@dataclass(frozen=True)
class Replica:
    """One replica as the benchmark measured it: the server on ``cores`` CPUs."""

    cores: int
    cold_cpu_ms: float  # server CPU per never-seen question (/search, 8 clients)
    warm_cpu_ms: float  # ... per repeated question (query embedding cached)
    cold_rps: float  # measured throughput, never-seen questions, 8 clients
    warm_rps: float
    peak_rss_mib: float
    rss_budget_mib: float  # the benchmark's RSS target: the memory limit
    measured: str  # date and commit of the benchmark

    @property
    def cold_rps_per_core(self) -> float:
        return 1000 / self.cold_cpu_ms

    @property
    def warm_rps_per_core(self) -> float:
        return 1000 / self.warm_cpu_ms

    @property
    def planned_rps(self) -> float:
        """What one replica should carry, every question new, at the autoscaler's target."""
        return self.cores * self.cold_rps_per_core * TARGET_CPU_PERCENT / 100


def replica(results: dict) -> Replica:
    """The replica of bench/results.json: its /search runs at 8 clients, closed loop."""

    def run(cache: str) -> dict:
        (found,) = [
            r
            for r in results["runs"]
            if r["endpoint"] == "/search"
            and r["mode"] == "hybrid"
            and r["cache"] == cache
            and r["users"] == 8
            and r.get("offered_rps") is None
        ]
        return found

    cold, warm = run("cold"), run("warm")
    machine = results["machine"]
    return Replica(
        cores=int(machine["nproc"]),
        cold_cpu_ms=cold["server_cpu_ms_per_req"],
        warm_cpu_ms=warm["server_cpu_ms_per_req"],
        cold_rps=cold["rps"],
        warm_rps=warm["rps"],
        peak_rss_mib=results["peak_rss_mib"],
        rss_budget_mib=results["targets_spec"]["peak_rss_mib"],
        measured=f"{machine['date'][:10]}, commit {machine['git_commit']}",
    )


def app_resources(r: Replica) -> dict:
    """The app container's resources: the benchmark's cores (requests = limits, so the
    measured throughput holds), its peak RSS plus headroom, its RSS budget as the limit."""
    memory = math.ceil(r.peak_rss_mib * MEMORY_HEADROOM / 64) * 64
    return {
        "requests": {"cpu": str(r.cores), "memory": f"{memory}Mi"},
        "limits": {"cpu": str(r.cores), "memory": f"{math.ceil(r.rss_budget_mib)}Mi"},
    }


def replicas_for(users: int, r: Replica) -> int:
    """Replicas for ``users`` people asking at once, every question new."""
    return max(MIN_REPLICAS, math.ceil(users / SECONDS_BETWEEN_QUESTIONS / r.planned_rps))


def _mib(quantity: str) -> int:
    return int(quantity.removesuffix("Mi"))


def readme_block(results: dict, image: dict | None) -> str:
    """The README's capacity text, between its markers."""
    r = replica(results)
    app = app_resources(r)
    pod_mib = _mib(app["requests"]["memory"]) + _mib(PROXY_RESOURCES["requests"]["memory"])
    pod_cores = r.cores + int(PROXY_RESOURCES["requests"]["cpu"].removesuffix("m")) / 1000
    if image:
        image_line = (
            f"**Image: {image['image_bytes'] / 1e6:.0f} MB** (limit 1000 MB), measured by "
            f"`make image-test` on {image['date'][:10]} (commit {image['git_commit']}, base "
            f"`{image['base_image']}`, {image['base_s']} s to make or reuse): "
            f"build {image['build_s']} s "
            f"({image['build_steps_cached']} of {image['build_steps']} steps from the layer "
            f"cache), ready through the proxy {image['ready_s']} s after start, whole run "
            f"{image['total_s']} s."
        )
    else:
        image_line = "**Image:** not measured yet: run `make image-test`."
    rows = []
    for users in USERS:
        n = replicas_for(users, r)
        rows.append(
            f"| {users:,} | {users / SECONDS_BETWEEN_QUESTIONS:,.0f} | {n} "
            f"| {n * pod_cores:g} | {n * pod_mib / 1024:.1f} GiB |"
        )
    most = MAX_REPLICAS * r.planned_rps
    return "\n".join(
        [
            START,
            image_line,
            "",
            f"**One replica** ({r.cores} CPU, as benchmarked; bench/RESULTS.md of {r.measured}):"
            f" a never-seen question costs {r.cold_cpu_ms} ms of server CPU, so "
            f"**{r.cold_rps_per_core:.0f} req/s per core**; a repeated one (its embedding "
            f"cached) {r.warm_cpu_ms} ms, {r.warm_rps_per_core:.0f} req/s per core. Measured "
            f"with 8 clients on {r.cores} cores: {r.cold_rps:.0f} req/s never-seen, "
            f"{r.warm_rps:.0f} repeated. Planned load per replica at the autoscaler's "
            f"{TARGET_CPU_PERCENT} % CPU target, every question new: "
            f"**{r.planned_rps:.0f} req/s**. Memory: peak RSS {r.peak_rss_mib:.0f} MiB, so the "
            f"app requests {app['requests']['memory']} (limit {app['limits']['memory']}).",
            "",
            f"**N users** (an assumption, not a measurement: each person asks once every "
            f"{SECONDS_BETWEEN_QUESTIONS} s, and every question is new: the worst case; "
            f"a repeated one costs {r.warm_cpu_ms / r.cold_cpu_ms:.2f}× as much). Replicas = "
            f"max({MIN_REPLICAS}, "
            f"⌈users / {SECONDS_BETWEEN_QUESTIONS} s / {r.planned_rps:.0f} req/s⌉); each pod "
            f"requests {pod_cores:g} CPU and {pod_mib} MiB (app and proxy):",
            "",
            "| users asking at once | req/s | replicas | CPU requested | memory requested |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"The autoscaler's ceiling of {MAX_REPLICAS} replicas carries about {most:,.0f} "
            f"req/s (about {most * SECONDS_BETWEEN_QUESTIONS:,.0f} people asking at once); "
            "raise `maxReplicas` beyond that.",
            END,
        ]
    )


def rewrite(readme: str, block: str) -> str:
    """``readme`` with the text between the markers replaced by ``block``."""
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(readme):
        raise SystemExit(f"README has no capacity markers ({START} ... {END})")
    return pattern.sub(lambda _: block, readme)


def load(bench: Path = BENCH, image: Path = IMAGE) -> tuple[dict, dict | None]:
    results = json.loads(bench.read_text(encoding="utf-8"))
    measured = json.loads(image.read_text(encoding="utf-8")) if image.exists() else None
    return results, measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, help="rewrite this README's capacity block")
    args = parser.parse_args(argv)
    block = readme_block(*load())
    if args.readme:
        text = args.readme.read_text(encoding="utf-8")
        args.readme.write_text(rewrite(text, block), encoding="utf-8")
    else:
        sys.stdout.write(block + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
