"""Score fusion: the pure functions that combine dense and keyword signals."""

import numpy as np
import pytest

from index.search import RRF_K, fuse_minmax, fuse_rrf


def test_rrf_rewards_agreement_between_signals():
    dense = np.array([0.9, 0.8, 0.1])
    keyword = np.array([0.0, 5.0, 1.0])
    fused = fuse_rrf([dense, keyword])
    assert int(np.argmax(fused)) == 1  # second in one, first in the other


def test_rrf_ignores_zero_scores_as_not_retrieved():
    fused = fuse_rrf([np.array([0.0, 0.0, 3.0])])
    assert fused[0] == 0.0 and fused[1] == 0.0
    assert fused[2] == pytest.approx(1.0 / (RRF_K + 1))


def test_rrf_ties_keep_input_order():
    fused = fuse_rrf([np.array([1.0, 1.0, 1.0])])
    assert fused[0] > fused[1] > fused[2]


def test_minmax_weights_each_signal_after_normalising():
    a = np.array([0.0, 10.0])
    b = np.array([1.0, 0.0])
    assert fuse_minmax([a, b], [1.0, 0.3]).tolist() == pytest.approx([0.3, 1.0])
    assert fuse_minmax([a, b], [0.3, 1.0]).tolist() == pytest.approx([1.0, 0.3])


def test_minmax_skips_a_flat_signal():
    flat = np.array([2.0, 2.0, 2.0])
    assert fuse_minmax([flat], [1.0]).tolist() == [0.0, 0.0, 0.0]


def test_minmax_needs_one_weight_per_signal():
    with pytest.raises(ValueError):
        fuse_minmax([np.ones(2), np.ones(2)], [1.0])
