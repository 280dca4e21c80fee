"""Lighthouse on the page's home, search and agency screens against a real `atp serve`.

Issue 14's targets, on Lighthouse's mobile preset (its default: a mid-range phone on a
slow 4G link, simulated): performance >= 95, accessibility 100, best practices 100,
cumulative layout shift <= 0.05. Lighthouse 12.8.2 (npm, pinned in package-lock.json,
installed here by `npm ci` when missing) drives Debian's /usr/bin/chromium.

    python tools/lighthouse/run.py                      # writes tools/lighthouse/scores.json
    python tools/lighthouse/run.py --readme README.md   # and the table between its markers

Each screen is measured RUNS times from a cold, empty browser (Lighthouse resets storage,
so the service worker never answers); the run with the median performance score is
reported, every run is kept in scores.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from service.launcher import Server  # noqa: E402  (the project's one way to start it)

CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
SCORES = HERE / "scores.json"
START = "<!-- lighthouse:start (python tools/lighthouse/run.py --readme README.md; do not edit) -->"
END = "<!-- lighthouse:end -->"
RUNS = 3
QUESTION = "医护人员发现疑似拐卖儿童怎么办"
SCREENS = {
    "home": "/",
    "search": "/?q=" + urllib.parse.quote(QUESTION),
    "agency": "/?agency=mca",
}
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}
CLS_MAX = 0.05
METRICS = {  # audit id -> name in scores.json
    "first-contentful-paint": "fcp_ms",
    "largest-contentful-paint": "lcp_ms",
    "total-blocking-time": "tbt_ms",
    "speed-index": "speed_index_ms",
    "cumulative-layout-shift": "cls",
}


def ensure_lighthouse() -> str:
    """The pinned Lighthouse, installed from package-lock.json when missing; its version."""
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return subprocess.run(
        [str(LIGHTHOUSE), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def lighthouse(url: str, out: Path) -> dict:
    """One Lighthouse run (mobile preset) of `url`: its JSON report."""
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--chrome-path={CHROMIUM}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
        ],
        check=True,
    )
    return json.loads(out.read_text(encoding="utf-8"))


def summary(report: dict) -> dict:
    """Scores (0-100), the Web Vitals, and every audit that kept a category from 100. Pure."""
    audits = report["audits"]
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    metrics = {name: audits[audit]["numericValue"] for audit, name in METRICS.items()}
    metrics = {k: round(v, 4) if k == "cls" else round(v) for k, v in metrics.items()}
    failing = sorted(
        ref["id"]
        for c in CATEGORIES
        for ref in report["categories"][c]["auditRefs"]
        if ref["weight"] > 0
        and (audits[ref["id"]].get("score") or 0) < 1
        and audits[ref["id"]].get("scoreDisplayMode") not in ("notApplicable", "manual")
    )
    return {**scores, **metrics, "below_full_marks": failing}


def met(run: dict) -> bool:
    return all(run[c] >= t for c, t in TARGETS.items()) and run["cls"] <= CLS_MAX


def measure(runs: int) -> dict:
    version = ensure_lighthouse()
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "service"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    screens = {}
    with Server({"HF_HUB_OFFLINE": "1"}) as server, tempfile.TemporaryDirectory() as tmp:
        for name, path in SCREENS.items():
            done = [
                summary(lighthouse(server.base + path, Path(tmp) / f"{name}-{i}.json"))
                for i in range(runs)
            ]
            middle = statistics.median_low([r["performance"] for r in done])
            screens[name] = {
                "path": path,
                "median": next(r for r in done if r["performance"] == middle),
                "runs": done,
            }
    return {
        "date": dt.date.today().isoformat(),
        "commit": commit + ("+dirty" if dirty else ""),
        "lighthouse": version,
        "chromium": chromium.strip(),
        "preset": "mobile (Lighthouse's default: simulated slow 4G, 4x CPU slowdown)",
        "targets": {**TARGETS, "cls_max": CLS_MAX},
        "screens": screens,
    }


def table(result: dict) -> str:
    """The README block: each screen's median run against the targets. Pure."""
    lines = [
        START,
        f"Lighthouse {result['lighthouse']} (mobile preset), {result['chromium']}, "
        f"{result['date']}, commit {result['commit']}; the median of "
        f"{len(next(iter(result['screens'].values()))['runs'])} cold runs per screen "
        "([tools/lighthouse/scores.json](tools/lighthouse/scores.json) has every run):",
        "",
        "| screen | performance | accessibility | best practices | CLS | LCP | TBT | targets |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, screen in result["screens"].items():
        m = screen["median"]
        lines.append(
            f"| {name} (`{urllib.parse.unquote(screen['path'])}`) | {m['performance']} | "
            f"{m['accessibility']} | {m['best-practices']} | {m['cls']:.3f} | "
            f"{m['lcp_ms'] / 1000:.1f} s | {m['tbt_ms']} ms | "
            f"{'met' if met(m) else 'missed: ' + ', '.join(m['below_full_marks'])} |"
        )
    lines.append(END)
    return "\n".join(lines)


def write_readme(readme: Path, block: str) -> None:
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{readme}: no {START} ... {END} block to rewrite")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    readme.write_text(head + block + tail, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--readme", type=Path, help="rewrite the table between its markers")
    args = parser.parse_args()
    result = measure(args.runs)
    SCORES.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    block = table(result)
    if args.readme:
        write_readme(args.readme, block)
    sys.stdout.write(block + "\n")


if __name__ == "__main__":
    main()
