"""An independent point-in-time join, written with pandas only, to check Feast against."""

from datetime import timedelta

import pandas as pd

FEATURES = ("total_purchases", "avg_order_value", "days_since_last_order", "lifetime_value")


def oracle_join(labels: pd.DataFrame, snapshots: pd.DataFrame, ttl: timedelta) -> pd.DataFrame:
    """For each label row: the newest snapshot at or before it, no older than ``ttl``.

    Among snapshots sharing an event timestamp the latest created one wins. Rows keep
    their input order; rows with nothing in range get nulls.
    """
    latest = (
        snapshots.sort_values(["customer_id", "event_timestamp", "created_timestamp"])
        .drop_duplicates(["customer_id", "event_timestamp"], keep="last")
        .assign(event_timestamp=lambda f: pd.to_datetime(f["event_timestamp"], utc=True).astype("datetime64[us, UTC]"))
        .sort_values("event_timestamp")
    )
    left = labels.assign(
        _order=range(len(labels)),
        event_timestamp=pd.to_datetime(labels["event_timestamp"], utc=True)
        .dt.floor("us")
        .astype("datetime64[us, UTC]"),
    ).sort_values("event_timestamp")
    joined = pd.merge_asof(
        left,
        latest.loc[:, ["customer_id", "event_timestamp", *FEATURES]],
        on="event_timestamp",
        by="customer_id",
        direction="backward",
        allow_exact_matches=True,
        tolerance=pd.Timedelta(ttl),
    )
    return joined.sort_values("_order", ignore_index=True).drop(columns="_order")
