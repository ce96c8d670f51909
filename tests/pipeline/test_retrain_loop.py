"""Scenario 1 of the loop, as a user runs it: the feed shifts, monitoring flags drift, `mlops retrain`
trains and starts a canary, traffic splits by customer, analysis promotes it; no request fails.

Everything is real and in its own project (Redis, Feast registry, MLflow backend, data folder):
a 2-worker `mlops serve`, `mlops data append --shift`, `mlops materialize run`, `mlops monitor
run`, `mlops retrain` and `mlops rollout analyze`, each a subprocess with the project's environment.
"""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.root import REPO_ROOT
from inference.rollout_routing import in_canary
from tests.conftest import free_port
from tests.fixtures.isolated_project import IsolatedProject, make_isolated_project
from tests.inference.rollout_traffic import Answer, Client
from tests.service_process import running_service
from upstream.generate import GeneratedData

TOKEN = "retrain-loop-token"
WEIGHT = 30.0
ROLLOUT = {
    "canary_weight": WEIGHT,
    "min_requests": 20,
    "min_duration_seconds": 0,
    "max_duration_seconds": 600,
    "max_p99_latency_increase_ms": 200,
    # Canary and production score different customers (~50 vs ~100 here): decile PSI of so few
    # is noise. KS (0.15) still compares the score distributions.
    "max_score_psi": 1.0,
    "interval_seconds": 0.5,
}
RETRAIN = {
    # PSI over deciles of the integer days_since_last_order reads ~0.3 on unshifted replayed traffic
    # (the synthetic history is not stationary); the x3 shift below reads KS ~0.6 and PSI > 1.
    "drift": {"window": "1h", "ks": 0.15, "psi": 0.5, "min_predictions": 100},
    "new_data": None,
    "max_model_age": None,
    "cooldown": "1h",
}


def _pipeline(folder: Path) -> Path:
    """The shipped pipeline with a faster train stage, a lower bar and a rollout policy a test can satisfy.

    The loop is under test, not the model: the synthetic data moves with the calendar, and a
    60-round model on it scored auc 0.845 one day, under the shipped 0.85. The gate still holds
    the candidate within ``max_regression`` of production on the same holdout.
    """
    document = json.loads((REPO_ROOT / "pipeline.json").read_text())
    for stage in document["stages"]:
        if stage["type"] == "train":
            stage["params"]["num_boost_round"] = 60
        if stage["type"] == "evaluate" and stage["params"].get("gate"):
            stage["params"]["gate"]["threshold"] = 0.75
    document["rollout"], document["retrain"] = ROLLOUT, RETRAIN
    path = folder / "pipeline.json"
    path.write_text(json.dumps(document))
    return path


def _json(project: IsolatedProject, *args: str, expect: int = 0) -> dict[str, Any]:
    result = project.run(*args, "--json", check=False)
    assert result.returncode == expect, f"mlops {' '.join(args)} -> {result.returncode}\n{result.stderr}"
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def _replay(data: GeneratedData, rows: int = 200) -> list[tuple[int, float]]:
    """The day's last transactions of customers whose features are online: traffic as production sees it.

    A constant amount would itself be drift (a point mass against the training distribution).
    """
    stats, transactions = data.customer_stats, data.transactions
    fresh = stats.loc[stats["event_timestamp"] >= stats["event_timestamp"].max() - pd.Timedelta("1d"), "customer_id"]
    recent = transactions[transactions["customer_id"].isin(set(fresh))].sort_values("event_timestamp").tail(rows)
    return [(int(c), float(a)) for c, a in zip(recent["customer_id"], recent["amount"], strict=True)]


def _traffic(client: Client, requests: list[tuple[int, float]]) -> list[Answer]:
    answers = [client.predict(customer, amount) for customer, amount in requests]
    time.sleep(2.5)  # the service closes its prediction log file each second; readers see closed files only
    return answers


@pytest.fixture(scope="module")
def loop(generated_data: GeneratedData, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("retrain-loop")
    project = make_isolated_project(folder, "retrain_loop")
    # Its own MLflow backend too: the session's already holds versions of fraud_detector.
    project.env["MLFLOW_TRACKING_URI"] = f"sqlite:///{folder / 'mlflow.db'}"
    try:
        yield _walk(project, folder, generated_data)
    finally:
        project.redis.stop()


def _walk(project: IsolatedProject, folder: Path, generated_data: GeneratedData) -> dict[str, Any]:
    """The whole loop, recording what each step answered."""
    pipeline = _pipeline(folder)
    project.run("pipeline", "run", "--pipeline", str(pipeline))
    requests = _replay(generated_data)
    customers = sorted({customer for customer, _ in requests})
    seen: dict[str, Any] = {"customers": customers}
    env = {**project.env, "MLOPS_MODEL_POLL_INTERVAL_SECONDS": "0.3", "MLOPS_ADMIN_TOKEN": TOKEN}
    env["MLOPS_PREDICTION_LOG_ROTATE_SECONDS"] = "1"
    with running_service(free_port(), env, workers=2) as url:
        client = Client(url, TOKEN)
        seen["before"] = _traffic(client, requests)
        seen["quiet"] = _json(project, "retrain", "--pipeline", str(pipeline))
        print(f"\nbefore the shift: {seen['quiet']['triggers']}")

        project.run("data", "append", "--shift", "3")
        project.run("materialize", "run")
        seen["shifted"] = _traffic(client, requests)
        seen["monitor"] = _json(project, "monitor", "run", "--last", "1h", expect=1)

        drift_seen = time.monotonic()
        seen["retrain"] = _json(project, "retrain", "--pipeline", str(pipeline))
        candidate = seen["retrain"]["candidate"]
        first = next(c for c in customers if in_canary(c, WEIGHT, candidate))
        try:
            client.settle(first, "canary", candidate)
        except AssertionError:
            print(f"admin/model: {client.admin_model()}; last answers {client.answers[-3:]}")
            raise
        seen["to_canary_seconds"] = time.monotonic() - drift_seen
        seen["canary"] = [*_traffic(client, requests), *_traffic(client, requests)]
        seen["again"] = _json(project, "retrain", "--pipeline", str(pipeline))
        seen["analyze"] = _json(project, "rollout", "analyze")
        client.settle(next(c for c in customers if not in_canary(c, WEIGHT, candidate)), "production", candidate)
        seen["after"] = [client.predict(customer) for customer in customers[:50]]
        seen["answers"] = list(client.answers)
    seen["registry"] = json.loads(project.run("registry", "list", "--json").stdout)
    seen["audit"] = project.run("registry", "history", "--name", "fraud_detector").stdout
    print(f"\nanalysis: {seen['analyze']}")
    print(
        f"\ndrift seen -> canary serving: {seen['to_canary_seconds']:.1f}s (retrain took {seen['retrain']['seconds']}s)"
    )
    return seen


pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_no_trigger_before_the_shift(loop: dict[str, Any]) -> None:
    quiet = loop["quiet"]
    assert quiet["outcome"] == "no_trigger", quiet
    assert [trigger["kind"] for trigger in quiet["triggers"]] == ["drift"]
    assert quiet["candidate"] is None


def test_the_shift_is_drift_to_monitoring_and_to_retrain(loop: dict[str, Any]) -> None:
    assert "avg_order_value" in loop["monitor"]["alert_features"]
    record = loop["retrain"]
    drift = next(trigger for trigger in record["triggers"] if trigger["kind"] == "drift")
    assert drift["fired"] and "avg_order_value" in str(drift["detail"])
    assert record["outcome"] == "canary_started", record
    assert (record["production"], record["candidate"], record["canary_weight"]) == ("1", "2", WEIGHT)
    assert record["gate"]["value"] >= record["gate"]["threshold"]


def test_canary_split_is_sticky_and_by_weight(loop: dict[str, Any]) -> None:
    customers, candidate = loop["customers"], loop["retrain"]["candidate"]
    answers: dict[int, set[tuple[str | None, str | None]]] = {}
    for answer in loop["canary"]:
        answers.setdefault(answer.customer_id, set()).add((answer.variant, answer.version))
    expected = {
        c: {("canary", candidate)} if in_canary(c, WEIGHT, candidate) else {("production", "1")} for c in customers
    }
    assert answers == expected  # one model per customer on both workers, as the hash says
    share = sum(in_canary(c, WEIGHT, candidate) for c in customers) / len(customers)
    assert abs(share - WEIGHT / 100) < 0.08


def test_cool_down_and_running_rollout_stop_a_second_run(loop: dict[str, Any]) -> None:
    again = loop["again"]
    assert again["outcome"] == "cooldown", again
    assert again["candidate"] is None


def test_analysis_promotes_and_archives_the_previous_production(loop: dict[str, Any]) -> None:
    assert loop["analyze"]["action"] == "promoted", loop["analyze"]
    versions = {str(v["version"]): v for v in loop["registry"]}
    assert "production" in versions["2"]["aliases"] and "archived" in versions["1"]["aliases"]
    assert "retrain" in loop["audit"] and "canary_started" in loop["audit"]
    assert {(a.variant, a.version) for a in loop["after"]} == {("production", "2")}


def test_no_request_failed_throughout(loop: dict[str, Any]) -> None:
    statuses = pd.Series([answer.status for answer in loop["answers"]])
    assert statuses.eq(200).all(), statuses.value_counts().to_dict()
