"""Prometheus metrics, exported as timestamps and counters so that alert rules compute ages.

Ages are deliberately not exported: ``time() - <timestamp>`` in the rule keeps rising when
the exporter itself stops updating, whereas an exported age would freeze at its last value.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge

from materialization.alert_rules import Alert
from materialization.freshness import ViewFreshness
from materialization.jobs import ViewOutcome

PREFIX = "mlops_materialization"


class MaterializationMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.last_success = Gauge(
            f"{PREFIX}_last_success_timestamp_seconds", "End of the view's last successful run.", ["view"], registry=r
        )
        self.newest_event = Gauge(
            f"{PREFIX}_newest_event_timestamp_seconds",
            "Newest event timestamp in the online store for the view.",
            ["view"],
            registry=r,
        )
        self.source_newest_event = Gauge(
            f"{PREFIX}_source_newest_event_timestamp_seconds",
            "Newest event timestamp in the view's offline source.",
            ["view"],
            registry=r,
        )
        self.sla = Gauge(f"{PREFIX}_freshness_sla_seconds", "The view's freshness SLA.", ["view"], registry=r)
        self.rows_read = Counter(f"{PREFIX}_rows_read", "Rows Feast read for the view.", ["view"], registry=r)
        self.rows_written = Counter(f"{PREFIX}_rows_written", "Rows written to the online store.", ["view"], registry=r)
        self.runs = Counter(f"{PREFIX}_runs", "Finished runs by status.", ["view", "status"], registry=r)
        self.failures = Counter(f"{PREFIX}_failures", "Failed runs.", ["view"], registry=r)
        self.alerts = Gauge(
            f"{PREFIX}_alert_firing", "1 while the alert fires.", ["rule", "view", "severity", "cause"], registry=r
        )
        self._alert_series: set[tuple[str, str, str, str]] = set()

    def observe_run(self, outcome: ViewOutcome, finished_at: float) -> None:
        self.rows_read.labels(outcome.view).inc(outcome.rows_read)
        self.rows_written.labels(outcome.view).inc(outcome.rows_written)
        self.runs.labels(outcome.view, outcome.status).inc()
        if outcome.status == "failed":
            self.failures.labels(outcome.view).inc()
        else:
            self.failures.labels(outcome.view)  # exported as 0 so that increase() sees the first failure
        if outcome.status == "success":
            self.last_success.labels(outcome.view).set(finished_at)

    def observe_freshness(self, result: ViewFreshness) -> None:
        if result.online_newest is not None:
            self.newest_event.labels(result.view).set(result.online_newest)
        if result.source_newest is not None:
            self.source_newest_event.labels(result.view).set(result.source_newest)
        if result.sla_seconds is not None:
            self.sla.labels(result.view).set(result.sla_seconds)
        if result.last_success_at is not None:
            self.last_success.labels(result.view).set(result.last_success_at)

    def observe_alerts(self, firing: list[Alert]) -> None:
        """Firing alerts are 1; a resolved alert's series is removed (absent means not firing)."""
        now = {(a.rule, a.view, a.severity.value, a.cause) for a in firing}
        for labels in self._alert_series - now:
            self.alerts.remove(*labels)
        for labels in now:
            self.alerts.labels(*labels).set(1)
        self._alert_series = now
