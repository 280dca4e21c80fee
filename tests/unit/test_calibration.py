"""No-answer thresholds: chosen on dev questions, stored with the index they belong to."""

import json

import pytest

from eval.calibrate import Top, calibrate, declined
from index.calibration import CalibrationError, load_calibration, write_calibration


def tops(side, answerable, coverages):
    return [Top(c, 0.0, answerable, side) for c in coverages]


def test_threshold_declines_most_off_topic_within_the_budget():
    answerable = tops("zh", True, [0.1 + i / 100 for i in range(40)])
    off_topic = tops("zh", False, [-0.2, -0.1, 0.0, 0.05, 0.105, 0.2])
    english = tops("en", True, [0.3]) + tops("en", False, [0.0])
    thresholds = calibrate(answerable + off_topic + english)
    assert thresholds["zh"] == pytest.approx(0.11)  # declines 1 of 40 answerable (<= 5%)
    evidence = {"zh": float("inf"), "en": float("inf")}
    assert sum(declined(t, thresholds, evidence) for t in off_topic) == 5


def test_the_border_language_side_declines_no_answerable_question():
    """The same questions on the border-language side: the threshold stays at the least
    covered answerable question, however many off-topic ones a higher one would catch."""
    answerable = tops("intl", True, [0.1 + i / 100 for i in range(40)])
    off_topic = tops("intl", False, [-0.2, -0.1, 0.0, 0.05, 0.105, 0.2])
    thresholds = calibrate(answerable + off_topic)
    assert thresholds["intl"] == pytest.approx(0.1)
    evidence = {"intl": float("inf")}
    assert not any(declined(t, thresholds, evidence) for t in answerable)
    assert sum(declined(t, thresholds, evidence) for t in off_topic) == 4


def test_calibration_round_trip_is_stamped(tmp_path):
    (tmp_path / "manifest.json").write_text('{"a": 1}')
    written = write_calibration(tmp_path, {"min_coverage": {"zh": 0.1}})
    assert load_calibration(tmp_path) == written
    assert len(written["index_fingerprint"]) == 64


def test_calibration_of_another_index_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text('{"a": 1}')
    write_calibration(tmp_path, {"min_coverage": {"zh": 0.1}})
    (tmp_path / "manifest.json").write_text('{"a": 2}')
    with pytest.raises(CalibrationError, match="another build"):
        load_calibration(tmp_path)


def test_missing_or_broken_calibration_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(CalibrationError, match="no no-answer calibration"):
        load_calibration(tmp_path)
    (tmp_path / "calibration.json").write_text("{not json")
    with pytest.raises(CalibrationError, match="not valid JSON"):
        load_calibration(tmp_path)
    assert json.loads((tmp_path / "manifest.json").read_text()) == {}
