"""Holdout metrics and the evaluation gate."""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

GATE_METRICS = ("auc", "precision", "recall", "f1")


@dataclass(frozen=True)
class Metrics:
    auc: float
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, float]:
        return {"auc": self.auc, "precision": self.precision, "recall": self.recall, "f1": self.f1}


def evaluate(labels: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> Metrics:
    """ROC AUC on scores; precision, recall and F1 at ``threshold``."""
    if len(np.unique(labels)) < 2:
        raise ValueError("the holdout holds a single class; generate more data or move the split")
    predicted = scores >= threshold
    return Metrics(
        auc=float(roc_auc_score(labels, scores)),
        precision=float(precision_score(labels, predicted, zero_division=0)),
        recall=float(recall_score(labels, predicted, zero_division=0)),
        f1=float(f1_score(labels, predicted, zero_division=0)),
    )


@dataclass(frozen=True)
class Gate:
    """A model may be promoted only when ``metric >= threshold`` on the holdout."""

    metric: str = "auc"
    threshold: float = 0.85

    def __post_init__(self) -> None:
        if self.metric not in GATE_METRICS:
            raise ValueError(f"gate metric must be one of {', '.join(GATE_METRICS)}, got {self.metric!r}")


@dataclass(frozen=True)
class GateVerdict:
    gate: Gate
    value: float

    @property
    def passed(self) -> bool:
        return self.value >= self.gate.threshold

    def describe(self) -> str:
        outcome = "PASSED" if self.passed else "FAILED"
        return f"gate {outcome}: {self.gate.metric} = {self.value:.4f} (needs >= {self.gate.threshold})"


def judge(metrics: Metrics, gate: Gate) -> GateVerdict:
    return GateVerdict(gate=gate, value=metrics.as_dict()[gate.metric])
