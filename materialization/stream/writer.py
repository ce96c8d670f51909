"""Velocity rows into Feast through the push source: online per batch, offline in batches."""

from pathlib import Path

import pandas as pd
from feast import FeatureStore
from feast.data_source import PushMode

from core.velocity import COLUMNS, FEATURES, PUSH_SOURCE, VIEW
from materialization.stream.state import VelocityRow


def frame(rows: list[VelocityRow]) -> pd.DataFrame:
    data = pd.DataFrame([(r.customer_id, r.at, *r.values) for r in rows], columns=list(COLUMNS))
    stamps = pd.to_datetime(data["event_timestamp"], unit="s", utc=True).dt.round("us")
    data["event_timestamp"] = stamps.astype("datetime64[us, UTC]")
    types = {name: "int64" if name.startswith("txn_count") else "float64" for name in FEATURES}
    return data.astype(types | {"customer_id": "int64"})


class FeastVelocityWriter:
    """``FeatureStore.push``: the same write path as ``feast serve``'s /push and ours."""

    def __init__(self, store: FeatureStore) -> None:
        self._store = store
        self._ensure_history()

    def _ensure_history(self) -> None:
        """Feast appends to the batch source by reading it first: create it empty if it is missing."""
        source = self._store.get_feature_view(VIEW).batch_source
        path = Path(getattr(source, "path", "") or "")
        if path.suffix == ".parquet" and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            frame([]).to_parquet(path, index=False)

    def online(self, rows: list[VelocityRow]) -> None:
        if rows:
            self._store.push(PUSH_SOURCE, frame(rows), to=PushMode.ONLINE)

    def offline(self, rows: list[VelocityRow]) -> None:
        if rows:
            self._store.push(PUSH_SOURCE, frame(rows), to=PushMode.OFFLINE)
