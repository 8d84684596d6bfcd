"""The exact target-decoy FDR curve (tests/fdr_oracle.py, the oracle of the binned one) on hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from fdr_oracle import fdr_curve, q_values, threshold_at_fdr

# --------------------------------------------------------------------------- FDR on synthetic scores


def test_same_distribution_gives_fdr_near_one() -> None:
    rng = np.random.default_rng(0)
    targets, decoys = rng.normal(size=20_000), rng.normal(size=20_000)
    curve = fdr_curve(targets, decoys)
    for t in (-1.0, 0.0, 1.0, 2.0):
        assert curve.fdr_at(t)[0] == pytest.approx(1.0, abs=0.1)
    assert threshold_at_fdr(targets, decoys, 0.10) == np.inf  # nothing callable at 10%


def test_separated_distributions_give_zero_fdr_above_the_gap() -> None:
    rng = np.random.default_rng(1)
    decoys = rng.uniform(0.0, 0.4, size=5000)
    nulls = rng.uniform(0.0, 0.4, size=4900)  # target windows that are not NESs
    hits = rng.uniform(0.6, 1.0, size=100)  # true NESs, all above the gap
    targets = np.concatenate([nulls, hits])
    curve = fdr_curve(targets, decoys, plus_one=False)
    assert np.all(curve.fdr_at(np.array([0.45, 0.6, 0.8])) == 0.0)
    # with +1, the 100 calls above the gap are at 1/5001 * 5000/100 = 1% at most
    assert np.all(fdr_curve(targets, decoys).fdr_at(np.array([0.45, 0.6])) == pytest.approx(0.01, rel=1e-3))
    # at FDR 0 the threshold lies above every decoy and calls every hit
    t0 = threshold_at_fdr(targets, decoys, 0.0, plus_one=False)
    assert t0 > decoys.max() and t0 <= hits.min() and (targets >= t0).sum() >= 100
    # at 5% it moves down into the nulls' top, until 5% of the calls are (estimated) nulls
    t5 = threshold_at_fdr(targets, decoys, 0.05)
    called = targets >= t5
    assert t5 < 0.4 and curve.fdr_at(t5)[0] <= 0.05
    assert called[4900:].all() and 1 <= called[:4900].sum() <= 12  # ~5 nulls beside the 100 hits
    # calling everything: true FDP 4900/5000 = 0.98; the estimate scales decoys to *all*
    # targets (the null fraction is unknown), so it says 1.0: conservative by the hit fraction
    assert curve.fdr_at(0.0)[0] == 1.0
    # decoy counts are rescaled to the number of targets: half as many decoys, same estimate
    assert fdr_curve(targets, decoys[::2], plus_one=False).fdr_at(0.2)[0] == pytest.approx(curve.fdr_at(0.2)[0], rel=0.05)


def test_fdr_by_hand() -> None:
    targets = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    decoys = np.array([0.75, 0.55, 0.1, 0.1, 0.1, 0.1])
    curve = fdr_curve(targets, decoys, plus_one=False)
    # at 0.7: 4 targets, 1 decoy (0.75) -> 1/4; at 0.6: 5 targets, 1 decoy -> 1/5
    assert curve.fdr.tolist() == pytest.approx([2 / 6, 1 / 5, 1 / 4, 0, 0, 0])
    # q(0.7) = min(FDR at 0.7, at 0.6, at 0.5) = 1/5: the 0.7 window is also called at 0.6
    assert q_values(targets, decoys, plus_one=False).tolist() == pytest.approx([0, 0, 0, 1 / 5, 1 / 5, 2 / 6])
    assert threshold_at_fdr(targets, decoys, 0.25, plus_one=False) == 0.6  # 1/5 <= 0.25: the lowest such
    assert threshold_at_fdr(targets, decoys, 0.2, plus_one=False) == 0.6
    assert threshold_at_fdr(targets, decoys, 0.19, plus_one=False) == 0.8
    assert threshold_at_fdr(targets, decoys, 0.0, plus_one=False) == 0.8
    assert threshold_at_fdr(targets, decoys, 1.0, plus_one=False) == 0.5
    # unequal sizes: 3 decoys for 6 targets count double (1 decoy of 3 >= 0.7, 4 targets)
    half = fdr_curve(targets, np.array([0.75, 0.1, 0.1]), plus_one=False)
    assert half.fdr_at(0.7)[0] == pytest.approx(1 / 3 * 6 / 4)
    # q_of for arbitrary scores agrees with q_values on the targets, and in between
    assert curve.q_of(targets).tolist() == pytest.approx(q_values(targets, decoys, plus_one=False).tolist())
    assert curve.q_of(0.72)[0] == pytest.approx(1 / 5)
    assert curve.q_of(2.0)[0] == 0.0 and curve.q_of(0.5)[0] == pytest.approx(2 / 6)
    assert curve.q_of(0.0)[0] == 1.0  # below every target: all decoys called too


def test_plus_one_by_hand() -> None:
    targets = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    decoys = np.array([0.75, 0.55, 0.1, 0.1, 0.1, 0.1])
    curve = fdr_curve(targets, decoys)  # the default: (D + 1) / (n_d + 1) * n_t / T
    expected = [(d + 1) / 7 * 6 / t for d, t in zip([2, 1, 1, 0, 0, 0], [6, 5, 4, 3, 2, 1])]
    assert curve.pseudocount == 1 and curve.fdr.tolist() == pytest.approx(expected)
    # the top window alone is no longer "FDR 0": 6/7
    assert curve.fdr[-1] == pytest.approx(6 / 7) and curve.q[-1] == pytest.approx(2 / 7)
    assert threshold_at_fdr(targets, decoys, 0.3) == 0.8  # 2/7 = 0.286
    assert threshold_at_fdr(targets, decoys, 0.25) == np.inf
    assert q_values(targets, decoys).tolist() == pytest.approx([2 / 7, 2 / 7, 2 / 7, 12 / 35, 12 / 35, 3 / 7])


def test_fdr_capped_at_one_and_ties_count_as_called() -> None:
    curve = fdr_curve(np.array([0.5, 0.1]), np.array([0.5, 0.5, 0.5, 0.5]))
    assert curve.fdr.tolist() == [1.0, 1.0]
    tie = fdr_curve(np.array([0.5]), np.array([0.5, 0.0]), plus_one=False)
    assert tie.fdr_at(0.5)[0] == pytest.approx(0.5)  # the decoy at exactly 0.5 counts


def test_q_values_monotone_and_in_unit_interval() -> None:
    rng = np.random.default_rng(2)
    targets = np.concatenate([rng.normal(size=3000), rng.normal(3.0, 1.0, size=300)])
    decoys = rng.normal(size=3000)
    q = q_values(targets, decoys)
    assert q.shape == targets.shape and np.all((q >= 0) & (q <= 1))
    order = np.argsort(-targets)  # score decreasing -> q non-decreasing
    assert np.all(np.diff(q[order]) >= 0)
    t10 = threshold_at_fdr(targets, decoys, 0.10)
    assert np.all(q[targets >= t10] <= 0.10) and np.all(q[targets < t10] > 0.10)


def test_fdr_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="decoy"):
        fdr_curve(np.array([0.1]), np.array([]))
    with pytest.raises(ValueError, match="NaN"):
        fdr_curve(np.array([np.nan]), np.array([0.1]))
