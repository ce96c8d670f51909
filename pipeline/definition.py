"""The declarative training pipeline: the file format, its JSON Schema, and the runnable form.

A pipeline is a small DAG of typed stages (``depends_on`` defaults to the stage listed
before), an evaluation gate, and a rollback policy. The same file drives `mlops pipeline
run` on one machine and the Airflow DAG in ``deploy/airflow``. The pydantic models below
are the one description of the format: the validator checks files with them, and `mlops
pipeline schema` exports them for editors and CI.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ConfigDict, Field

from pipeline.retrain_policy import RetrainPolicy
from pipeline.stages import Stage, StageBase, Strict
from registry.rollout_policy import AnalysisPolicy

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class RollbackPolicy(Strict):
    """What happens after a deploy to production: check the new version loads, undo if not."""

    automatic: bool = Field(default=False, description="Move production back at once when verification fails.")
    verify: Literal["load"] | None = Field(
        default=None, description='"load": load the new production version the way the service will.'
    )


class PipelineDocument(Strict):
    """A training pipeline: stages from data to deploy, a gate before deploy, a rollback policy."""

    model_config = ConfigDict(title="Pipeline")

    schema_uri: str | None = Field(
        default=None,
        alias="$schema",
        description="The JSON Schema this file follows (`mlops pipeline schema`), for editors.",
    )
    name: str = Field(min_length=1, description="Pipeline (and Airflow DAG) id.")
    description: str = Field(default="", description="Shown in the Airflow DAG's documentation.")
    model: str = Field(min_length=1, description="Registered model name in MLflow.")
    feature_service: str = Field(min_length=1, description="Feast feature service to train with.")
    stages: list[Stage] = Field(min_length=1, description="Stages; each runs after its depends_on.")
    rollback: RollbackPolicy | None = Field(default=None, description="Required: how a bad deploy is undone.")
    rollout: AnalysisPolicy | None = Field(
        default=None, description="Canary/shadow analysis policy (`mlops rollout`); absent means its defaults."
    )
    retrain: RetrainPolicy | None = Field(
        default=None, description="Triggers and cool-down of `mlops retrain`; absent means its defaults."
    )


class PipelineFileError(ValueError):
    """The file cannot be read or parsed at all."""


def read_document(path: Path) -> object:
    """Parse JSON (``.json``) or YAML (anything else)."""
    try:
        text = path.read_text()
    except OSError as error:
        raise PipelineFileError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise PipelineFileError(
            f"{path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {error}"
        ) from error


def pipeline_schema() -> dict[str, Any]:
    """The file format as JSON Schema: editors complete and check the file with it, CI can too."""
    return {"$schema": JSON_SCHEMA_DIALECT, **PipelineDocument.model_json_schema(mode="validation")}


@dataclass(frozen=True)
class PipelineDefinition:
    """A pipeline that validated, with its stages in the order they run."""

    document: PipelineDocument
    stages: tuple[StageBase, ...]

    @property
    def name(self) -> str:
        return self.document.name

    @property
    def model(self) -> str:
        return self.document.model

    @property
    def feature_service(self) -> str:
        return self.document.feature_service

    @property
    def rollback(self) -> RollbackPolicy:
        """No policy means no verification and no automatic rollback (the validator insists on one)."""
        return self.document.rollback or RollbackPolicy()
