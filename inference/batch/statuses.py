"""Per-feature status of a point-in-time row: ``present``, ``stale`` or ``missing``.

The point-in-time join gives a null both when a customer's newest value is older than the
view's TTL at the row's time and when the customer had no value yet; users need to tell
the two apart (a stalled pipeline versus a new customer). The customer's first event time
in the view's source separates them. Both engines call :func:`view_statuses`, so they
cannot disagree on the rule.
"""

import numpy as np
import pandas as pd

PRESENT, STALE, MISSING = "present", "stale", "missing"
"""The values of ``inference.online_features.FeatureStatus`` (a test holds them equal); spelled out
here so Spark's Python workers, which import this module, do not import Feast and Redis."""
STATUSES = (PRESENT, STALE, MISSING)
STATUS_SUFFIX = "_status"


def status_column(feature: str) -> str:
    return f"{feature}{STATUS_SUFFIX}"


def view_statuses(values: pd.DataFrame, first_seen: pd.Series, timestamps: pd.Series) -> dict[str, np.ndarray]:
    """Status of each feature column of one view, row by row.

    ``values`` holds the view's joined features, ``first_seen`` the customer's first event
    time in the view's source (NaT when none) and ``timestamps`` the rows' times, all
    aligned by position. A null is ``stale`` when the view's row as a whole is null although
    the customer had history at or before the row's time (the TTL cut it off); it is
    ``missing`` when there was no history yet, or when the joined row exists but holds a
    null in that column (nothing to be stale).
    """
    nulls = values.isna().to_numpy()
    whole_row_null = nulls.all(axis=1)
    seen, at = _utc_instants(first_seen), _utc_instants(timestamps)
    had_history = ~np.isnat(seen) & (seen <= at)
    stale = whole_row_null & had_history
    out: dict[str, np.ndarray] = {}
    for index, feature in enumerate(values.columns):
        column = np.where(stale, STALE, MISSING).astype(object)
        column[~nulls[:, index]] = PRESENT
        out[status_column(str(feature))] = column
    return out


def _utc_instants(times: pd.Series) -> np.ndarray:
    """Naive UTC ``datetime64`` values (naive input counts as UTC, as in the training join)."""
    series = pd.to_datetime(pd.Series(times).reset_index(drop=True), utc=True)
    return series.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
