"""The scheduler's lock, the freshness sampler and ``mlops freshness check`` on a real Redis Cluster.

Both used to connect through a parser that kept one host and port, so on a cluster they saw
one master (or hit MOVED). They now build their client from Feast's config, and these tests
run them against the three-master, password-protected cluster that ``cluster_store`` fills.
"""

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from feast import FeatureStore

from core.feast_adapter import decode_timestamp, stored_view_name, timestamp_field
from core.redis_client import RedisTarget, sync_client
from materialization.alert_sinks import LogSink
from materialization.metrics import MaterializationMetrics
from materialization.online_sample import sample_online
from materialization.records import RunLog
from materialization.scheduler import ViewJob
from materialization.settings import MaterializationSettings
from stack.redis_cluster import LocalRedisCluster
from upstream.generate import GeneratedData

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

MLOPS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "mlops"
VIEW = "customer_stats"


def _newest_written(generated_data: GeneratedData) -> float:
    """Every snapshot is inside the fixture's materialization window, so the newest one is online."""
    return float(generated_data.customer_stats["event_timestamp"].max().timestamp())


def _keys_per_master(cluster: LocalRedisCluster, project: str, ts_field: bytes) -> list[tuple[int, int, float]]:
    """For each master, read directly: (project keys, keys holding the view's ``_ts``, newest ``_ts``)."""
    counts = []
    for node in cluster.nodes:
        client = node.endpoint.client(timeout=5.0)
        keys = list(client.scan_iter(match=b"*" + project.encode(), count=1000))
        stamps = [decode_timestamp(raw) for raw in (client.hget(key, ts_field) for key in keys) if raw]  # type: ignore[arg-type]
        counts.append((len(keys), len(stamps), max(stamps, default=0.0)))
        client.close()
    return counts


def test_the_scheduler_lock_lives_in_the_cluster_and_excludes_a_second_replica(
    cluster_store: FeatureStore, redis_cluster: LocalRedisCluster, tmp_path: Path
) -> None:
    settings = MaterializationSettings(lock_ttl=timedelta(seconds=37))
    log = RunLog(tmp_path / "runs.db")
    job = ViewJob(cluster_store, log, settings, [LogSink()], MaterializationMetrics())
    target = RedisTarget.from_feast(cluster_store.config.online_store)
    assert target.cluster and len(target.nodes) == 3
    first_client, second_client = sync_client(target, 5.0), sync_client(target, 5.0)
    assert isinstance(first_client, redis.RedisCluster)
    observer = redis_cluster.client()
    first, second = job.lock(first_client, VIEW), job.lock(second_client, VIEW)
    try:
        assert first.acquire()
        assert not second.acquire()
        assert second.locked()
        assert job(VIEW) is None  # a whole scheduled tick, through its own cluster client: skipped
        assert log.history() == []

        # The key is on the master that owns its slot, with the configured TTL.
        assert observer.get(first.name) == first.local.token
        assert 30_000 < int(observer.pttl(first.name)) <= 37_000  # type: ignore[arg-type]  # sync client
        owner = observer.get_node_from_key(first.name)  # type: ignore[no-untyped-call]
        on_owner = redis.Redis(owner.host, owner.port, password=redis_cluster.password)
        assert on_owner.get(first.name) == first.local.token
        on_owner.close()

        # Renewal (a Lua script, routed by key) restores the full TTL.
        observer.pexpire(first.name, 5_000)
        first.reacquire()
        assert int(observer.pttl(first.name)) > 30_000  # type: ignore[arg-type]  # sync client

        first.release()
        assert observer.exists(first.name) == 0
        assert second.acquire()
        assert not first.acquire()
        second.release()
        assert not job.lock(first_client, VIEW).locked()
    finally:
        observer.delete(first.name)
        for client in (first_client, second_client, observer):
            client.close()


def test_the_freshness_sampler_reads_every_master(
    cluster_store: FeatureStore, redis_cluster: LocalRedisCluster, generated_data: GeneratedData
) -> None:
    view = cluster_store.get_feature_view(VIEW)
    ts_field = timestamp_field(stored_view_name(view, cluster_store.config))
    per_master = _keys_per_master(redis_cluster, cluster_store.config.project, ts_field)
    assert len(per_master) == 3 and all(keys > 100 and with_view > 100 for keys, with_view, _ in per_master), per_master
    newest = _newest_written(generated_data)
    assert max(stamp for _, _, stamp in per_master) == pytest.approx(newest, abs=1e-6)

    everything = sample_online(cluster_store, view, max_keys=10**6)
    assert everything.keys_sampled == sum(keys for keys, _, _ in per_master)
    assert everything.keys_with_view == sum(with_view for _, with_view, _ in per_master)
    assert everything.newest_event == pytest.approx(newest, abs=1e-6)
    assert everything.nodes_sampled == 3

    # The default sample is smaller than one master's share, and still takes keys from all three.
    default = sample_online(cluster_store, view)
    assert default.keys_sampled == 500 and default.nodes_sampled == 3
    assert 0 < default.keys_with_view <= 500
    assert default.newest_event == pytest.approx(newest, abs=1e-6)


def test_mlops_freshness_check_on_the_cluster(
    cluster_store: FeatureStore, cluster_env: dict[str, str], generated_data: GeneratedData, tmp_path: Path
) -> None:
    env = {**os.environ, **cluster_env, "MLOPS_MATERIALIZATION_DB": str(tmp_path / "runs.db")}
    command = [str(MLOPS), "freshness", "check", "--json", "--view", VIEW]
    checked = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (report,) = json.loads(checked.stdout)
    newest = _newest_written(generated_data)
    assert report["view"] == VIEW and report["verdict"] == "fresh" and report["breached"] is False
    assert report["sla_seconds"] == 26 * 3600
    assert report["tracked_newest_event"] is None  # no run records here: the verdict rests on the sample
    assert report["sampled_keys"] == 500
    assert report["sampled_newest_event"] == pytest.approx(newest, abs=1e-6)
    assert report["source_newest_event"] == pytest.approx(newest, abs=1e-6)
    assert 0 <= report["data_age_seconds"] < 24 * 3600

    # The same data under a one-second SLA: breached, and blamed on upstream (the source has nothing newer).
    (tmp_path / "tight.yaml").write_text(f"views:\n  {VIEW}:\n    freshness_sla: 1s\n")
    tight = subprocess.run(
        [*command, "--config", str(tmp_path / "tight.yaml")], env=env, capture_output=True, text=True, timeout=120
    )
    assert tight.returncode == 1, tight.stdout + tight.stderr
    (breached,) = json.loads(tight.stdout)
    assert breached["breached"] is True and breached["verdict"] == "upstream_stopped"
    assert f"freshness SLA breached for {VIEW}" in tight.stderr
