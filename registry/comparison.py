"""Comparing two model versions: metric and parameter deltas, and which is better per metric."""

from dataclasses import dataclass

from registry.version_view import VersionView

LOWER_IS_BETTER = ("loss", "error", "rmse", "mse", "mae", "latency", "brier")
"""Metric names containing one of these improve downwards; every other metric improves upwards."""


@dataclass(frozen=True)
class MetricRow:
    metric: str
    first: float | None
    second: float | None
    delta: float | None
    better: str
    """The ref of the better version, "=" when tied, "-" when a side is missing."""


@dataclass(frozen=True)
class ParamRow:
    param: str
    first: str | None
    second: str | None
    changed: bool


def lower_is_better(metric: str) -> bool:
    return any(marker in metric.lower() for marker in LOWER_IS_BETTER)


def compare_metrics(first: VersionView, second: VersionView) -> list[MetricRow]:
    rows = []
    for metric in sorted(set(first.metrics) | set(second.metrics)):
        a, b = first.metrics.get(metric), second.metrics.get(metric)
        if a is None or b is None:
            rows.append(MetricRow(metric, a, b, None, "-"))
            continue
        delta = b - a
        if delta == 0:
            better = "="
        else:
            second_wins = (delta < 0) if lower_is_better(metric) else (delta > 0)
            better = second.ref if second_wins else first.ref
        rows.append(MetricRow(metric, a, b, delta, better))
    return rows


def compare_params(first: VersionView, second: VersionView) -> list[ParamRow]:
    return [
        ParamRow(
            param,
            first.params.get(param),
            second.params.get(param),
            first.params.get(param) != second.params.get(param),
        )
        for param in sorted(set(first.params) | set(second.params))
    ]
