"""Accuracy on delayed labels: join labels to logged predictions, score each window.

Labels arrive days after the prediction (a chargeback). They are joined by ``request_id``
when the label source kept it, else by customer and the nearest prediction time within a
tolerance. Each (model version, window) gets AUC and F1, compared with the evaluation
recorded for that version at training time: a relative drop above 5% alerts.
"""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, roc_auc_score

from monitoring.tables import DriftInputError


@dataclass(frozen=True)
class WindowAccuracy:
    model_version: str
    window_start: pd.Timestamp
    rows: int
    positives: int
    auc: float | None
    """None when the window holds a single class (AUC undefined)."""
    f1: float
    reference_auc: float | None
    reference_f1: float | None

    @property
    def auc_drop(self) -> float | None:
        """Relative AUC drop against the recorded evaluation (0.1 = 10% lower)."""
        if self.auc is None or not self.reference_auc:
            return None
        return (self.reference_auc - self.auc) / self.reference_auc


def join_labels(
    predictions: pd.DataFrame, labels: pd.DataFrame, label_column: str, tolerance: timedelta
) -> tuple[pd.DataFrame, str]:
    """Predictions with their label; the second value names the join used."""
    if label_column not in labels.columns:
        raise DriftInputError(f"labels have no column {label_column!r} (columns: {', '.join(labels.columns)})")
    if "request_id" in labels.columns:
        joined = predictions.merge(labels[["request_id", label_column]], on="request_id", how="inner")
        return joined, "request_id"
    time_column = next((name for name in ("event_timestamp", "timestamp") if name in labels.columns), None)
    if "customer_id" not in labels.columns or time_column is None:
        raise DriftInputError("labels need request_id, or customer_id and event_timestamp, to join to predictions")
    left = predictions.sort_values("timestamp")
    right = labels[["customer_id", time_column, label_column]].rename(columns={time_column: "label_time"})
    right["label_time"] = pd.to_datetime(right["label_time"], utc=True).astype(left["timestamp"].dtype)
    right = right.sort_values("label_time")
    joined = pd.merge_asof(
        left, right, left_on="timestamp", right_on="label_time", by="customer_id",
        direction="nearest", tolerance=pd.Timedelta(tolerance),
    )  # fmt: skip
    return joined.dropna(subset=[label_column]), "customer_id + nearest time"


def window_accuracy(
    joined: pd.DataFrame,
    label_column: str,
    window: timedelta,
    references: dict[str, dict[str, float]],
    threshold: float = 0.5,
) -> list[WindowAccuracy]:
    """AUC and F1 per (model version, window), oldest first."""
    if joined.empty:
        raise DriftInputError("no label matched a logged prediction")
    frame = joined.assign(window_start=joined["timestamp"].dt.floor(pd.Timedelta(window)))
    results: list[WindowAccuracy] = []
    for (version, start), group in frame.groupby(["model_version", "window_start"], sort=True):
        truth = group[label_column].to_numpy(dtype=np.int64)
        scores = group["score"].to_numpy(dtype=np.float64)
        reference = references.get(str(version), {})
        results.append(
            WindowAccuracy(
                model_version=str(version),
                window_start=pd.Timestamp(start),  # type: ignore[arg-type]
                rows=len(group),
                positives=int(truth.sum()),
                auc=float(roc_auc_score(truth, scores)) if len(np.unique(truth)) == 2 else None,
                f1=float(f1_score(truth, scores >= threshold, zero_division=0)),
                reference_auc=reference.get("auc"),
                reference_f1=reference.get("f1"),
            )
        )
    return sorted(results, key=lambda result: (result.window_start, result.model_version))


def recorded_evaluations(tracking_uri: str, model_name: str, versions: list[str]) -> dict[str, dict[str, float]]:
    """Each version's holdout metrics as logged by ``mlops train``."""
    from mlflow.exceptions import MlflowException

    from registry.client import open_client

    client = open_client(tracking_uri)
    evaluations: dict[str, dict[str, float]] = {}
    for version in versions:
        try:
            run_id = client.get_model_version(model_name, version).run_id
            evaluations[version] = dict(client.get_run(str(run_id)).data.metrics)
        except MlflowException:
            evaluations[version] = {}
    return evaluations
