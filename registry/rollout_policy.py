"""The rollout analysis policy: when a canary or shadow has seen enough, and what counts as worse.

It is written in the ``rollout`` section of ``pipeline.json`` (checked by `mlops pipeline
validate --strict`) or in a file of its own, and copied onto the registered model when a
rollout starts, so the analysis judges a rollout by the policy it started under even if the
file changes meanwhile. No MLflow import here: the pipeline validator loads this model.
"""

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import UserError
from core.settings import REPO_ROOT


class AnalysisPolicy(BaseModel):
    """Thresholds of the automatic analysis; the defaults are a cautious starting point."""

    model_config = ConfigDict(extra="forbid")

    canary_weight: float = Field(default=10.0, gt=0, le=100, description="Percent of customers a new canary serves.")
    min_requests: int = Field(default=200, ge=1, description="Requests each variant needs before a verdict.")
    min_duration_seconds: float = Field(default=60.0, ge=0, description="Rollout age needed before a verdict.")
    max_duration_seconds: float = Field(
        default=3600.0, gt=0, description="A rollout still short of data this long after its start is aborted."
    )
    max_error_rate_increase: float = Field(
        default=0.01, ge=0, le=1, description="Canary error rate may exceed production's by this much (absolute)."
    )
    max_p99_latency_increase_ms: float = Field(
        default=20.0, ge=0, description="Canary p99 scoring latency may exceed production's by this many ms."
    )
    max_score_psi: float = Field(default=0.2, gt=0, description="PSI bound of canary vs production scores.")
    max_score_ks: float = Field(default=0.15, gt=0, le=1, description="KS bound of canary vs production scores.")
    max_auc_drop: float = Field(
        default=0.02, ge=0, le=1, description="With delayed labels: canary AUC may trail production's by this much."
    )
    significance: float = Field(default=0.05, gt=0, lt=1, description="Level of the AUC difference test.")
    auto_promote: bool = Field(default=True, description="Promote when every check passes.")
    auto_abort: bool = Field(default=True, description="Abort when any check fails.")
    interval_seconds: float = Field(default=30.0, gt=0, description="How often `analyze --watch` runs.")


def policy_from(document: object, source: str) -> AnalysisPolicy:
    try:
        return AnalysisPolicy.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise UserError(f"{source}: rollout policy field {where}: {first['msg']}") from error


def load_policy(path: str | Path | None = None) -> dict[str, Any]:
    """The policy as a plain dict: from ``path``, else ``pipeline.json``'s ``rollout`` section, else defaults."""
    if path is not None:
        source = Path(path)
        try:
            document: object = json.loads(source.read_text())
        except (OSError, ValueError) as error:
            raise UserError(f"cannot read rollout policy {source}: {error}") from error
        if isinstance(document, dict) and "rollout" in document and "stages" in document:
            document = document["rollout"]
        return policy_from(document, str(source)).model_dump()
    default = REPO_ROOT / "pipeline.json"
    try:
        section = json.loads(default.read_text()).get("rollout", {})
    except (OSError, ValueError, AttributeError):
        section = {}
    return policy_from(section, str(default)).model_dump()
