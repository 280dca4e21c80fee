"""What `atp bench` measures: the targets and the load scenarios run against them."""

from __future__ import annotations

from dataclasses import dataclass

TARGETS = {
    "search_p50_ms_c8": 40.0,
    "search_p99_ms_c8": 250.0,
    "search_errors_c8": 0,
    "search_rps": 40.0,
    "cold_start_s": 15.0,
    "peak_rss_mib": 1536.0,  # 1.5 GiB
    # issue 16: a new question at the cost of encoding it (the floor, bench/floor.py)
    "new_c1_p50_floor_ratio": 1.1,  # /search p50 at c1 <= 1.1 x the floor
    "new_c8_rps_floor_share": 1.0,  # throughput at c8 >= 1.0 x cores x 1000 / floor
}
TARGET_USERS = 8  # the targets' "concurrency 8"
QUIET_LOAD = 0.7  # 1-minute load average under which the machine counts as quiet
QUIET_OTHER_CPU = 0.25  # cores other processes may keep busy during a run on a quiet machine
REQUESTS_PER_SECOND_CAP = 400  # a second bound on every run besides its duration


@dataclass(frozen=True)
class Scenario:
    """One locust run: an endpoint, cache-warm or cold questions, N users, so many seconds."""

    endpoint: str  # "search" | "ask"
    cache: str  # "warm" | "cold"
    users: int
    seconds: int
    mode: str = "hybrid"
    rate: float | None = None  # total requests/s offered (paced users); None: closed loop

    @property
    def label(self) -> str:
        path = "/ask" if self.endpoint == "ask" else f"/search?mode={self.mode}"
        paced = f" paced {self.rate:g}/s" if self.rate else ""
        return f"{path} {self.cache} c{self.users}{paced}"

    @property
    def max_requests(self) -> int:
        return REQUESTS_PER_SECOND_CAP * self.seconds


def cold_offset(index: int) -> int:
    """First request number of run `index`'s never-seen questions: no run warms the next."""
    return (index + 1) * 100_000


def plan(quick: bool) -> list[Scenario]:
    """Hybrid /search and /ask warm and cold at each concurrency, keyword /search cold, and
    /search paced to the target rate."""
    users = (1, 8) if quick else (1, 8, 32)
    seconds = {1: 2, 8: 3} if quick else {1: 8, 8: 12, 32: 8}
    runs = [
        Scenario(endpoint, cache, n, seconds[n])
        for endpoint in ("search", "ask")
        for cache in ("warm", "cold")
        for n in users
    ]
    keyword_users = (8,) if quick else (1, 8)
    runs += [Scenario("search", "cold", n, seconds[n], mode="keyword") for n in keyword_users]
    # the targets' other reading: 8 users who together ask 40 questions a second
    rate = TARGETS["search_rps"]
    runs += [
        Scenario("search", cache, TARGET_USERS, seconds[TARGET_USERS], rate=rate)
        for cache in ("warm", "cold")
    ]
    return runs
