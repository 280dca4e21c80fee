"""Load profile of `atp bench`: realistic questions in Simplified, Traditional and English.

Run by bench/run.py as ``locust -f bench/locustfile.py --headless ...``, configured by
environment variables:

* ``BENCH_ENDPOINT``: ``search`` (GET /search) or ``ask`` (POST /ask);
* ``BENCH_CACHE``: ``warm`` picks questions at random from the fixed list, so the
  service's query-embedding cache hits (popular questions); ``cold`` makes every request
  a question the server has never seen (see ``unique_variant``);
* ``BENCH_MODE``: search mode for /search (``hybrid`` or ``keyword``);
* ``BENCH_USER_RATE``: requests/s per user, paced as a Poisson process (random gaps, a
  random start: users do not arrive in lock-step bursts as with locust's
  constant_throughput); unset, each user sends its next request as soon as it has an
  answer (closed loop);
* ``BENCH_OFFSET``: first request number of the cold variants (unique per run, so one
  run cannot warm the cache for the next); ``BENCH_SEED``: random seed;
* ``BENCH_MAX_REQUESTS``: hard cap on requests in the run (a second bound besides locust's
  ``--run-time``);
* ``BENCH_SAMPLES``: file to write every request's latency to (JSON), so the runner
  computes exact percentiles instead of locust's rounded ones.

The question list and ``unique_variant`` are plain Python: ``import bench.locustfile``
does not import locust (which monkey-patches the process with gevent); the user class is
only defined when locust itself loads this file (under the module name ``locustfile``).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time

# (script, question): 12 Simplified, 9 Traditional, 11 English; short search-box phrases too.
QUESTIONS: list[tuple[str, str]] = [
    ("zh-Hans", "医护人员发现疑似被拐卖的妇女儿童应该怎么办？"),
    ("zh-Hans", "学校应当如何开展预防拐卖的宣传教育？"),
    ("zh-Hans", "公安机关在打击拐卖犯罪中承担哪些职责？"),
    ("zh-Hans", "被拐卖儿童解救后如何安置和救助？"),
    ("zh-Hans", "失踪儿童父母的血样由哪个部门采集录入DNA数据库？"),
    ("zh-Hans", "婚姻登记机关发现疑似被拐卖妇女时应当怎么做？"),
    ("zh-Hans", "如何打击利用网络实施的拐卖人口犯罪？"),
    ("zh-Hans", "民政部门对流浪乞讨儿童有哪些救助保护措施？"),
    ("zh-Hans", "跨国拐卖妇女犯罪怎样加强国际执法合作？"),
    ("zh-Hans", "行动计划到2030年的工作目标是什么"),
    ("zh-Hans", "被拐卖受害人能得到心理疏导和法律援助吗"),
    ("zh-Hans", "反拐 宣传教育 农村"),
    ("zh-Hant", "醫護人員發現疑似被拐賣兒童應當如何報告？"),
    ("zh-Hant", "婚姻登記工作人員發現疑似被拐賣婦女怎麼辦？"),
    ("zh-Hant", "如何加強對被拐賣婦女兒童的救助安置？"),
    ("zh-Hant", "打擊拐賣人口犯罪需要哪些部門協作配合？"),
    ("zh-Hant", "學校和教師在預防拐賣方面有什麼責任？"),
    ("zh-Hant", "網絡招聘中以介紹工作為名的拐賣如何防範？"),
    ("zh-Hant", "拐賣人口受害人可以獲得哪些法律援助？"),
    ("zh-Hant", "行動計劃對跨國拐賣問題有什麼措施"),
    ("zh-Hant", "如何利用DNA技術幫助失蹤兒童回家"),
    ("en", "What should a nurse do if she suspects a child in the hospital has been trafficked?"),
    ("en", "Which agency leads the crackdown on online trafficking and fake job adverts?"),
    ("en", "How does the plan protect and resettle rescued victims of trafficking?"),
    ("en", "What must teachers do about anti-trafficking education in schools?"),
    ("en", "Who is responsible for the DNA database of missing children and their parents?"),
    ("en", "How will China cooperate with other countries against cross-border trafficking?"),
    ("en", "What must marriage registrars do if they suspect a bride was trafficked?"),
    ("en", "Do trafficking victims get psychological counselling and legal aid?"),
    ("en", "main goals of the 2021-2030 action plan"),
    ("en", "How are street children and child beggars protected from trafficking?"),
    ("en", "forced labour brick kilns"),
]


def unique_variant(script: str, question: str, n: int) -> str:
    """The question with request number ``n`` appended, e.g. ``…怎么办？（1203）``.

    Spaces or letter case would not do: the service normalises (NFKC, whitespace collapse,
    Traditional -> Simplified) before its embedding cache, so the variation has to be in
    the characters that survive. Digits do, and cost only ~3.5 tokens on a ~18-token
    question (numbers spelled out in words cost ~11: a slower encode than real questions).
    """
    if script == "en":
        return f"{question} ({n})"
    return f"{question}（{n}）"


if __name__ != "bench.locustfile":  # loaded by locust itself (module name "locustfile")
    from locust import FastHttpUser, constant, events, task

    ENDPOINT = os.environ.get("BENCH_ENDPOINT", "search")
    CACHE = os.environ.get("BENCH_CACHE", "warm")
    MODE = os.environ.get("BENCH_MODE", "hybrid")
    SAMPLES = os.environ.get("BENCH_SAMPLES")
    MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "20000"))
    USER_RATE = float(os.environ.get("BENCH_USER_RATE") or 0)
    _sent = itertools.count(1)
    _counter = itertools.count(int(os.environ.get("BENCH_OFFSET", "0")))
    _rng = random.Random(int(os.environ.get("BENCH_SEED", "2021")))
    _samples: list[tuple[float, float, int]] = []  # start (epoch s), latency (ms), ok

    def poisson_pacing(rate: float):
        """wait_time: arrivals at exponential gaps of mean 1/rate; a user that falls behind
        (answer slower than the gap) sends at once, without a catch-up burst."""

        def wait_time(user) -> float:
            now = time.monotonic()
            due = getattr(user, "_next_due", None)  # when the last request was due to start
            if due is None:  # random phase: users do not start together
                due = now + _rng.uniform(0, 1 / rate)
            else:  # start to start, not answer to start: the rate does not sag with latency
                due += _rng.expovariate(rate)
            due = max(due, now)  # behind schedule: send now, but never a catch-up burst
            user._next_due = due
            return due - now

        return wait_time

    def next_question() -> str:
        script, question = _rng.choice(QUESTIONS)
        if CACHE == "cold":
            return unique_variant(script, question, next(_counter))
        return question

    @events.request.add_listener
    def _record(response_time, exception, start_time=None, **_kwargs) -> None:
        started = start_time if start_time is not None else time.time() - response_time / 1000
        _samples.append((started, float(response_time), int(exception is None)))

    @events.quitting.add_listener
    def _dump(**_kwargs) -> None:
        if SAMPLES:
            with open(SAMPLES, "w", encoding="utf-8") as handle:
                json.dump({"samples": _samples}, handle)

    def _check(response, marker: bytes) -> None:
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
        elif marker not in (response.content or b""):
            response.failure("response without " + marker.decode())
        else:
            response.success()

    class ServiceUser(FastHttpUser):
        """Closed loop: the next question as soon as the answer is in (or paced, see above)."""

        wait_time = poisson_pacing(USER_RATE) if USER_RATE > 0 else constant(0)
        network_timeout = 30.0
        connection_timeout = 10.0

        @task
        def query(self) -> None:
            if next(_sent) > MAX_REQUESTS:
                self.environment.runner.quit()
                return
            question = next_question()
            if ENDPOINT == "ask":
                with self.client.post(
                    "/ask", json={"question": question}, name="/ask", catch_response=True
                ) as response:
                    _check(response, b'"answer"')
            else:
                with self.client.get(
                    "/search",
                    params={"q": question, "k": 10, "mode": MODE},
                    name=f"/search?mode={MODE}",
                    catch_response=True,
                ) as response:
                    _check(response, b'"results"')
