"""Alerts against real Redis, real Feast and a real local HTTP receiver."""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from feast import FeatureStore
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from materialization.alert_sinks import LogSink, WebhookSink
from materialization.evaluation import evaluate
from materialization.freshness import Verdict
from materialization.jobs import JobOptions, run_materialization
from materialization.metrics import MaterializationMetrics
from materialization.records import RunLog
from materialization.settings import AlertSettings, MaterializationSettings
from stack.feast_repo import write_repo
from stack.redis_server import LocalRedis
from tests.conftest import free_port
from tests.materialization.conftest import snapshot_view_project, write_snapshots
from tests.materialization.webhook_receiver import webhook_receiver
from upstream.append import append_snapshots


def _dead_redis_store(store: FeatureStore, folder: Path) -> FeatureStore:
    """The same project and registry, configured with a Redis that is not running."""
    write_repo(
        folder,
        store.config.project,
        connection_string=f"127.0.0.1:{free_port()}",
        registry=Path(store.repo_path) / "registry.db",
    )
    return FeatureStore(repo_path=str(folder))


def test_stale_view_alerts_by_cause_deduplicates_and_resolves(
    redis_server: LocalRedis, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "stats.parquet"
    now = datetime.now(UTC)
    write_snapshots(source, 50, now - timedelta(hours=3))
    store = snapshot_view_project("mat_alerts", source, sla="1h")
    log = RunLog(tmp_path / "runs.db")
    assert run_materialization(store, log, now, now - timedelta(days=1))[0].rows_written == 50
    settings = MaterializationSettings(alerts=AlertSettings(repeat_interval=timedelta(hours=1)))
    metrics = MaterializationMetrics()

    with webhook_receiver() as (url, received):
        sinks = [LogSink(), WebhookSink(url, "s3cret", timeout=2.0, retries=2, backoff=0.01)]
        received.fail_next = 1  # the first POST gets a 503 and is retried

        # 1. Upstream stopped: the online store holds everything the source has, and it is 3h old.
        with caplog.at_level(logging.WARNING, logger="materialization.alerts"):
            first = evaluate(store, log, settings, sinks, metrics)
        assert [f.verdict for f in first.freshness] == [Verdict.UPSTREAM_STOPPED]
        assert len(received.texts) == 1
        assert received.texts[0].startswith("FIRING [critical] freshness_breach on stats")
        assert "upstream stopped" in received.texts[0]
        assert "materializer failing" not in received.texts[0]
        assert received.headers[0]["Authorization"] == "Bearer s3cret"
        assert received.bodies[0]["attachments"][0]["color"] == "danger"
        assert '"status": "firing", "rule": "freshness_breach"' in caplog.text

        # Within the repeat interval the same alert is not sent again.
        assert evaluate(store, log, settings, sinks, metrics).sent == []
        assert len(received.texts) == 1

        # 2. Upstream resumes but materialization fails (its Redis is down): a different cause.
        append_snapshots(source, now - timedelta(minutes=10), seed=1)
        dead = _dead_redis_store(store, tmp_path / "dead")
        failed = run_materialization(
            dead, log, datetime.now(UTC), options=JobOptions(retries=1, retry_backoff=timedelta(0))
        )
        assert (failed[0].status, failed[0].attempts) == ("failed", 2)
        second = evaluate(store, log, settings, sinks, metrics)
        assert [f.verdict for f in second.freshness] == [Verdict.MATERIALIZER_FAILING]
        new_texts = received.texts[1:]
        assert any(t.startswith("RESOLVED [critical] freshness_breach on stats") for t in new_texts)
        failing = [t for t in new_texts if t.startswith("FIRING [critical] freshness_breach")]
        assert len(failing) == 1
        assert "materializer failing" in failing[0] and "upstream stopped" not in failing[0]
        assert "ConnectionError" in failing[0] or "Connection" in failing[0]
        assert any(t.startswith("FIRING [warning] materialization_failed on stats") for t in new_texts)
        exported = generate_latest(metrics.registry).decode()
        assert 'mlops_materialization_alert_firing{cause="materializer_failing"' in exported
        assert "upstream_stopped" not in exported

        # 3. A successful run brings the view within its SLA: both alerts resolve.
        ok = run_materialization(store, log, datetime.now(UTC))
        assert (ok[0].status, ok[0].rows_written) == ("success", 50)
        before = len(received.texts)
        third = evaluate(store, log, settings, sinks, metrics)
        assert [f.verdict for f in third.freshness] == [Verdict.FRESH]
        resolved = sorted(received.texts[before:])
        assert [t.split(" on ")[0] for t in resolved] == [
            "RESOLVED [critical] freshness_breach",
            "RESOLVED [warning] materialization_failed",
        ]
        assert all(body["attachments"][0]["color"] == "good" for body in received.bodies[before:])
        assert evaluate(store, log, settings, sinks, metrics).sent == []
        exported = generate_latest(metrics.registry).decode()
        assert "mlops_materialization_alert_firing{" not in exported
        samples = {
            sample.name: sample.value
            for family in text_string_to_metric_families(exported)
            for sample in family.samples
        }
        newest = pd.Timestamp(now - timedelta(minutes=10)).floor("us").timestamp()
        assert samples["mlops_materialization_newest_event_timestamp_seconds"] == pytest.approx(newest, abs=1e-3)
        assert samples["mlops_materialization_source_newest_event_timestamp_seconds"] == pytest.approx(newest, abs=1e-3)
        assert samples["mlops_materialization_freshness_sla_seconds"] == 3600


def test_an_unreachable_webhook_is_reported_and_the_alert_stays_due(redis_server: LocalRedis, tmp_path: Path) -> None:
    source = tmp_path / "stats.parquet"
    write_snapshots(source, 5, datetime.now(UTC) - timedelta(hours=3))
    store = snapshot_view_project("mat_nohook", source, sla="1h")
    log = RunLog(tmp_path / "runs.db")
    run_materialization(store, log, datetime.now(UTC), datetime.now(UTC) - timedelta(days=1))
    settings = MaterializationSettings()
    unreachable = WebhookSink(f"http://127.0.0.1:{free_port()}/", None, timeout=0.5, retries=1, backoff=0.01)

    result = evaluate(store, log, settings, [LogSink(), unreachable])
    assert result.sent == []
    assert len(result.delivery_errors) == 1
    assert "webhook delivery failed after 2 attempt(s): ConnectError" in result.delivery_errors[0]
    with webhook_receiver() as (url, received):
        retried = evaluate(store, log, settings, [LogSink(), WebhookSink(url, None, 2.0, 0)])
        assert len(retried.sent) == 1
        assert "upstream stopped" in received.texts[0]
