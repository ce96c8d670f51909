"""The gradient-boosted fraud model and its time-based split."""

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

DEFAULT_PARAMS: dict[str, float | int | str] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.9,
    "seed": 7,
    "deterministic": "true",
    "num_threads": 2,
    "verbose": -1,
}


@dataclass(frozen=True)
class TrainingConfig:
    num_boost_round: int = 200
    holdout_share: float = 0.2
    params: dict[str, float | int | str] = field(default_factory=lambda: dict(DEFAULT_PARAMS))

    def __post_init__(self) -> None:
        if not 0.0 < self.holdout_share < 1.0:
            raise ValueError(f"holdout share must be between 0 and 1, got {self.holdout_share}")


def time_split(timestamps: pd.Series, holdout_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, holdout): the holdout is the latest ``holdout_share`` of rows by time.

    A random split would let the model see the future of the customers it is tested on.
    """
    cutoff = timestamps.quantile(1.0 - holdout_share)
    holdout = (timestamps > cutoff).to_numpy()
    return ~holdout, holdout


def train(features: np.ndarray, labels: np.ndarray, names: tuple[str, ...], config: TrainingConfig) -> lgb.Booster:
    dataset = lgb.Dataset(features, label=labels, feature_name=list(names), free_raw_data=True)
    return lgb.train(dict(config.params), dataset, num_boost_round=config.num_boost_round)
