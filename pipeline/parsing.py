"""Reading a document into the pydantic models, with pydantic's errors turned into findings.

pydantic reports every problem at once, each with a location; this gives each one the
finding code scripts and the docs rely on (``SCHEMA``, ``UNKNOWN_STAGE_TYPE``, ``PARAM_TYPE``,
``GATE_MISSING``, ...) and a JSON path into the file as written. Unknown keys are warnings,
as typos should be: a document whose only problems are unknown keys still parses (without
them), so the validator goes on to check the rest and `run` may proceed.
"""

import copy
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pipeline.definition import PipelineDocument, RollbackPolicy
from pipeline.findings import ERROR, GATE_EXAMPLE, ROLLBACK_EXAMPLE, WARNING, Finding
from pipeline.stages import STAGE_MODELS, STAGE_TYPES, Gate

JsonPath = tuple[int | str, ...]
SCHEMA_HINT = "`mlops pipeline schema` shows what each field takes"
STAGE_SHAPE = 'write {"name": ..., "type": ..., "params": {...}}'


def parse(document: object) -> tuple[PipelineDocument | None, list[Finding]]:
    """The document as models (None when it has errors) and a finding for every problem."""
    try:
        return PipelineDocument.model_validate(document), []
    except ValidationError as error:
        problems = error.errors()
    findings = _unique([_finding(problem) for problem in problems])
    if any(finding.severity == ERROR for finding in findings):
        return None, findings
    unknown = [_file_path(problem["loc"]) for problem in problems if problem["type"] == "extra_forbidden"]
    return PipelineDocument.model_validate(_without(document, unknown)), findings


def location(path: JsonPath) -> str:
    """A JSON path as the findings print it: ``$.stages[3].params.gate.metric``."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def _file_path(loc: JsonPath) -> JsonPath:
    """pydantic puts a stage's type tag after its index (``stages.3.train.params``); the file does not."""
    if len(loc) >= 3 and loc[0] == "stages" and isinstance(loc[1], int):
        return (*loc[:2], *loc[3:])
    return tuple(loc)


def _in_parameters(path: JsonPath) -> bool:
    """Inside a stage's params or the rollback policy: where the codes are PARAM_TYPE and UNKNOWN_PARAM."""
    in_rollback = len(path) > 1 and path[0] == "rollback"
    return in_rollback or (len(path) > 3 and path[0] == "stages" and path[2] == "params")


def _finding(problem: ErrorDetails) -> Finding:
    """The finding scripts know for one pydantic error: file shape, stage type, a parameter, the gate, rollback."""
    path, kind = _file_path(problem["loc"]), problem["type"]
    where, field = location(path), _field(path)
    if kind == "extra_forbidden":
        return _unknown_key(problem["loc"], path)
    if kind == "union_tag_invalid":
        tag = problem.get("ctx", {}).get("tag")
        hint = f"use one of: {', '.join(STAGE_TYPES)}"
        return Finding("UNKNOWN_STAGE_TYPE", ERROR, f"{where}.type", f"unknown stage type {tag!r}", hint)
    if len(path) == 2 and path[0] == "stages":
        return Finding("SCHEMA", ERROR, where, "a stage must be an object with a string 'type'", STAGE_SHAPE)
    if not path:
        return Finding("SCHEMA", ERROR, "$", "the pipeline must be an object", "start from the shipped pipeline.json")
    if path == ("rollback",):
        return Finding("ROLLBACK_MISSING", ERROR, where, "rollback must be an object", ROLLBACK_EXAMPLE)
    if kind == "missing" and path[-2:-1] == ("gate",):
        gate = location(path[:-1])
        return Finding("GATE_MISSING", ERROR, gate, "the gate needs a metric and a threshold", GATE_EXAMPLE)
    if kind == "missing":
        return Finding("SCHEMA", ERROR, where, f"{field} is required", f"add {field!r}")
    code = "PARAM_TYPE" if _in_parameters(path) else "SCHEMA"
    text = _describe(problem)
    message = f"{field} {text}" if text.startswith("must ") else f"{field}: {text}"
    return Finding(code, ERROR, where, message, _hint(problem))


def _field(path: JsonPath) -> str:
    """The name a message uses: the innermost key (list indices are in the location)."""
    return next((str(part) for part in reversed(path) if isinstance(part, str)), "the pipeline")


def _describe(problem: ErrorDetails) -> str:
    """pydantic's message in the findings' style, with the offending value when it is short."""
    kind, value = problem["type"], problem["input"]
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        text = "must be an object"
    elif kind == "string_too_short":
        text = "must be a non-empty string"
    else:
        message = problem["msg"].removeprefix("Value error, ")
        text = message[:1].lower() + message[1:]
    return text if isinstance(value, dict | list) else f"{text}, got {value!r}"


def _hint(problem: ErrorDetails) -> str:
    if problem["type"] == "literal_error":
        return f"use one of: {problem.get('ctx', {}).get('expected')}"
    return SCHEMA_HINT


def _unknown_key(loc: JsonPath, path: JsonPath) -> Finding:
    """A warning that names the keys allowed there: most unknown keys are misspelt known ones."""
    known = ", ".join(field.alias or name for name, field in _model_at(loc).model_fields.items()) or "none"
    kind = "parameter" if _in_parameters(path) else "field"
    code = "UNKNOWN_PARAM" if kind == "parameter" else "UNKNOWN_FIELD"
    return Finding(code, WARNING, location(path), f"unknown {kind} {path[-1]!r}", f"remove it or use one of: {known}")


def _model_at(loc: JsonPath) -> type[BaseModel]:
    """The model whose fields the last key of a pydantic location was checked against."""
    parent = loc[:-1]
    if parent == ("rollback",):
        return RollbackPolicy
    if len(parent) >= 3 and parent[0] == "stages":
        stage = STAGE_MODELS[str(parent[2])]
        if len(parent) == 3:
            return stage
        return Gate if parent[-1] == "gate" else _params_model(stage)
    return PipelineDocument


def _params_model(stage: type[BaseModel]) -> type[BaseModel]:
    annotation = stage.model_fields["params"].annotation
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation


def _without(document: object, paths: list[JsonPath]) -> object:
    """A copy of the document without the unknown keys, which then validates."""
    stripped: Any = copy.deepcopy(document)
    for path in paths:
        parent = stripped
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
    return stripped


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per code and place: a gate missing both metric and threshold is one problem."""
    unique: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.code, finding.location), finding)
    return list(unique.values())
