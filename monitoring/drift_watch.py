"""``mlops monitor run``: the last hours of predictions against the production model's profile.

The verdict uses effect sizes with the alert thresholds (KS statistic > 0.15, PSI > 0.2),
not p-values: a day of traffic is large enough for a p-value to flag shifts too small to
change a prediction. The same thresholds are in deploy/prometheus/model-alerts.rules.yml.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge

from monitoring.drift import DatasetDrift, compare
from monitoring.prediction_logs import read_predictions
from monitoring.tables import ColumnKind, DriftInputError
from registry.reference_profile import load_reference_profile

KS_ALERT = 0.15
PSI_ALERT = 0.2


@dataclass(frozen=True)
class DriftWatch:
    model_name: str
    model_version: str
    predictions: int
    report: DatasetDrift
    ks_threshold: float
    psi_threshold: float
    absent: list[str]
    """Features with no value in any prediction of the window: drifted by definition."""

    @property
    def drifted_features(self) -> list[str]:
        return [
            column.column
            for column in self.report.columns
            if column.statistics.get("ks_statistic", 0.0) > self.ks_threshold
            or column.statistics["psi"] > self.psi_threshold
        ] + self.absent

    def registry(self) -> CollectorRegistry:
        registry = CollectorRegistry()
        labels = ["model_name", "model_version", "feature"]
        ks = Gauge("mlops_feature_drift_ks_statistic", "KS against the training profile.", labels, registry=registry)
        psi = Gauge("mlops_feature_drift_psi", "PSI against the training profile.", labels, registry=registry)
        drifted = Gauge("mlops_feature_drift_detected", "1 if the feature drifted.", labels, registry=registry)
        missing = Gauge(
            "mlops_feature_missing_share", "Share of predictions without a value.", labels, registry=registry
        )
        for column in self.report.columns:
            key = (self.model_name, self.model_version, column.column)
            if "ks_statistic" in column.statistics:
                ks.labels(*key).set(column.statistics["ks_statistic"])
            psi.labels(*key).set(column.statistics["psi"])
            drifted.labels(*key).set(1 if column.column in self.drifted_features else 0)
            missing.labels(*key).set(column.current_nan / max(column.current_nan + column.current_rows, 1))
        for feature in self.absent:
            drifted.labels(self.model_name, self.model_version, feature).set(1)
            missing.labels(self.model_name, self.model_version, feature).set(1)
        Gauge(
            "mlops_monitor_last_run_timestamp_seconds", "When the check last ran.", ["check"], registry=registry
        ).labels("drift").set(time.time())
        Gauge("mlops_monitor_predictions_checked", "Predictions in the window.", ["check"], registry=registry).labels(
            "drift"
        ).set(self.predictions)
        return registry


def watch_drift(
    *,
    log_dir: Path,
    hours: float,
    tracking_uri: str,
    model_name: str,
    alias: str,
    ks_threshold: float = KS_ALERT,
    psi_threshold: float = PSI_ALERT,
    now: datetime | None = None,
) -> DriftWatch:
    from mlflow.exceptions import MlflowException

    from registry.client import open_client

    try:
        version = open_client(tracking_uri).get_model_version_by_alias(model_name, alias)
    except MlflowException as error:
        raise DriftInputError(f"no version of {model_name!r} has the alias {alias!r}") from error
    since = (now or datetime.now(UTC)) - timedelta(hours=hours)
    logged = read_predictions(log_dir, since)
    reference = load_reference_profile(tracking_uri, str(version.run_id))
    current = logged[logged["model_version"] == str(version.version)] if "model_version" in logged else logged
    if current.empty:
        raise DriftInputError(
            f"no predictions of {model_name} version {version.version} in the last {hours:g} hours in {log_dir}"
        )
    shared = [name for name in reference.columns if name in current.columns]
    absent = [name for name in shared if current[name].notna().sum() == 0]
    features = [name for name in shared if name not in absent]
    if not features:
        raise DriftInputError(f"the prediction log has none of the profile's features: {', '.join(reference.columns)}")
    # Every model input is a number; integer-valued features stay numeric so KS and PSI apply.
    report = compare(reference, current, columns=features, overrides=dict.fromkeys(features, ColumnKind.NUMERIC))
    return DriftWatch(model_name, str(version.version), len(current), report, ks_threshold, psi_threshold, absent)
