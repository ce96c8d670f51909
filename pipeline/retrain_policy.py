"""When `mlops retrain` trains a new candidate: the ``retrain`` section of ``pipeline.json``.

Four triggers, each of which can be switched off with ``null``: drift of the production
model's recent inputs (the thresholds `mlops monitor run` alerts on), an accuracy drop on
delayed labels against the evaluation recorded at training time, enough new labelled data
since the production model's training set ended, and a model age (the schedule). A
cool-down keeps one drift event from starting a run per CronJob tick: the last run's time
lives on the registered model, so every scheduler agrees on it.
"""

from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from core.durations import parse_duration
from pipeline.stages import Strict


def _duration(text: str) -> str:
    parse_duration(text)  # raises ValueError naming the text; pydantic reports it at the field
    return text


Duration = Annotated[str, AfterValidator(_duration)]
"""A human duration (``30m``, ``24h``, ``7d``), checked when the file is read."""


class DriftTrigger(Strict):
    """Drift of the production model's logged inputs against its training profile."""

    window: Duration = Field(default="24h", description="Predictions of this span before now are compared.")
    ks: float = Field(default=0.15, gt=0, le=1, description="A feature drifts when its KS statistic exceeds this.")
    psi: float = Field(default=0.2, gt=0, description="... or when its PSI exceeds this.")
    min_predictions: int = Field(default=200, ge=1, description="Fewer predictions than this decide nothing.")


class AccuracyTrigger(Strict):
    """AUC on delayed labels, against the AUC recorded when the production version was trained."""

    labels: str = Field(min_length=1, description="Delayed labels (.parquet or .csv), as `mlops monitor accuracy`.")
    label_column: str = Field(default="is_fraud", min_length=1, description="Label column (1 = fraud).")
    window: Duration = Field(default="7d", description="Labelled predictions of this span before now count.")
    max_drop: float = Field(default=0.05, gt=0, lt=1, description="Relative AUC drop that triggers (0.05 = 5%).")
    min_labels: int = Field(default=200, ge=1, description="Fewer labelled predictions than this decide nothing.")
    tolerance: Duration = Field(default="1m", description="Max gap for a customer + time join of a label.")


class RetrainPolicy(Strict):
    """Triggers, cool-down and training window of `mlops retrain`; a run always ends in a canary."""

    drift: DriftTrigger | None = Field(default_factory=DriftTrigger, description="null: drift never triggers.")
    accuracy: AccuracyTrigger | None = Field(default=None, description="null (default): no label source is read.")
    new_data: Duration | None = Field(
        default=None,
        description="Trigger once the newest labelled transaction is this much newer than production's training set.",
    )
    max_model_age: Duration | None = Field(default="30d", description="Trigger when production is older than this.")
    cooldown: Duration = Field(default="6h", description="After a triggered run, none starts for this long.")
    training_window: Duration | None = Field(
        default=None, description="Train on the transactions of this span before the newest one; null: all of them."
    )

    def span(self, field: str) -> timedelta | None:
        """A duration field as a timedelta (None where the field is off)."""
        value = getattr(self, field)
        return None if value is None else parse_duration(value)
