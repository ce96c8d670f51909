"""Checking a pipeline file without running it: structure, conventions and references.

Each finding has a code (stable, for scripts and tests), a severity, a location (a JSON
path into the file) and a hint that says how to fix it. `--strict` promotes warnings to
errors so CI can hold the shipped pipeline to the full standard. The shape of the file is
checked by its pydantic models (``parsing``); the rules here are the ones a schema cannot
say: names that clash or point nowhere, cycles, the canonical stage order, a gate before
deploy, a rollback policy, and names that must exist in the registries.
"""

from collections.abc import Sequence

from pipeline.definition import PipelineDefinition, PipelineDocument
from pipeline.findings import ERROR, GATE_EXAMPLE, ROLLBACK_EXAMPLE, Finding, References, reference_findings
from pipeline.ordering import StageCycleError, ancestors, execution_order
from pipeline.parsing import parse
from pipeline.stages import STAGE_TYPES, EvaluateStage, StageBase


def validate_document(document: object, references: References | None) -> list[Finding]:
    """All findings for a parsed pipeline document (``references`` None: names are not resolved)."""
    parsed, findings = parse(document)
    if parsed is None:
        return findings
    findings += _names(parsed.stages)
    if any(finding.severity == ERROR for finding in findings):
        return findings
    try:
        execution_order(parsed.stages)
    except StageCycleError as cycle:
        return [*findings, _cycle(cycle)]
    findings += _conventions(parsed.stages)
    findings += _rollback(parsed)
    if references is not None:
        findings += reference_findings(parsed, references)
    return findings


def definition(document: object) -> PipelineDefinition:
    """The runnable definition of a document that validated without errors."""
    parsed, findings = parse(document)
    if parsed is None:
        raise ValueError(f"not a valid pipeline: {findings[0].code} at {findings[0].location}")
    return PipelineDefinition(parsed, tuple(execution_order(parsed.stages)))


def _names(stages: Sequence[StageBase]) -> list[Finding]:
    """Names that clash or point nowhere: the stage graph cannot be built from them."""
    findings: list[Finding] = []
    known = {stage.id for stage in stages}
    seen: set[str] = set()
    for index, stage in enumerate(stages):
        if stage.id in seen:
            findings.append(
                Finding(
                    "DUPLICATE_STAGE",
                    ERROR,
                    f"$.stages[{index}].name",
                    f"stage name {stage.id!r} repeats",
                    "give every stage its own name",
                )
            )
        seen.add(stage.id)
        findings += [
            Finding(
                "UNKNOWN_DEPENDENCY",
                ERROR,
                f"$.stages[{index}].depends_on",
                f"no stage named {parent!r}",
                "depend on a stage defined in this file",
            )
            for parent in stage.depends_on or ()
            if parent not in known
        ]
    return findings


def _cycle(error: StageCycleError) -> Finding:
    """Names the loop, so the edge to remove is obvious."""
    loop = f"{' -> '.join(error.cycle)} (each must run before the next)"
    return Finding("CYCLE", ERROR, "$.stages", f"depends_on forms a cycle: {loop}", "make the stages a chain or a DAG")


def _conventions(stages: Sequence[StageBase]) -> list[Finding]:
    """Every stage type present, each after the types before it, and a gate ahead of deploy."""
    present = {stage.type for stage in stages}
    findings = [
        Finding("MISSING_STAGE", ERROR, "$.stages", f"no {kind} stage", f"add a stage of type {kind!r}")
        for kind in STAGE_TYPES
        if kind not in present
    ]
    lineage = ancestors(stages)
    for index, stage in enumerate(stages):
        rank = STAGE_TYPES.index(stage.type)
        findings += [
            Finding(
                "STAGE_ORDER",
                ERROR,
                f"$.stages[{index}].depends_on",
                f"{stage.type} stage {stage.id!r} does not run after {other.type} stage {other.id!r}",
                f"canonical order: {' -> '.join(STAGE_TYPES)}",
            )
            for other in stages
            if STAGE_TYPES.index(other.type) < rank and other.id not in lineage[stage.id]
        ]
    for index, stage in enumerate(stages):
        gated = any(
            isinstance(s, EvaluateStage) and s.params.gate is not None and s.id in lineage[stage.id] for s in stages
        )
        if stage.type == "deploy" and not gated:
            findings.append(
                Finding(
                    "GATE_MISSING",
                    ERROR,
                    f"$.stages[{index}]",
                    "deploy has no evaluation gate before it",
                    f"give the evaluate stage params.{GATE_EXAMPLE}",
                )
            )
    return findings


def _rollback(document: PipelineDocument) -> list[Finding]:
    """A deploy without a way back is not allowed; an empty policy counts as none."""
    if document.rollback is not None and document.rollback.model_fields_set:
        return []
    return [Finding("ROLLBACK_MISSING", ERROR, "$.rollback", "no rollback configuration", ROLLBACK_EXAMPLE)]
