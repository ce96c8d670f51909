"""The declarative training pipeline: the file format, its stage types and their parameters.

A pipeline is a small DAG of typed stages (``depends_on`` defaults to the stage listed
before), an evaluation gate, and a rollback policy. The same file drives `mlops pipeline
run` on one machine and the Airflow DAG in ``deploy/airflow``.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STAGE_TYPES = ("fetch_data", "validate", "preprocess", "train", "evaluate", "register", "deploy")
"""Every stage type, in canonical order: data before training, evaluation before deploy."""

DEPLOY_STAGES = ("production", "staging")
"""Registry aliases a deploy stage may move (the same as `mlops registry promote --stage`)."""
PARAM_TYPES: dict[str, dict[str, tuple[type, ...]]] = {
    "fetch_data": {"transactions": (str, type(None))},
    "validate": {"min_rows": (int,), "max_null_share": (float, int), "ranges": (dict,)},
    "preprocess": {"holdout_share": (float,)},
    "train": {"num_boost_round": (int,), "params": (dict,)},
    "evaluate": {"gate": (dict,)},
    "register": {},
    "deploy": {"stage": (str,)},
}
GATE_TYPES: dict[str, tuple[type, ...]] = {
    "metric": (str,),
    "threshold": (float, int),
    "compare_to_production": (bool,),
    "max_regression": (float, int),
}
ROLLBACK_TYPES: dict[str, tuple[type, ...]] = {"automatic": (bool,), "verify": (str,)}


class PipelineFileError(ValueError):
    """The file cannot be read or parsed at all."""


@dataclass(frozen=True)
class StageSpec:
    name: str
    type: str
    params: dict[str, Any]
    depends_on: tuple[str, ...]


@dataclass(frozen=True)
class PipelineDefinition:
    name: str
    model: str
    feature_service: str
    stages: tuple[StageSpec, ...]
    """In execution (topological) order."""
    rollback: dict[str, Any] = field(default_factory=dict)

    def stage(self, stage_type: str) -> StageSpec | None:
        return next((stage for stage in self.stages if stage.type == stage_type), None)

    @property
    def gate(self) -> dict[str, Any]:
        evaluate = self.stage("evaluate")
        return dict(evaluate.params.get("gate", {})) if evaluate else {}


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


def raw_stages(document: dict[str, Any]) -> list[StageSpec]:
    """Stages as written (validated shapes assumed); ``depends_on`` defaults to the previous stage."""
    stages: list[StageSpec] = []
    for index, raw in enumerate(document["stages"]):
        default = (stages[index - 1].name,) if index > 0 else ()
        depends = raw.get("depends_on")
        stages.append(
            StageSpec(
                name=str(raw.get("name", raw["type"])),
                type=str(raw["type"]),
                params=dict(raw.get("params") or {}),
                depends_on=default if depends is None else tuple(depends),
            )
        )
    return stages


def topological(stages: list[StageSpec]) -> list[StageSpec] | None:
    """Stages ordered so each follows its dependencies (stable on file order); None on a cycle."""
    by_name = {stage.name: stage for stage in stages}
    ordered: list[StageSpec] = []
    placed: set[str] = set()
    while len(ordered) < len(stages):
        ready = [
            s for s in stages if s.name not in placed and all(d in placed or d not in by_name for d in s.depends_on)
        ]
        if not ready:
            return None
        ordered.append(ready[0])
        placed.add(ready[0].name)
    return ordered


def ancestors(stages: list[StageSpec]) -> dict[str, set[str]]:
    by_name = {stage.name: stage for stage in stages}
    memo: dict[str, set[str]] = {}

    def visit(name: str) -> set[str]:
        if name not in memo:
            memo[name] = set()
            for parent in by_name[name].depends_on if name in by_name else ():
                memo[name] |= {parent} | visit(parent)
        return memo[name]

    return {stage.name: visit(stage.name) for stage in stages}
