"""Inputs for the batch scoring tests: the session's labelled transactions with extra columns."""

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner, Result

from mlops.main import app
from upstream.generate import GeneratedData

runner = CliRunner()


def transactions_with_extras(data: GeneratedData) -> pd.DataFrame:
    """The transactions plus columns batch scoring must carry through unchanged."""
    frame = data.transactions.copy()
    frame["txn_id"] = np.arange(len(frame), dtype=np.int64) * 7 + 3
    frame["note"] = [f"t{i % 13}" for i in range(len(frame))]
    return frame


def score(*args: str | Path) -> Result:
    return runner.invoke(app, ["score", "batch", *map(str, args)])


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]
