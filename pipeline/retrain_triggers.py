"""The four reasons to retrain, each evaluated on what monitoring already records.

Every trigger answers with a ``Trigger``: whether it fired and, either way, a sentence
saying what it saw, so a run record explains a retrain that happened and one that did not.
A trigger that cannot be evaluated (no predictions yet, no labels file) does not fire:
retraining on missing evidence would be a storm in waiting; its detail says what was missing.
"""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from mlflow.entities.model_registry import ModelVersion
from sklearn.metrics import roc_auc_score

from core.durations import format_duration, parse_duration
from monitoring.accuracy import join_labels, recorded_evaluations
from monitoring.drift_watch import watch_drift
from monitoring.prediction_logs import read_predictions
from monitoring.tables import DriftInputError, read_table
from pipeline.retrain_policy import AccuracyTrigger, DriftTrigger
from registry.contract import PARAM_TRAINING_DATA_END
from registry.reference_profile import ProfileUnavailableError


@dataclass(frozen=True)
class Trigger:
    kind: str
    """drift, accuracy, new_data, schedule or manual"""
    fired: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def drift(policy: DriftTrigger, *, log_dir: Path, tracking_uri: str, model: str, now: datetime) -> Trigger:
    """Fires when a feature of production's recent inputs crosses the KS or PSI threshold."""
    window = parse_duration(policy.window)
    try:
        watch = watch_drift(
            log_dir=log_dir,
            hours=window.total_seconds() / 3600,
            tracking_uri=tracking_uri,
            model_name=model,
            alias="production",
            ks_threshold=policy.ks,
            psi_threshold=policy.psi,
            now=now,
        )
    except (DriftInputError, ProfileUnavailableError) as error:
        return Trigger("drift", False, f"not evaluated: {error}")
    span = f"{watch.predictions:,} predictions of v{watch.model_version} in the last {format_duration(window)}"
    if watch.predictions < policy.min_predictions:
        return Trigger("drift", False, f"not evaluated: {span}, fewer than {policy.min_predictions}")
    drifted = watch.drifted_features
    if not drifted:
        return Trigger("drift", False, f"no drift in {span} (KS <= {policy.ks}, PSI <= {policy.psi})")
    return Trigger("drift", True, f"drift in {', '.join(drifted)} over {span} (KS > {policy.ks} or PSI > {policy.psi})")


def accuracy(
    policy: AccuracyTrigger, *, log_dir: Path, tracking_uri: str, model: str, production: str, now: datetime
) -> Trigger:
    """Fires when production's AUC on delayed labels fell more than ``max_drop`` below its recorded AUC."""
    try:
        labels = read_table(Path(policy.labels))
        predictions = read_predictions(log_dir, now - parse_duration(policy.window))
        mine = predictions[predictions["model_version"].astype(str) == production]
        joined, _ = join_labels(mine, labels, policy.label_column, parse_duration(policy.tolerance))
    except (DriftInputError, OSError) as error:
        return Trigger("accuracy", False, f"not evaluated: {error}")
    if len(joined) < policy.min_labels:
        return Trigger(
            "accuracy", False, f"not evaluated: {len(joined)} labelled predictions, need {policy.min_labels}"
        )
    truth = joined[policy.label_column].to_numpy(dtype=int)
    if len(set(truth)) < 2:
        return Trigger("accuracy", False, f"not evaluated: one class only in {len(joined)} labelled predictions")
    recorded = recorded_evaluations(tracking_uri, model, [production])[production].get("auc")
    if not recorded:
        return Trigger("accuracy", False, f"not evaluated: v{production} has no recorded AUC")
    auc = float(roc_auc_score(truth, joined["score"].to_numpy(dtype=float)))
    drop = (recorded - auc) / recorded
    seen = f"v{production} AUC {auc:.4f} on {len(joined):,} labels vs {recorded:.4f} recorded"
    if drop > policy.max_drop:
        return Trigger("accuracy", True, f"{seen}: {drop:.1%} lower (more than {policy.max_drop:.0%})")
    return Trigger("accuracy", False, f"{seen}: within {policy.max_drop:.0%}")


def new_data(after: timedelta, *, transactions: Path, trained_until: str | None) -> Trigger:
    """Fires when the labelled transactions reach ``after`` past the end of production's training set."""
    if trained_until is None:
        return Trigger("new_data", False, f"not evaluated: production has no {PARAM_TRAINING_DATA_END} parameter")
    try:
        newest = newest_transaction(transactions)
    except (OSError, ValueError) as error:
        return Trigger("new_data", False, f"not evaluated: {error}")
    ahead = newest - pd.Timestamp(trained_until)
    seen = f"newest transaction {newest.isoformat()}, {format_duration(ahead)} after production's training data"
    return Trigger("new_data", ahead >= after, f"{seen} (threshold {format_duration(after)})")


def schedule(max_age: timedelta, *, production: ModelVersion, now: datetime) -> Trigger:
    """Fires when the production version was registered longer ago than ``max_age``."""
    created = datetime.fromtimestamp(int(production.creation_timestamp) / 1000, tz=now.tzinfo)
    age = now - created
    seen = f"production v{production.version} is {format_duration(age)} old (limit {format_duration(max_age)})"
    return Trigger("schedule", age > max_age, seen)


def newest_transaction(path: Path) -> pd.Timestamp:
    """The newest ``event_timestamp`` of the transactions file, read from that one column."""
    column = pq.read_table(path, columns=["event_timestamp"]).column(0).to_pandas()
    if column.empty:
        raise ValueError(f"{path} holds no transactions")
    newest = pd.Timestamp(column.max())
    return newest if newest.tzinfo else newest.tz_localize("UTC")
