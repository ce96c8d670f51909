"""Known answers: each kind of drift is found by the tests meant to find it, and nothing else is."""

import numpy as np
import pandas as pd
import pytest

from monitoring.drift import DriftConfig, compare
from monitoring.tables import ColumnKind

N = 2000


def _column(reference: pd.DataFrame, current: pd.DataFrame, config: DriftConfig, name: str = "x"):  # type: ignore[no-untyped-def]
    (column,) = compare(reference, current, config, columns=[name]).columns
    return column


def test_same_distribution_is_not_drift_by_any_numeric_method() -> None:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"x": rng.normal(size=N)})
    current = pd.DataFrame({"x": rng.normal(size=N)})
    for method in ("ks", "psi", "wasserstein"):
        assert not _column(reference, current, DriftConfig(numeric_method=method)).drifted, method


def test_false_alarm_rate_of_ks_is_near_alpha() -> None:
    """Over 400 same-distribution pairs, KS at alpha 0.05 alarms about 5% of the time (binomial 99.9% band)."""
    alarms = 0
    for seed in range(400):
        rng = np.random.default_rng(seed)
        reference = pd.DataFrame({"x": rng.normal(size=300)})
        current = pd.DataFrame({"x": rng.normal(size=300)})
        alarms += _column(reference, current, DriftConfig(numeric_method="ks")).drifted
    assert 5 <= alarms <= 38, alarms


def test_false_alarm_rate_of_chi_square_is_near_alpha() -> None:
    alarms = 0
    for seed in range(400):
        rng = np.random.default_rng(10_000 + seed)
        reference = pd.DataFrame({"x": rng.choice(list("abcd"), size=400, p=[0.4, 0.3, 0.2, 0.1])})
        current = pd.DataFrame({"x": rng.choice(list("abcd"), size=400, p=[0.4, 0.3, 0.2, 0.1])})
        alarms += _column(reference, current, DriftConfig(categorical_method="chi2")).drifted
    assert 5 <= alarms <= 38, alarms


def test_half_sigma_mean_shift_is_found() -> None:
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"x": rng.normal(size=N)})
    current = pd.DataFrame({"x": rng.normal(0.5, 1.0, size=N)})
    ks = _column(reference, current, DriftConfig(numeric_method="ks"))
    assert ks.drifted
    assert ks.statistics["ks_statistic"] == pytest.approx(0.197, abs=0.04)  # 2*Phi(0.25)-1 = 0.197
    assert _column(reference, current, DriftConfig(numeric_method="wasserstein")).drifted
    assert _column(reference, current, DriftConfig(numeric_method="wasserstein")).score == pytest.approx(0.5, abs=0.12)


def test_variance_change_is_found_though_the_mean_is_unchanged() -> None:
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"x": rng.normal(size=N)})
    current = pd.DataFrame({"x": rng.normal(0.0, 2.0, size=N)})
    assert _column(reference, current, DriftConfig(numeric_method="ks")).drifted
    assert _column(reference, current, DriftConfig(numeric_method="psi")).drifted
    assert abs(current["x"].mean() - reference["x"].mean()) < 0.1


def test_new_category_is_found_and_reported_separately() -> None:
    rng = np.random.default_rng(4)
    reference = pd.DataFrame({"x": rng.choice(["card", "wire", "cash"], size=N)})
    current = pd.DataFrame({"x": rng.choice(["card", "wire", "cash", "crypto"], size=N, p=[0.3, 0.3, 0.3, 0.1])})
    for method in ("chi2", "psi", "jensenshannon"):
        column = _column(reference, current, DriftConfig(categorical_method=method))
        assert column.drifted, method
        assert set(column.new_categories) == {"crypto"}
        assert column.new_categories["crypto"] == pytest.approx((current["x"] == "crypto").mean())


def test_category_share_change_is_found() -> None:
    rng = np.random.default_rng(5)
    reference = pd.DataFrame({"x": rng.choice(["a", "b"], size=N, p=[0.5, 0.5])})
    current = pd.DataFrame({"x": rng.choice(["a", "b"], size=N, p=[0.7, 0.3])})
    for method in ("chi2", "psi", "jensenshannon"):
        config = DriftConfig(categorical_method=method, categorical_threshold=0.1 if method == "psi" else None)
        assert _column(reference, current, config).drifted, method
    assert not _column(reference, reference.sample(frac=1.0, random_state=1), DriftConfig()).drifted


def test_nans_are_counted_and_the_rest_compared() -> None:
    rng = np.random.default_rng(6)
    values = rng.normal(size=N)
    with_nans = values.copy()
    with_nans[:300] = np.nan
    column = _column(pd.DataFrame({"x": values}), pd.DataFrame({"x": with_nans}), DriftConfig())
    assert (column.reference_nan, column.current_nan) == (0, 300)
    assert column.current_rows == N - 300


def test_types_are_detected_and_overridable() -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {"amount": rng.normal(size=N), "code": rng.integers(0, 5, size=N), "flag": rng.random(N) > 0.5}
    )
    kinds = {column.column: column.kind for column in compare(frame, frame).columns}
    assert kinds == {"amount": "numeric", "code": "categorical", "flag": "categorical"}
    overridden = compare(frame, frame, overrides={"code": ColumnKind.NUMERIC}).columns
    assert {column.column: column.kind for column in overridden}["code"] == "numeric"


def test_dataset_verdict_follows_the_share_of_drifted_columns() -> None:
    rng = np.random.default_rng(8)
    reference = pd.DataFrame({name: rng.normal(size=N) for name in "abcd"})
    current = pd.DataFrame({name: rng.normal(size=N) for name in "abcd"})
    current["a"] += 1.0
    report = compare(reference, current, DriftConfig(drift_share=0.5))
    assert report.drifted_columns == ["a"]
    assert report.share_drifted == 0.25
    assert not report.drifted
    assert compare(reference, current, DriftConfig(drift_share=0.25)).drifted
