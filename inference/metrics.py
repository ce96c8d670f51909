"""Prometheus metrics of the inference service, correct with several uvicorn workers.

Each worker is its own process with its own counters, and a scrape reaches one of them at
random, so the service runs prometheus_client's multiprocess mode: every worker writes its
values to memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` sums the files.
The directory must be set before any worker imports prometheus_client (see
``inference/metrics_dir.py``). Without it (tests that build the app in-process) the
ordinary single-process registry is used.

Label sets stay small: route templates (not raw paths), a handful of statuses, the five
features, the model version, and the three variants of a rollout.
"""

from bisect import bisect_left
from collections import Counter as Tally
from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from core.settings import environment_value
from inference.metrics_dir import MULTIPROC_ENV

LATENCY_BUCKETS = (
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03,
    0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0,
)  # fmt: skip
SCORE_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)

REQUEST_DURATION = Histogram(
    "http_request_duration_seconds", "Time from request to response start.", ["route", "method"],
    buckets=LATENCY_BUCKETS,
)  # fmt: skip
REQUESTS = Counter("http_requests_total", "Requests answered, by route and status.", ["route", "method", "status"])
FEATURE_LOOKUP_DURATION = Histogram(
    "feature_lookup_duration_seconds", "One online feature read (one Redis round trip).", buckets=LATENCY_BUCKETS
)
FEATURE_STATUS = Counter(
    "prediction_feature_status_total", "Feature values served, by feature and status (present, missing, stale).",
    ["feature", "status"],
)  # fmt: skip
PREDICTION_SCORE = Histogram(
    "prediction_score", "Predicted fraud probability, by variant (production, canary, shadow).", ["variant"],
    buckets=SCORE_BUCKETS,
)  # fmt: skip
PREDICTIONS = Counter("predictions_total", "Predictions made, by the variant that made them.", ["variant"])
PREDICTION_ERRORS = Counter(
    "prediction_errors_total", "Predictions a candidate (canary, shadow) failed to make.", ["variant"]
)
MODEL_SCORE_DURATION = Histogram(
    "model_score_duration_seconds", "One model call (a request's rows of one variant).", ["variant"],
    buckets=LATENCY_BUCKETS,
)  # fmt: skip
SHADOW_DROPPED = Counter("shadow_dropped_total", "Requests the shadow model skipped: its queue was full.")
MODEL_INFO = Gauge(
    "model_info", "1 for the model version a worker serves, 0 for versions it no longer serves.",
    ["model_name", "model_version"], multiprocess_mode="max",
)  # fmt: skip
PREDICTION_LOG_DROPPED = Counter("prediction_log_dropped_total", "Prediction records dropped: the sink fell behind.")
PREDICTION_LOG_WRITTEN = Counter("prediction_log_written_total", "Prediction records written to Parquet.")


def render_latest() -> bytes:
    """The exposition text: summed over all workers in multiprocess mode."""
    if environment_value(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


_served_versions: dict[str, str] = {}


def record_model(name: str, version: str) -> None:
    """Mark ``version`` as served by this worker (cheap to call per request: it acts on change only)."""
    previous = _served_versions.get(name)
    if previous == version:
        return
    if previous is not None:
        MODEL_INFO.labels(name, previous).set(0)
    MODEL_INFO.labels(name, version).set(1)
    _served_versions[name] = version


def record_predictions(
    scores: Sequence[float], statuses: Mapping[tuple[str, str], int], variant: str = "production"
) -> None:
    """A whole batch at once: what observing each item would record, in O(buckets) updates.

    Per item, the histogram and counter updates cost ~5 us in multiprocess mode (each one a
    locked write to a memory-mapped file), as much as the rest of a batch item together.
    """
    observe_many(PREDICTION_SCORE.labels(variant), scores)
    PREDICTIONS.labels(variant).inc(len(scores))
    for (feature, status), count in statuses.items():
        FEATURE_STATUS.labels(feature, str(status)).inc(count)


def observe_many(histogram: Histogram, values: Sequence[float]) -> None:
    """``histogram.observe(v)`` for every value, with one update per bucket hit instead of per value.

    Uses the histogram's own bucket and sum values (prometheus_client has no bulk observe);
    ``tests/inference/test_batch_observation.py`` pins the result against ``observe``.
    """
    bounds: list[float] = histogram._upper_bounds
    hits = Tally(bisect_left(bounds, value) for value in values)
    for index, count in hits.items():
        histogram._buckets[index].inc(count)
    histogram._sum.inc(sum(values))
