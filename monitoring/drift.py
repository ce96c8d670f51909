"""Per-column and dataset drift verdicts, with the thresholds that produced them.

Every statistic is computed for every column; one method per kind decides the verdict.
``auto`` follows the sample size: a p-value test (KS, chi-square) while the reference is
small, an effect size (normalized Wasserstein, Jensen-Shannon) once it is large, because
with a million rows a p-value flags differences far too small to matter.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from monitoring.statistics import CategoricalStatistics, NumericStatistics, categorical_statistics, numeric_statistics
from monitoring.tables import ColumnKind, DriftInputError, resolve_columns

NUMERIC_METHODS = ("auto", "ks", "psi", "wasserstein")
CATEGORICAL_METHODS = ("auto", "chi2", "psi", "jensenshannon")
DEFAULT_THRESHOLDS = {"ks": 0.05, "chi2": 0.05, "psi": 0.2, "wasserstein": 0.1, "jensenshannon": 0.1}
PVALUE_METHODS = {"ks", "chi2"}
AUTO_PVALUE_MAX_ROWS = 1000
HISTOGRAM_BINS = 30
HISTOGRAM_CATEGORIES = 20


@dataclass(frozen=True)
class DriftConfig:
    numeric_method: str = "auto"
    categorical_method: str = "auto"
    numeric_threshold: float | None = None
    categorical_threshold: float | None = None
    drift_share: float = 0.5
    """The dataset drifts when at least this share of its columns drift (and at least one does)."""

    def __post_init__(self) -> None:
        if self.numeric_method not in NUMERIC_METHODS:
            raise DriftInputError(f"numeric method must be one of {', '.join(NUMERIC_METHODS)}")
        if self.categorical_method not in CATEGORICAL_METHODS:
            raise DriftInputError(f"categorical method must be one of {', '.join(CATEGORICAL_METHODS)}")
        if not 0.0 <= self.drift_share <= 1.0:
            raise DriftInputError(f"drift share must be between 0 and 1, got {self.drift_share}")

    def method_for(self, kind: ColumnKind, reference_rows: int) -> tuple[str, float]:
        chosen = self.numeric_method if kind is ColumnKind.NUMERIC else self.categorical_method
        if chosen == "auto":
            small = reference_rows <= AUTO_PVALUE_MAX_ROWS
            if kind is ColumnKind.NUMERIC:
                chosen = "ks" if small else "wasserstein"
            else:
                chosen = "chi2" if small else "jensenshannon"
        override = self.numeric_threshold if kind is ColumnKind.NUMERIC else self.categorical_threshold
        return chosen, DEFAULT_THRESHOLDS[chosen] if override is None else override


@dataclass(frozen=True)
class Histogram:
    labels: list[str]
    reference: list[float]
    current: list[float]


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: ColumnKind
    method: str
    threshold: float
    score: float
    drifted: bool
    reference_rows: int
    current_rows: int
    reference_nan: int
    current_nan: int
    statistics: dict[str, float]
    new_categories: dict[str, float] = field(default_factory=dict)
    """Categories seen only in current, with their share of current."""
    histogram: Histogram | None = None


@dataclass(frozen=True)
class DatasetDrift:
    columns: list[ColumnDrift]
    drift_share: float
    skipped: list[str]

    @property
    def drifted_columns(self) -> list[str]:
        return [column.column for column in self.columns if column.drifted]

    @property
    def share_drifted(self) -> float:
        return len(self.drifted_columns) / len(self.columns) if self.columns else 0.0

    @property
    def drifted(self) -> bool:
        return bool(self.drifted_columns) and self.share_drifted >= self.drift_share

    def as_dict(self) -> dict[str, object]:
        return {
            "drifted": self.drifted,
            "share_drifted": self.share_drifted,
            "drift_share_threshold": self.drift_share,
            "drifted_columns": self.drifted_columns,
            "skipped_columns": self.skipped,
            "columns": [asdict(column) for column in self.columns],
        }


def _numeric_histogram(reference: np.ndarray, current: np.ndarray) -> Histogram:
    low = float(min(reference[0], current[0]))
    high = float(max(reference[-1], current[-1]))
    edges = np.linspace(low, high if high > low else low + 1.0, HISTOGRAM_BINS + 1)
    ref_counts = np.histogram(reference, edges)[0] / reference.size
    cur_counts = np.histogram(current, edges)[0] / current.size
    return Histogram([f"{edge:.4g}" for edge in edges[:-1]], ref_counts.tolist(), cur_counts.tolist())


def _numeric_column(name: str, reference: pd.Series, current: pd.Series, config: DriftConfig) -> ColumnDrift:
    ref = np.sort(reference.to_numpy(dtype=np.float64, na_value=np.nan))
    cur = np.sort(current.to_numpy(dtype=np.float64, na_value=np.nan))
    ref_nan, cur_nan = int(np.isnan(ref).sum()), int(np.isnan(cur).sum())
    ref, cur = ref[: ref.size - ref_nan], cur[: cur.size - cur_nan]  # NaN sorts last
    result: NumericStatistics = numeric_statistics(ref, cur)
    method, threshold = config.method_for(ColumnKind.NUMERIC, ref.size)
    score = {"ks": result.ks_pvalue, "psi": result.psi, "wasserstein": result.wasserstein_normed}[method]
    return ColumnDrift(
        column=name,
        kind=ColumnKind.NUMERIC,
        method=method,
        threshold=threshold,
        score=score,
        drifted=score < threshold if method in PVALUE_METHODS else score >= threshold,
        reference_rows=int(ref.size),
        current_rows=int(cur.size),
        reference_nan=ref_nan,
        current_nan=cur_nan,
        statistics=asdict(result),
        histogram=_numeric_histogram(ref, cur),
    )


def _counts(values: pd.Series) -> pd.Series:
    """Counts of the values present, indexed by plain values (a category column lists unused ones too)."""
    counts = values.value_counts(dropna=True)
    if isinstance(values.dtype, pd.CategoricalDtype):
        counts = counts[counts > 0]
        counts.index = counts.index.astype(values.dtype.categories.dtype)
    return counts


def _categorical_column(name: str, reference: pd.Series, current: pd.Series, config: DriftConfig) -> ColumnDrift:
    ref_counts = _counts(reference)
    cur_counts = _counts(current)
    categories = ref_counts.index.union(cur_counts.index, sort=False)
    ref_aligned = ref_counts.reindex(categories, fill_value=0).to_numpy(dtype=np.float64)
    cur_aligned = cur_counts.reindex(categories, fill_value=0).to_numpy(dtype=np.float64)
    result: CategoricalStatistics = categorical_statistics(ref_aligned, cur_aligned)
    ref_rows, cur_rows = int(ref_aligned.sum()), int(cur_aligned.sum())
    method, threshold = config.method_for(ColumnKind.CATEGORICAL, ref_rows)
    score = {"chi2": result.chi2_pvalue, "psi": result.psi, "jensenshannon": result.jensen_shannon}[method]
    unseen = cur_counts[~cur_counts.index.isin(ref_counts.index)]
    new = {str(category): float(count / cur_rows) for category, count in unseen.items()}
    top = np.argsort(-(ref_aligned / ref_rows + cur_aligned / cur_rows), kind="stable")[:HISTOGRAM_CATEGORIES]
    return ColumnDrift(
        column=name,
        kind=ColumnKind.CATEGORICAL,
        method=method,
        threshold=threshold,
        score=score,
        drifted=score < threshold if method in PVALUE_METHODS else score >= threshold,
        reference_rows=ref_rows,
        current_rows=cur_rows,
        reference_nan=int(len(reference) - ref_rows),
        current_nan=int(len(current) - cur_rows),
        statistics=asdict(result),
        new_categories=new,
        histogram=Histogram(
            [str(categories[i]) for i in top],
            (ref_aligned[top] / ref_rows).tolist(),
            (cur_aligned[top] / cur_rows).tolist(),
        ),
    )


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    config: DriftConfig | None = None,
    columns: list[str] | None = None,
    overrides: dict[str, ColumnKind] | None = None,
) -> DatasetDrift:
    """Drift of ``current`` against ``reference``, column by column (two threads: NumPy sorts release the GIL)."""
    settings = config or DriftConfig()
    kinds, skipped = resolve_columns(reference, current, columns, overrides or {})

    def one(name: str) -> ColumnDrift:
        measure = _numeric_column if kinds[name] is ColumnKind.NUMERIC else _categorical_column
        return measure(name, reference[name], current[name], settings)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results: Iterator[ColumnDrift] = pool.map(one, kinds)
        return DatasetDrift(columns=list(results), drift_share=settings.drift_share, skipped=skipped)
