"""Two-sample statistics for drift, computed once per column from sorted samples.

KS and Wasserstein are both integrals of the same pair of empirical CDFs, so one merge of
the two sorted samples yields both; the p-value follows SciPy's ``ks_2samp`` rule exactly
(exact below 10,000 rows per side, Smirnov's asymptotic distribution above), so the numbers
agree with SciPy while each column is sorted only once.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

PSI_EPSILON = 1e-4
"""Share given to an empty bin so that PSI stays finite (a bin no sample fell into)."""
SCIPY_EXACT_KS_LIMIT = 10_000


@dataclass(frozen=True)
class NumericStatistics:
    ks_statistic: float
    ks_pvalue: float
    psi: float
    wasserstein_normed: float
    """Wasserstein distance divided by the reference standard deviation (unit-free)."""


@dataclass(frozen=True)
class CategoricalStatistics:
    chi2_statistic: float
    chi2_pvalue: float
    psi: float
    jensen_shannon: float
    """Jensen-Shannon distance, base 2 (0 same shares, 1 disjoint)."""


def _cdf_gaps(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|F_ref - F_cur| at every distinct pooled value, and the gap to the next distinct value.

    One stable argsort of the two sorted runs (timsort merges them in linear time) says which
    side each pooled value came from; running counts of each side are then both CDFs, read at
    the last of each run of equal values (``side="right"``). Two binary searches of every
    pooled value, the previous way, cost ~5x more at 1M rows; the sums are the same, since a
    repeated value only added zero-width terms.
    """
    pooled = np.concatenate([reference, current])
    order = np.argsort(pooled, kind="stable")
    values = pooled[order]
    from_reference = order < reference.size
    cdf_gap = np.cumsum(from_reference) / reference.size - np.cumsum(~from_reference) / current.size
    last_of_run = np.append(values[1:] != values[:-1], True)
    return np.abs(cdf_gap[last_of_run]), np.diff(values[last_of_run])


def ks_pvalue(statistic: float, n_reference: int, n_current: int) -> float:
    """Two-sided p-value as SciPy's ``ks_2samp(method="auto")`` computes it."""
    if max(n_reference, n_current) <= SCIPY_EXACT_KS_LIMIT:
        return math.nan  # caller asks SciPy for the exact value (cheap at this size)
    large, small = sorted((float(n_reference), float(n_current)), reverse=True)
    effective = large * small / (large + small)
    return float(np.clip(stats.kstwo.sf(statistic, np.round(effective)), 0.0, 1.0))


def decile_psi(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI over the reference deciles; outer bins are open so every current value lands somewhere."""
    edges = np.unique(np.quantile(reference, np.linspace(0.1, 0.9, 9)))
    ref_counts = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=edges.size + 1)
    cur_counts = np.bincount(np.searchsorted(edges, current, side="right"), minlength=edges.size + 1)
    return population_stability(ref_counts, cur_counts)


def population_stability(reference_counts: np.ndarray, current_counts: np.ndarray) -> float:
    ref = np.maximum(reference_counts / reference_counts.sum(), PSI_EPSILON)
    cur = np.maximum(current_counts / current_counts.sum(), PSI_EPSILON)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def numeric_statistics(reference_sorted: np.ndarray, current_sorted: np.ndarray) -> NumericStatistics:
    """All numeric statistics; both inputs sorted ascending, NaN-free, non-empty."""
    gaps, widths = _cdf_gaps(reference_sorted, current_sorted)
    statistic = float(gaps.max())
    pvalue = ks_pvalue(statistic, reference_sorted.size, current_sorted.size)
    if math.isnan(pvalue):
        pvalue = float(stats.ks_2samp(reference_sorted, current_sorted).pvalue)
    wasserstein = float(np.sum(gaps[:-1] * widths))
    spread = float(np.std(reference_sorted))
    return NumericStatistics(
        ks_statistic=statistic,
        ks_pvalue=pvalue,
        psi=decile_psi(reference_sorted, current_sorted),
        wasserstein_normed=wasserstein / spread if spread > 0 else wasserstein,
    )


def categorical_statistics(reference_counts: np.ndarray, current_counts: np.ndarray) -> CategoricalStatistics:
    """Statistics over aligned counts (the union of categories, zeros where a side lacks one).

    Chi-square is the test of homogeneity on the 2 x k table (SciPy's ``chi2_contingency``
    without continuity correction): both sides are samples, neither is the truth.
    """
    table = np.vstack([reference_counts, current_counts]).astype(np.float64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        chi2, pvalue = 0.0, 1.0
    else:
        expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
        chi2 = float(np.sum((table - expected) ** 2 / expected))
        pvalue = float(stats.chi2.sf(chi2, table.shape[1] - 1))
    return CategoricalStatistics(
        chi2_statistic=chi2,
        chi2_pvalue=pvalue,
        psi=population_stability(reference_counts, current_counts),
        jensen_shannon=float(
            jensenshannon(reference_counts / reference_counts.sum(), current_counts / current_counts.sum(), base=2)
        ),
    )
