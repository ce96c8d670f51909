"""The upstream feed keeps going: append a new snapshot of every active customer.

Used by the demo (``mlops data append --every 1m``) so that materialization has new data
to move, and so that stopping it makes the freshness alert fire. Each customer's newest
snapshot is advanced one step (a few orders, a drifting average order value). The file is
rewritten to a temporary name and renamed over the old one, so a reader never sees half a
file.
"""

import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from upstream.generate import SNAPSHOT_COLUMNS


def next_snapshots(latest: pd.DataFrame, at: datetime, rng: np.random.Generator, shift: float = 1.0) -> pd.DataFrame:
    """One new snapshot per row of ``latest`` (each customer's newest), stamped ``at``.

    ``shift`` multiplies the average order value, as a price change or a new currency
    upstream would: the drift the monitoring and retraining loop exists to catch.
    """
    n = len(latest)
    orders = rng.poisson(0.4, size=n)
    aov = np.round(latest["avg_order_value"].to_numpy() * shift * np.exp(rng.normal(0.0, 0.05, size=n)), 2)
    stamp = pd.Timestamp(at).tz_convert("UTC") if pd.Timestamp(at).tzinfo else pd.Timestamp(at, tz="UTC")
    return pd.DataFrame(
        {
            "customer_id": latest["customer_id"].to_numpy(),
            "event_timestamp": stamp,
            "created_timestamp": stamp,
            "total_purchases": latest["total_purchases"].to_numpy() + orders,
            "avg_order_value": aov,
            "days_since_last_order": np.where(orders > 0, 0, latest["days_since_last_order"].to_numpy() + 1),
            "lifetime_value": np.round(latest["lifetime_value"].to_numpy() + orders * aov, 2),
        }
    )[list(SNAPSHOT_COLUMNS)]


def append_snapshots(path: Path, at: datetime, seed: int | None = None, shift: float = 1.0) -> int:
    """Append a snapshot stamped ``at`` for every customer in ``path``; returns the rows added."""
    if not shift > 0:
        raise ValueError(f"the shift must be a positive factor, got {shift:g}")
    frame = pd.read_parquet(path)
    if frame.empty:
        raise ValueError(f"{path} has no snapshots to continue from: run `mlops data generate` first")
    ordered = frame.sort_values(["event_timestamp", "created_timestamp"])
    latest = ordered.drop_duplicates("customer_id", keep="last")
    new = next_snapshots(latest, at, np.random.default_rng(seed), shift)
    new["event_timestamp"] = new["event_timestamp"].astype(frame["event_timestamp"].dtype)
    new["created_timestamp"] = new["created_timestamp"].astype(frame["created_timestamp"].dtype)
    combined = pd.concat([frame, new], ignore_index=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    combined.to_parquet(temporary, index=False)
    os.replace(temporary, path)
    return len(new)
