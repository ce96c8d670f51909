"""Point-in-time training sets through Feast's offline store."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from feature_repo.derived import REQUEST_FEATURES, amount_to_avg_order_value

if TYPE_CHECKING:  # Feast only in annotations: Spark's Python workers import this module, not Feast
    from feast import FeatureService, FeatureStore

ROW_ID = "_row_id"


@dataclass(frozen=True)
class TrainingSet:
    frame: pd.DataFrame
    """One row per label row, in the input order, with the features and the request columns."""
    store_features: tuple[str, ...]
    """Feature-store inputs, in model order."""

    @property
    def model_features(self) -> tuple[str, ...]:
        return self.store_features + REQUEST_FEATURES


def service_features(service: "FeatureService") -> tuple[str, ...]:
    """The feature service's features in declaration order: the model's input order."""
    return tuple(feature.name for projection in service.feature_view_projections for feature in projection.features)


def prepare_entity_frame(labels: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``labels`` with UTC microsecond timestamps and a row id.

    The DuckDB offline store rejects nanosecond timestamps, and the row id proves every
    label row comes back and restores the input order (Feast reorders rows).
    """
    frame = labels.copy()
    timestamps = pd.to_datetime(frame["event_timestamp"], utc=True)
    frame["event_timestamp"] = timestamps.dt.floor("us").astype("datetime64[us, UTC]")
    frame[ROW_ID] = np.arange(len(frame), dtype=np.int64)
    return frame


def historical_features(store: "FeatureStore", labels: pd.DataFrame, service: "FeatureService") -> TrainingSet:
    """Join each label row to the feature values that were current at its timestamp.

    Values older than the view's TTL come back as nulls, and a row with no history keeps
    its place with nulls: nothing is dropped (checked, because a silently shorter training
    set is the classic offline-store bug).
    """
    entity_frame = prepare_entity_frame(labels)
    joined = store.get_historical_features(entity_df=entity_frame, features=service).to_df()
    if len(joined) != len(entity_frame):
        raise RuntimeError(f"point-in-time join returned {len(joined)} rows for {len(entity_frame)} label rows")
    joined = joined.sort_values(ROW_ID, ignore_index=True).drop(columns=[ROW_ID])
    add_request_features(joined)
    return TrainingSet(frame=joined, store_features=service_features(service))


def add_request_features(frame: pd.DataFrame) -> None:
    """Add the derived request-time columns to a joined frame, in place.

    Batch scoring's Spark engine joins features itself and calls this too, so every path
    derives them with the same code as training.
    """
    frame["amount_to_avg_order_value"] = [
        amount_to_avg_order_value(float(amount), None if pd.isna(aov) else float(aov))
        for amount, aov in zip(frame["amount"], frame["avg_order_value"], strict=True)
    ]


def feature_matrix(training_set: TrainingSet) -> np.ndarray:
    """Float matrix in model order; nulls become NaN, the model's missing-value marker."""
    return training_set.frame.loc[:, list(training_set.model_features)].astype("float64").to_numpy()
