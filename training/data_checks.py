"""The pipeline's validate stage: the labelled training data's schema and ranges.

Bad data caught here stops the run with a report of every problem at once, before a
minutes-long join and training would turn it into a quietly worse model.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = {"customer_id": "integer", "event_timestamp": "datetime", "amount": "number", "is_fraud": "integer"}
DEFAULT_RANGES: dict[str, tuple[float, float]] = {
    "customer_id": (1, float("inf")),
    "amount": (0, 1e7),
    "is_fraud": (0, 1),
}


@dataclass(frozen=True)
class DataProblem:
    column: str
    problem: str


class DataValidationError(ValueError):
    def __init__(self, problems: list[DataProblem]) -> None:
        self.problems = problems
        super().__init__("training data failed validation: " + "; ".join(f"{p.column}: {p.problem}" for p in problems))


def _kind_ok(series: pd.Series, kind: str) -> bool:
    if kind == "integer":
        return bool(pd.api.types.is_integer_dtype(series))
    if kind == "datetime":
        return bool(pd.api.types.is_datetime64_any_dtype(series))
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def check_training_data(frame: pd.DataFrame, params: dict[str, Any]) -> list[DataProblem]:
    problems: list[DataProblem] = []
    min_rows = int(params.get("min_rows", 1000))
    if len(frame) < min_rows:
        problems.append(DataProblem("*", f"{len(frame)} rows, needs at least {min_rows}"))
    for column, kind in REQUIRED_COLUMNS.items():
        if column not in frame.columns:
            problems.append(DataProblem(column, "missing column"))
        elif not _kind_ok(frame[column], kind):
            problems.append(DataProblem(column, f"expected {kind} values, got dtype {frame[column].dtype}"))
    max_null = float(params.get("max_null_share", 0.0))
    ranges = {**DEFAULT_RANGES, **{key: (float(lo), float(hi)) for key, (lo, hi) in params.get("ranges", {}).items()}}
    for column in frame.columns.intersection(list(REQUIRED_COLUMNS)):
        share = float(frame[column].isna().mean()) if len(frame) else 0.0
        if share > max_null:
            problems.append(DataProblem(column, f"{share:.1%} nulls, at most {max_null:.1%} allowed"))
    for column, (low, high) in ranges.items():
        if column not in frame.columns or not _kind_ok(frame[column], "number"):
            continue
        values = frame[column].dropna().to_numpy(dtype="float64")
        bad = ~np.isfinite(values) | (values < low) | (values > high)
        if bad.any():
            example = values[bad][0]
            problems.append(
                DataProblem(column, f"{int(bad.sum())} values outside [{low:g}, {high:g}], e.g. {example:g}")
            )
    if "is_fraud" in frame.columns and frame["is_fraud"].nunique(dropna=True) < 2:
        problems.append(DataProblem("is_fraud", "a single class: the model cannot learn or be evaluated"))
    return problems
