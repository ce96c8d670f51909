"""Freshness of the streamed view, for Prometheus: consumer lag, newest event age, event-to-online time."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

PREFIX = "mlops_stream"


class StreamMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.lag = Gauge(f"{PREFIX}_consumer_lag_entries", "Stream entries the group has not read yet.", registry=r)
        self.unacked = Gauge(
            f"{PREFIX}_unacknowledged_entries", "Entries processed but awaiting their offline append.", registry=r
        )
        self.last_event_age = Gauge(
            f"{PREFIX}_last_event_age_seconds", "Now minus the event time of the newest event processed.", registry=r
        )
        self.event_to_online = Histogram(
            f"{PREFIX}_event_to_online_seconds",
            "Event time to its velocity row being online (p99 via histogram_quantile).",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, float("inf")),
            registry=r,
        )
        self.events = Counter(f"{PREFIX}_events_total", "Events applied to the windows.", registry=r)
        self.bad_events = Counter(f"{PREFIX}_bad_events_total", "Entries that were not transactions.", registry=r)
        self.rows = Counter(f"{PREFIX}_rows_total", "Velocity rows pushed.", ["to"], registry=r)
