"""Feast's own CLI on the shipped configuration: `feast apply` and `feast materialize-incremental`."""

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from feast import FeatureStore

from core.paths import REPO_ROOT
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration

FEAST = str(Path(sys.executable).parent / "feast")


def _feast(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FEAST, *args], cwd=cwd, env=os.environ.copy(), capture_output=True, text=True, timeout=300)


def test_feast_cli_applies_and_materializes_the_shipped_repository(
    tmp_path: Path, redis_server: object, generated_data: GeneratedData
) -> None:
    for name in ("feature_store.yaml", ".feastignore"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    shutil.copytree(REPO_ROOT / "feature_repo", tmp_path / "feature_repo", ignore=shutil.ignore_patterns("__pycache__"))

    applied = _feast(["apply"], tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert "customer_stats" in applied.stdout
    materialized = _feast(["materialize-incremental", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")], tmp_path)
    assert materialized.returncode == 0, materialized.stderr

    store = FeatureStore(repo_path=str(tmp_path))
    assert store.get_feature_view("customer_stats").ttl is not None
    latest = generated_data.customer_stats.sort_values(["event_timestamp", "created_timestamp"]).iloc[-1]
    online = store.get_online_features(
        features=store.get_feature_service("fraud_detector_v1"),
        entity_rows=[{"customer_id": int(latest["customer_id"])}],
    ).to_dict()
    assert online["avg_order_value"] == [pytest.approx(float(latest["avg_order_value"]))]


def test_the_virtual_environment_defaults_redis_to_localhost() -> None:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_CONNECTION_STRING"}
    result = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ['REDIS_CONNECTION_STRING'])"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "127.0.0.1:6379"
    exported = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ['REDIS_CONNECTION_STRING'])"],
        env={**env, "REDIS_CONNECTION_STRING": "redis.internal:6380"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert exported.stdout.strip() == "redis.internal:6380", "an exported value must win over the default"


def test_feature_view_keeps_its_declared_contract(feature_store: FeatureStore) -> None:
    view = feature_store.get_feature_view("customer_stats")
    assert view.ttl is not None and view.ttl.total_seconds() == 2 * 86_400
    assert view.online
    assert {"owner", "freshness_sla"} <= set(view.tags)
    assert all(field.description for field in view.features)
    assert [f.name for f in view.features] == [
        "total_purchases",
        "avg_order_value",
        "days_since_last_order",
        "lifetime_value",
    ]
    assert pd.Timedelta(view.tags["freshness_sla"]) < view.ttl
