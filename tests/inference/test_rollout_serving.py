"""Canary and shadow rollouts against a real 2-worker ``mlops serve``, real Redis and MLflow.

One service walks through a whole rollout life, driven only through the registry: a 30%
canary (sticky per customer, the same split on both workers), its abort, a shadow that
scores outside [0, 1] (every response still from production, unchanged), a good shadow (its
scores logged beside production's), and a canary that is promoted.
"""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from inference.rollout_routing import in_canary
from registry.lifecycle import Lifecycle
from registry.rollout import Rollouts
from registry.version_labels import register
from tests.conftest import free_port
from tests.fixtures.candidates import Candidates
from tests.fixtures.registry_runs import Runs
from tests.inference.rollout_traffic import Answer, Client
from tests.service_process import running_service
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration

MODEL = "rollout_serving_fraud"
TOKEN = "rollout-admin-token"
WEIGHT = 30.0
CUSTOMERS = 250


def _metric(text: str, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


@pytest.fixture(scope="module")
def rollout_life(
    runs: Runs, candidates: Candidates, lifecycle: Lifecycle, generated_data: GeneratedData, tmp_path_factory: Any
) -> Iterator[dict[str, Any]]:
    def add(label: str, uri: str) -> str:
        registered = register(
            lifecycle, name=MODEL, label=label, metrics={}, params={}, model_uri=uri, tracking_uri=runs.tracking_uri
        )
        return registered.version

    v1, v2 = add("v1", runs.good), add("v2", runs.good)
    bad_shadow = add("v3-out-of-range", candidates.out_of_range)
    lifecycle.promote(MODEL, "v1", "production", reason="baseline")
    rollouts = Rollouts(lifecycle)
    customers = sorted(int(c) for c in generated_data.customer_stats["customer_id"].unique())[:CUSTOMERS]
    in_v2 = [c for c in customers if in_canary(c, WEIGHT, v2)]
    out_v2 = [c for c in customers if not in_canary(c, WEIGHT, v2)]
    log_dir = Path(tmp_path_factory.mktemp("rollout-log"))
    env = {
        "MLOPS_MODEL_NAME": MODEL,
        "MLOPS_MODEL_POLL_INTERVAL_SECONDS": "0.3",
        "MLOPS_ADMIN_TOKEN": TOKEN,
        "MLOPS_PREDICTION_LOG_DIR": str(log_dir),
        "MLOPS_PREDICTION_LOG_ROTATE_SECONDS": "1",
    }
    seen: dict[str, Any] = {"v1": v1, "v2": v2, "bad_shadow": bad_shadow, "log_dir": log_dir}
    t0 = time.monotonic()
    with running_service(free_port(), env, workers=2) as url:
        print(f"\nstarted in {time.monotonic() - t0:.1f}s")
        client = Client(url, TOKEN)
        rollouts.start(MODEL, v2, canary_percent=WEIGHT, shadow=False)
        client.settle(in_v2[0], "canary", v2)
        seen["canary"] = [client.predict(c) for c in customers for _ in range(2)]
        seen["batch"] = client.batch(customers[:60])

        seen["canary_ended"] = pd.Timestamp.now(tz="UTC")
        rollouts.abort(MODEL)
        seen["abort_reload"] = client.reload()
        client.settle(in_v2[0], "production", v1)
        seen["after_abort"] = [client.predict(c) for c in in_v2[:40]]

        rollouts.start(MODEL, bad_shadow, canary_percent=None, shadow=True)
        client.settle_shadow(bad_shadow)
        seen["bad_shadow_answers"] = [client.predict(c) for c in in_v2[:40]]
        rollouts.abort(MODEL)
        client.settle_shadow(None)

        rollouts.start(MODEL, v2, canary_percent=None, shadow=True)
        client.settle_shadow(v2)
        seen["good_shadow_answers"] = [client.predict(c) for c in customers[:50]]
        rollouts.abort(MODEL)
        client.settle_shadow(None)

        rollouts.start(MODEL, v2, canary_percent=50, shadow=False)
        client.settle(next(c for c in customers if in_canary(c, 50, v2)), "canary", v2)
        rollouts.promote(MODEL)
        client.settle(next(c for c in customers if not in_canary(c, 50, v2)), "production", v2)
        seen["after_promote"] = [client.predict(c) for c in customers[:40]]
        seen["metrics"] = [httpx.get(f"{url}/metrics").text for _ in range(3)]
        seen["all_answers"] = list(client.answers)
        print(f"phases done at {time.monotonic() - t0:.1f}s, {len(client.answers)} answers")
    seen["in_v2"], seen["out_v2"] = in_v2, out_v2
    seen["log"] = pd.concat([pd.read_parquet(path) for path in sorted(log_dir.glob("*.parquet"))], ignore_index=True)
    yield seen


def _pairs(answers: list[Answer]) -> set[tuple[str | None, str | None]]:
    return {(answer.variant, answer.version) for answer in answers}


def test_canary_serves_its_share_of_customers_sticky_and_says_so(rollout_life: dict[str, Any]) -> None:
    v1, v2 = rollout_life["v1"], rollout_life["v2"]
    answers: list[Answer] = rollout_life["canary"]
    assert {answer.status for answer in answers} == {200}
    for answer in answers:
        expected = ("canary", v2) if in_canary(answer.customer_id, WEIGHT, v2) else ("production", v1)
        assert (answer.variant, answer.version) == expected
        assert (answer.header_variant, answer.header_version) == expected
    share = len(rollout_life["in_v2"]) / CUSTOMERS
    assert abs(share - WEIGHT / 100) < 0.06, share
    headers, batch = rollout_life["batch"]
    assert [item["variant"] == "canary" for item in batch] == [
        in_canary(item["customer_id"], WEIGHT, v2) for item in batch
    ]
    assert (headers["x-model-variant"], headers["x-model-version"]) in {
        ("production,canary", f"{v1},{v2}"),
        ("canary,production", f"{v2},{v1}"),
    }


def test_both_workers_route_the_same_customers_to_the_canary(rollout_life: dict[str, Any]) -> None:
    log: pd.DataFrame = rollout_life["log"]
    canary_rows = log[(log["variant"] == "canary") & (log["timestamp"] < rollout_life["canary_ended"])]
    assert canary_rows["customer_id"].isin(rollout_life["in_v2"]).all()
    assert canary_rows["model_version"].eq(rollout_life["v2"]).all()
    assert len(canary_rows) >= len(rollout_life["in_v2"]) * 2
    pids = {Path(name).name.split("-")[2] for name in rollout_life["log_dir"].glob("*.parquet")}
    assert len(pids) == 2


def test_abort_and_promote_are_followed_by_every_worker(rollout_life: dict[str, Any]) -> None:
    v1, v2 = rollout_life["v1"], rollout_life["v2"]
    assert _pairs(rollout_life["after_abort"]) == {("production", v1)}
    assert rollout_life["abort_reload"]["rollout"]["canary_version"] is None
    assert _pairs(rollout_life["after_promote"]) == {("production", v2)}
    assert {answer.status for answer in rollout_life["all_answers"]} == {200}


def test_a_shadow_that_scores_garbage_changes_no_response(rollout_life: dict[str, Any]) -> None:
    v1, bad = rollout_life["v1"], rollout_life["bad_shadow"]
    baseline = {answer.customer_id: answer.probability for answer in rollout_life["after_abort"]}
    shadowed: list[Answer] = rollout_life["bad_shadow_answers"]
    assert _pairs(shadowed) == {("production", v1)}
    assert [answer.probability for answer in shadowed] == [baseline[answer.customer_id] for answer in shadowed]
    log: pd.DataFrame = rollout_life["log"]
    rows = log[log["shadow_version"] == bad]
    assert len(rows) >= len(shadowed)
    assert rows["shadow_score"].isna().all()
    assert rows["shadow_error"].str.contains(r"outside \[0, 1\]").all()
    for text in rollout_life["metrics"]:
        assert _metric(text, "prediction_errors_total", variant="shadow") == len(rows)


def test_a_good_shadow_logs_its_score_beside_production(rollout_life: dict[str, Any]) -> None:
    log: pd.DataFrame = rollout_life["log"]
    rows = log[(log["shadow_version"] == rollout_life["v2"]) & log["shadow_error"].isna()]
    assert len(rows) >= len(rollout_life["good_shadow_answers"])
    assert np.allclose(rows["shadow_score"], rows["score"], rtol=0, atol=1e-12)  # same booster as production
    assert (rows["variant"] == "production").all()
    canary_answers = sum(answer.variant == "canary" for answer in rollout_life["all_answers"])
    for text in rollout_life["metrics"]:
        assert _metric(text, "predictions_total", variant="shadow") == len(rows)
        assert _metric(text, "predictions_total", variant="canary") == canary_answers
        assert _metric(text, "prediction_score_count", variant="canary") == canary_answers
        assert _metric(text, "shadow_dropped_total") == 0
