"""The drift statistics agree with SciPy's reference implementations to 1e-9."""

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from monitoring.statistics import categorical_statistics, decile_psi, numeric_statistics


@pytest.mark.parametrize(
    ("n_ref", "n_cur", "shift"),
    [(200, 300, 0.0), (5000, 4000, 0.3), (12_000, 30_000, 0.05), (50_000, 20_000, 0.0)],
)
def test_ks_and_wasserstein_equal_scipy(n_ref: int, n_cur: int, shift: float) -> None:
    rng = np.random.default_rng(n_ref + n_cur)
    reference = rng.normal(size=n_ref)
    current = rng.normal(shift, 1.3, size=n_cur)
    result = numeric_statistics(np.sort(reference), np.sort(current))
    expected = stats.ks_2samp(reference, current)
    assert result.ks_statistic == pytest.approx(expected.statistic, abs=1e-9)
    assert result.ks_pvalue == pytest.approx(expected.pvalue, abs=1e-9)
    wasserstein = stats.wasserstein_distance(reference, current) / np.std(reference)
    assert result.wasserstein_normed == pytest.approx(wasserstein, abs=1e-9)


def test_ks_with_ties_equals_scipy() -> None:
    rng = np.random.default_rng(3)
    reference = rng.integers(0, 20, size=15_000).astype(float)
    current = rng.integers(1, 21, size=11_000).astype(float)
    result = numeric_statistics(np.sort(reference), np.sort(current))
    expected = stats.ks_2samp(reference, current)
    assert result.ks_statistic == pytest.approx(expected.statistic, abs=1e-9)
    assert result.ks_pvalue == pytest.approx(expected.pvalue, abs=1e-9)
    assert result.wasserstein_normed == pytest.approx(
        stats.wasserstein_distance(reference, current) / np.std(reference), abs=1e-9
    )


def test_chi_square_and_jensen_shannon_equal_scipy() -> None:
    reference = np.array([500.0, 300.0, 200.0, 0.0])
    current = np.array([420.0, 330.0, 210.0, 40.0])
    result = categorical_statistics(reference, current)
    expected = stats.chi2_contingency(np.vstack([reference, current]), correction=False)
    assert result.chi2_statistic == pytest.approx(expected.statistic, abs=1e-9)
    assert result.chi2_pvalue == pytest.approx(expected.pvalue, abs=1e-9)
    assert result.jensen_shannon == pytest.approx(
        jensenshannon(reference / reference.sum(), current / current.sum(), base=2), abs=1e-9
    )


def test_psi_by_hand() -> None:
    """Reference deciles of 0..999 are 100 values each; current puts half its mass below the first edge."""
    reference = np.arange(1000, dtype=float)
    current = np.concatenate([np.full(500, -5.0), np.arange(500, 1000, dtype=float)])
    ref_share = np.full(10, 0.1)
    cur_share = np.array([0.5, 1e-4, 1e-4, 1e-4, 1e-4, 0.1, 0.1, 0.1, 0.1, 0.1])
    expected = float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))
    assert decile_psi(reference, np.sort(current)) == pytest.approx(expected, abs=1e-12)


def test_open_outer_bins_take_values_beyond_the_reference_range() -> None:
    reference = np.arange(1000, dtype=float)
    far = np.concatenate([np.full(100, -1e9), np.arange(100, 900, dtype=float), np.full(100, 1e9)])
    assert decile_psi(reference, far) == pytest.approx(0.0, abs=1e-12)
