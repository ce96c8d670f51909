"""Reading the service's prediction log (complete ``*.parquet`` files only) for a time window."""

from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds

from monitoring.tables import DriftInputError


def read_predictions(folder: Path, since: datetime, until: datetime | None = None) -> pd.DataFrame:
    """Predictions logged in [since, until), from every worker's files.

    Files still being written end in ``.parquet.tmp`` and are not read; a file's rows are
    filtered by timestamp, so a file that straddles the window start contributes its part.
    """
    if not folder.is_dir():
        raise DriftInputError(f"no prediction log at {folder}: does the service log there (MLOPS_PREDICTION_LOG_DIR)?")
    files = sorted(str(path) for path in folder.glob("*.parquet"))
    if not files:
        raise DriftInputError(f"no complete prediction log files in {folder} yet")
    dataset = ds.dataset(files, format="parquet")
    condition = ds.field("timestamp") >= pd.Timestamp(since)
    if until is not None:
        condition = condition & (ds.field("timestamp") < pd.Timestamp(until))
    frame: pd.DataFrame = dataset.to_table(filter=condition).to_pandas()
    return frame
