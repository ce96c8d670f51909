"""The shadow scorer's queue: a record is scored by the shadow held when its request was answered."""

from types import SimpleNamespace
from typing import Any, cast

import lightgbm as lgb
import numpy as np

from inference.model import LoadedModel
from inference.rollout_models import RolloutModels
from inference.shadow import ShadowScorer
from inference.state import ServingState


class Collected:
    """The prediction log's place: what the scorer forwards, in order."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def submit(self, record: dict[str, Any]) -> None:
        self.records.append(record)


def _model(version: str) -> LoadedModel:
    rng = np.random.default_rng(7)
    features = rng.normal(size=(200, 2))
    labels = (features[:, 0] > 0).astype(int)
    booster = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(features, labels), num_boost_round=5)
    return LoadedModel("fraud", version, "svc", ("a", "b"), booster)


def test_records_queued_before_the_shadow_is_dropped_are_still_scored_by_it() -> None:
    first, second = _model("5"), _model("6")
    state = SimpleNamespace(rollout=RolloutModels(shadow=first))
    log = Collected()
    scorer = ShadowScorer(cast(ServingState, state), log)
    scorer.submit({"request_id": "r1", "a": 1.0, "b": 0.0})
    state.rollout = RolloutModels(shadow=second)  # a new shadow while r1 waits
    scorer.submit({"request_id": "r2", "a": -1.0, "b": 0.0})
    state.rollout = RolloutModels()  # the abort reaches the worker before the thread ran
    scorer.submit({"request_id": "r3", "a": 1.0, "b": 0.0})  # answered with no shadow held
    scorer.start()
    scorer.stop()

    by_id = {record["request_id"]: record for record in log.records}
    assert [record["request_id"] for record in log.records] == ["r1", "r2", "r3"]
    assert by_id["r1"]["shadow_version"] == "5"
    assert by_id["r1"]["shadow_score"] == first.predict(np.array([[1.0, 0.0]]))[0]
    assert by_id["r2"]["shadow_version"] == "6"
    assert by_id["r2"]["shadow_score"] == second.predict(np.array([[-1.0, 0.0]]))[0]
    assert "shadow_version" not in by_id["r3"] and "shadow_score" not in by_id["r3"]
