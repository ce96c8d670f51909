"""Canary and shadow rollouts against a real 2-worker ``mlops serve``, real Redis and MLflow.

One service walks through a whole rollout life, driven only through the registry: a 30%
canary (sticky per customer, the same split on both workers), its abort, a shadow that
scores outside [0, 1] (every response still from production, unchanged), a good shadow (its
scores logged beside production's), and canaries that are aborted and promoted
(``tests/fixtures/rollout_life.py``).
"""

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from inference.rollout_routing import in_canary
from tests.fixtures.rollout_life import CUSTOMERS, WEIGHT
from tests.inference.rollout_traffic import Answer

pytestmark = pytest.mark.integration


def _metric(text: str, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


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
    assert _pairs(rollout_life["after_bad_canary"]) == {("production", v1)}
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
