"""bench/RESULTS.md is what bench/report.py makes of bench/results.json: no number in it is
typed by hand, and the report cannot drift from the measurements. Pure: no model, no server."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench import findings, report

BENCH = Path(__file__).resolve().parents[1] / "bench"
RERENDER = "re-render with `python -m bench.run --report-only`"


def recorded() -> dict:
    return json.loads((BENCH / "results.json").read_text(encoding="utf-8"))


def test_results_md_is_rendered_from_results_json():
    rendered = report.render(findings.derive(recorded()))
    assert rendered == (BENCH / "RESULTS.md").read_text(encoding="utf-8"), RERENDER


def test_recorded_conclusions_follow_from_the_recorded_measurements():
    results = recorded()
    derived = findings.derive(results)
    for key in ("ratios", "targets", "diagnosis", "suggestions"):
        assert derived[key] == results[key], (key, RERENDER)


def test_the_template_types_no_number():
    """Digits in the template only as names (p50, p95, p99, BM25); every number comes in
    through a placeholder."""
    text = report.TEMPLATE.read_text(encoding="utf-8")
    stray = re.sub(r"\b(p50|p95|p99|BM25)\b", "", text)
    assert not re.search(r"\d", stray), re.findall(r".{20}\d.{20}", stray)
