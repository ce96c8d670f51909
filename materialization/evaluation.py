"""After every scheduled run: measure freshness, evaluate the alert rules, notify, export metrics."""

import logging
import time
from dataclasses import dataclass, field

from feast import FeatureStore

from materialization.alert_rules import Alert, firing_alerts
from materialization.alert_sinks import AlertSink, LogSink, SinkError, WebhookSink
from materialization.alert_state import AlertState, Notification
from materialization.freshness import ViewFreshness, check_all
from materialization.metrics import MaterializationMetrics
from materialization.records import RunLog
from materialization.settings import AlertSettings, MaterializationSettings

logger = logging.getLogger(__name__)


def default_sinks(settings: AlertSettings) -> list[AlertSink]:
    sinks: list[AlertSink] = [LogSink()]
    if settings.webhook_url:
        sinks.append(
            WebhookSink(
                settings.webhook_url,
                settings.webhook_token,
                settings.webhook_timeout.total_seconds(),
                settings.webhook_retries,
            )
        )
    return sinks


@dataclass
class Evaluation:
    freshness: list[ViewFreshness] = field(default_factory=list)
    firing: list[Alert] = field(default_factory=list)
    sent: list[Notification] = field(default_factory=list)
    delivery_errors: list[str] = field(default_factory=list)


def evaluate(
    store: FeatureStore,
    log: RunLog,
    settings: MaterializationSettings,
    sinks: list[AlertSink],
    metrics: MaterializationMetrics | None = None,
    views: list[str] | None = None,
) -> Evaluation:
    """Evaluate the rules and deliver what is due; an undelivered notification stays due for next time."""
    result = Evaluation()
    result.freshness = check_all(store, log, settings.sla_overrides, views)
    recent = {f.view: log.recent_finished(f.view, settings.alerts.zero_rows_runs) for f in result.freshness}
    result.firing = firing_alerts(result.freshness, recent, settings.alerts.zero_rows_runs)
    state = AlertState(log.path)
    now = time.time()
    for notification in state.due(result.firing, now, settings.alerts.repeat_interval):
        delivered = True
        for sink in sinks:
            try:
                sink.send(notification)
            except SinkError as error:
                delivered = False
                message = f"{sink.name}: {notification.alert.fingerprint}: {error}"
                result.delivery_errors.append(message)
                logger.error("alert not delivered: %s", message)
        if delivered:
            state.mark_sent(notification, now)
            result.sent.append(notification)
    if metrics is not None:
        for freshness in result.freshness:
            metrics.observe_freshness(freshness)
        metrics.observe_alerts(result.firing)
    return result
