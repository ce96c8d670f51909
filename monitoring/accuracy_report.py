"""Accuracy windows as a table and as Prometheus gauges (latest window per model version)."""

import time

from prometheus_client import CollectorRegistry, Gauge

from core.tables import render_table
from monitoring.accuracy import WindowAccuracy


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def render_accuracy(windows: list[WindowAccuracy]) -> str:
    header = ("window start (UTC)", "version", "rows", "fraud", "auc", "recorded auc", "auc drop", "f1", "recorded f1")
    rows = [
        (
            f"{w.window_start:%Y-%m-%d %H:%M}",
            w.model_version,
            str(w.rows),
            str(w.positives),
            _fmt(w.auc),
            _fmt(w.reference_auc),
            "n/a" if w.auc_drop is None else f"{w.auc_drop:+.1%}",
            _fmt(w.f1),
            _fmt(w.reference_f1),
        )
        for w in windows
    ]
    return render_table(header, rows)


def accuracy_registry(model_name: str, windows: list[WindowAccuracy]) -> CollectorRegistry:
    registry = CollectorRegistry()
    labels = ["model_name", "model_version"]
    gauges = {
        name.removeprefix("mlops_model_"): Gauge(name, help_text, labels, registry=registry)
        for name, help_text in (
            ("mlops_model_auc", "AUC on delayed labels, latest window."),
            ("mlops_model_f1", "F1 on delayed labels, latest window."),
            ("mlops_model_reference_auc", "AUC recorded at training time."),
            ("mlops_model_reference_f1", "F1 recorded at training time."),
            ("mlops_model_labelled_predictions", "Predictions with a label in the latest window."),
        )
    }
    latest = {window.model_version: window for window in windows}
    for version, window in latest.items():
        values = {
            "auc": window.auc,
            "f1": window.f1,
            "reference_auc": window.reference_auc,
            "reference_f1": window.reference_f1,
            "labelled_predictions": float(window.rows),
        }
        for name, value in values.items():
            if value is not None:
                gauges[name].labels(model_name, version).set(value)
    Gauge("mlops_monitor_last_run_timestamp_seconds", "When the check last ran.", ["check"], registry=registry).labels(
        "accuracy"
    ).set(time.time())
    return registry
