"""The drift report for a terminal (a table) and for machines (JSON)."""

import json
import math

from core.tables import render_table as aligned
from monitoring.drift import DatasetDrift

_HEADER = ("column", "kind", "method", "score", "threshold", "drift", "nan ref/cur", "ks|chi2 p", "psi", "wass|js")


def _number(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return f"{value:.3g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4f}"


def render_table(report: DatasetDrift) -> str:
    rows: list[tuple[str, ...]] = []
    for column in report.columns:
        stats = column.statistics
        is_numeric = column.kind == "numeric"
        rows.append(
            (
                column.column,
                column.kind,
                column.method + (" (p)" if column.method in {"ks", "chi2"} else ""),
                _number(column.score),
                _number(column.threshold),
                "DRIFT" if column.drifted else "ok",
                f"{column.reference_nan}/{column.current_nan}",
                _number(stats["ks_statistic"] if is_numeric else stats["chi2_pvalue"]),
                _number(stats["psi"]),
                _number(stats["wasserstein_normed"] if is_numeric else stats["jensen_shannon"]),
            )
        )
    lines = aligned(_HEADER, rows).splitlines()
    for column in report.columns:
        if column.new_categories:
            shown = ", ".join(f"{name} ({share:.1%})" for name, share in list(column.new_categories.items())[:10])
            lines.append(f"new categories in {column.column}: {shown}")
    for skipped in report.skipped:
        lines.append(f"skipped {skipped}")
    verdict = "DRIFT" if report.drifted else "no drift"
    lines.append(
        f"dataset: {verdict}: {len(report.drifted_columns)} of {len(report.columns)} columns drifted "
        f"({report.share_drifted:.0%}; dataset drifts at >= {report.drift_share:.0%}). "
        "p-value methods drift below the threshold, distances at or above it."
    )
    return "\n".join(lines)


def render_json(report: DatasetDrift) -> str:
    """JSON with NaN written as null, so any parser reads it."""
    return json.dumps(_finite(report.as_dict()), indent=2)


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value
