"""Checking a pipeline file without running it: structure, conventions and references.

Each finding has a code (stable, for scripts and tests), a severity, a location (a JSON
path into the file) and a hint that says how to fix it. `--strict` promotes warnings to
errors so CI can hold the shipped pipeline to the full standard.
"""

from typing import Any

from training.pipeline_definition import (
    DEPLOY_STAGES,
    GATE_TYPES,
    PARAM_TYPES,
    ROLLBACK_TYPES,
    STAGE_TYPES,
    PipelineDefinition,
    StageSpec,
    ancestors,
    raw_stages,
    topological,
)
from training.pipeline_findings import ERROR, Finding, References, reference_findings, type_findings

GATE_METRICS = ("auc", "precision", "recall", "f1")


def _structure(document: object) -> list[Finding]:
    if not isinstance(document, dict):
        return [Finding("SCHEMA", ERROR, "$", "the pipeline must be an object", "start from the shipped pipeline.json")]
    findings = []
    for key in ("name", "model", "feature_service"):
        if not isinstance(document.get(key), str) or not document.get(key):
            findings.append(Finding("SCHEMA", ERROR, f"$.{key}", f"{key} must be a non-empty string", f"add {key!r}"))
    stages = document.get("stages")
    if not isinstance(stages, list) or not stages:
        findings.append(Finding("SCHEMA", ERROR, "$.stages", "stages must be a non-empty list", "list the stages"))
        return findings
    for index, stage in enumerate(stages):
        where = f"$.stages[{index}]"
        if not isinstance(stage, dict) or not isinstance(stage.get("type"), str):
            findings.append(
                Finding(
                    "SCHEMA",
                    ERROR,
                    where,
                    "a stage must be an object with a string 'type'",
                    'write {"name": ..., "type": ..., "params": {...}}',
                )
            )
        elif not isinstance(stage.get("params", {}), dict | None) or not isinstance(
            stage.get("depends_on", []), list | None
        ):
            findings.append(
                Finding(
                    "SCHEMA", ERROR, where, "params must be an object and depends_on a list", "fix the stage's shape"
                )
            )
    return findings


def validate_document(document: object, references: References | None) -> list[Finding]:
    """All findings for a parsed pipeline document (``references`` None: names are not resolved)."""
    findings = _structure(document)
    if findings:
        return findings
    assert isinstance(document, dict)
    stages = raw_stages(document)
    names: set[str] = set()
    for index, stage in enumerate(stages):
        where = f"$.stages[{index}]"
        if stage.type not in STAGE_TYPES:
            findings.append(
                Finding(
                    "UNKNOWN_STAGE_TYPE",
                    ERROR,
                    f"{where}.type",
                    f"unknown stage type {stage.type!r}",
                    f"use one of: {', '.join(STAGE_TYPES)}",
                )
            )
            continue
        if stage.name in names:
            findings.append(
                Finding(
                    "DUPLICATE_STAGE",
                    ERROR,
                    f"{where}.name",
                    f"stage name {stage.name!r} repeats",
                    "give every stage its own name",
                )
            )
        names.add(stage.name)
        findings += type_findings(f"{where}.params", stage.params, PARAM_TYPES[stage.type])
        if stage.type == "evaluate" and isinstance(stage.params.get("gate"), dict):
            findings += _gate(f"{where}.params.gate", stage.params["gate"])
        if stage.type == "deploy" and stage.params.get("stage", "production") not in DEPLOY_STAGES:
            findings.append(
                Finding(
                    "PARAM_TYPE",
                    ERROR,
                    f"{where}.params.stage",
                    f"unknown stage {stage.params['stage']!r}",
                    f"use one of: {', '.join(DEPLOY_STAGES)}",
                )
            )
        for parent in stage.depends_on:
            if parent not in {s.name for s in stages}:
                findings.append(
                    Finding(
                        "UNKNOWN_DEPENDENCY",
                        ERROR,
                        f"{where}.depends_on",
                        f"no stage named {parent!r}",
                        "depend on a stage defined in this file",
                    )
                )
    if any(f.severity == ERROR for f in findings):
        return findings
    if topological(stages) is None:
        return [Finding("CYCLE", ERROR, "$.stages", "depends_on forms a cycle", "make the stages a chain or a DAG")]
    findings += _conventions(stages)
    findings += _rollback(document.get("rollback"))
    if references is not None:
        findings += reference_findings(document, references, stages)
    return findings


def _gate(where: str, gate: dict[str, Any]) -> list[Finding]:
    findings = type_findings(where, gate, GATE_TYPES)
    if "metric" not in gate or "threshold" not in gate:
        findings.append(
            Finding(
                "GATE_MISSING",
                ERROR,
                where,
                "the gate needs a metric and a threshold",
                '"gate": {"metric": "auc", "threshold": 0.85}',
            )
        )
    elif gate["metric"] not in GATE_METRICS:
        findings.append(
            Finding(
                "PARAM_TYPE",
                ERROR,
                f"{where}.metric",
                f"unknown gate metric {gate['metric']!r}",
                f"use one of: {', '.join(GATE_METRICS)}",
            )
        )
    return findings


def _conventions(stages: list[StageSpec]) -> list[Finding]:
    findings = []
    present = {stage.type for stage in stages}
    for stage_type in STAGE_TYPES:
        if stage_type not in present:
            findings.append(
                Finding(
                    "MISSING_STAGE", ERROR, "$.stages", f"no {stage_type} stage", f"add a stage of type {stage_type!r}"
                )
            )
    lineage = ancestors(stages)
    for index, stage in enumerate(stages):
        rank = STAGE_TYPES.index(stage.type)
        for other in stages:
            if STAGE_TYPES.index(other.type) < rank and other.name not in lineage[stage.name]:
                findings.append(
                    Finding(
                        "STAGE_ORDER",
                        ERROR,
                        f"$.stages[{index}].depends_on",
                        f"{stage.type} stage {stage.name!r} does not run after {other.type} stage {other.name!r}",
                        f"canonical order: {' -> '.join(STAGE_TYPES)}",
                    )
                )
    for index, stage in enumerate(stages):
        if stage.type == "deploy":
            gated = [s for s in stages if s.type == "evaluate" and "gate" in s.params and s.name in lineage[stage.name]]
            if not gated:
                findings.append(
                    Finding(
                        "GATE_MISSING",
                        ERROR,
                        f"$.stages[{index}]",
                        "deploy has no evaluation gate before it",
                        'give the evaluate stage params.gate {"metric": ..., "threshold": ...}',
                    )
                )
    return findings


def _rollback(rollback: object) -> list[Finding]:
    if not isinstance(rollback, dict) or not rollback:
        return [
            Finding(
                "ROLLBACK_MISSING",
                ERROR,
                "$.rollback",
                "no rollback configuration",
                '"rollback": {"automatic": true, "verify": "load"}',
            )
        ]
    return type_findings("$.rollback", rollback, ROLLBACK_TYPES)


def definition(document: dict[str, Any]) -> PipelineDefinition:
    """The runnable definition of a document that validated without errors."""
    ordered = topological(raw_stages(document))
    assert ordered is not None
    return PipelineDefinition(
        name=document["name"],
        model=document["model"],
        feature_service=document["feature_service"],
        stages=tuple(ordered),
        rollback=dict(document.get("rollback") or {}),
    )
