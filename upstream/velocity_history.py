"""Velocity history for the generated transactions, so training has it before any stream ran.

One row per change: at each transaction and at each moment one leaves a window, exactly
the rows ``mlops stream run`` would have pushed for these transactions.
"""

import pandas as pd

from core.velocity import COLUMNS, FEATURES, change_times, window_values

_EPOCH = pd.Timestamp(0, tz="UTC")


def velocity_history(transactions: pd.DataFrame) -> pd.DataFrame:
    """The velocity rows of ``transactions`` (customer_id, event_timestamp, amount)."""
    rows: list[tuple[object, ...]] = []
    ordered = transactions.sort_values(["customer_id", "event_timestamp"])
    for customer_id, group in ordered.groupby("customer_id", sort=True):
        times = ((group["event_timestamp"] - _EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
        amounts = group["amount"].to_numpy(dtype=float)
        for at in change_times(times.tolist()):
            rows.append((int(str(customer_id)), at, *window_values(times, amounts, at)))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    stamps = pd.to_datetime(frame["event_timestamp"], unit="s", utc=True).dt.round("us")
    frame["event_timestamp"] = stamps.astype("datetime64[us, UTC]")
    for name in FEATURES:
        frame[name] = frame[name].astype("int64" if name.startswith("txn_count") else "float64")
    return frame.astype({"customer_id": "int64"}).reset_index(drop=True) if len(frame) else _empty()


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype="int64" if "count" in name else "float64") for name in FEATURES})
    frame.insert(0, "event_timestamp", pd.Series(dtype="datetime64[us, UTC]"))
    frame.insert(0, "customer_id", pd.Series(dtype="int64"))
    return frame
