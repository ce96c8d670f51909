"""Reading Parquet text as categories changes nothing in the report, only memory and speed."""

from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from monitoring.drift import compare
from monitoring.statistics import numeric_statistics
from monitoring.tables import read_table


def _frame(rng: np.random.Generator, rows: int, shifted: bool) -> pd.DataFrame:
    shares = [0.4, 0.3, 0.2, 0.1] if shifted else [0.25] * 4
    text = rng.choice(["a", "b", "c", "d"], size=rows, p=shares).astype(object)
    text[rng.random(rows) < 0.05] = None
    if shifted:
        text[rng.random(rows) < 0.1] = "only-in-current"
    return pd.DataFrame(
        {
            "amount": rng.normal(1.0 if shifted else 0.0, 1.0, rows),
            "rounded": np.round(rng.normal(0.0, 2.0, rows), 1),  # many ties
            "country": text,
            "code": rng.integers(0, 5, rows),
        }
    )


def test_parquet_report_equals_the_report_on_plain_pandas_frames(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frames = {"reference": _frame(rng, 20_000, False), "current": _frame(rng, 15_000, True)}
    paths = {}
    for side, frame in frames.items():
        paths[side] = tmp_path / f"{side}.parquet"
        frame.to_parquet(paths[side], index=False)

    read = {side: read_table(path, text_as_category=True) for side, path in paths.items()}
    assert isinstance(read["reference"]["country"].dtype, pd.CategoricalDtype)
    plain = {side: pd.read_parquet(path) for side, path in paths.items()}
    assert plain["reference"]["country"].dtype == object

    ours, expected = compare(read["reference"], read["current"]), compare(plain["reference"], plain["current"])
    assert ours.drifted_columns == expected.drifted_columns
    for mine, theirs in zip(ours.columns, expected.columns, strict=True):
        assert _same(asdict(mine), asdict(theirs))
    country = next(column for column in ours.columns if column.column == "country")
    assert set(country.new_categories) == {"only-in-current"}
    assert country.reference_nan > 0


def _same(mine: dict[str, object], theirs: dict[str, object]) -> bool:
    assert mine.keys() == theirs.keys()
    for key, value in mine.items():
        if isinstance(value, dict) and key == "statistics":
            assert value == pytest.approx(theirs[key], rel=1e-12)
        else:
            assert value == theirs[key], key
    return True


def test_only_the_requested_columns_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    _frame(np.random.default_rng(0), 100, False).to_parquet(path, index=False)
    assert list(read_table(path, ["code", "amount"], text_as_category=True).columns) == ["code", "amount"]


def test_heavily_tied_samples_match_scipy() -> None:
    rng = np.random.default_rng(9)
    reference = np.sort(np.round(rng.normal(0.0, 1.0, 30_000), 1))
    current = np.sort(np.round(rng.normal(0.2, 1.1, 25_000), 1))
    result = numeric_statistics(reference, current)
    assert result.ks_statistic == pytest.approx(stats.ks_2samp(reference, current).statistic, rel=1e-12)
    wasserstein = stats.wasserstein_distance(reference, current) / np.std(reference)
    assert result.wasserstein_normed == pytest.approx(wasserstein, rel=1e-9)
