"""The pipeline validator on the shipped file and on one bad file per finding code."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mlops.project import REPO_ROOT
from training.pipeline_findings import errors
from training.pipeline_validator import validate_document

SHIPPED: dict[str, Any] = json.loads((REPO_ROOT / "pipeline.json").read_text())


class FakeReferences:
    """Pure-logic stand-in for the registries (the live resolver is tested against real ones)."""

    def __init__(self, service: bool | None = True, production: bool | None = True) -> None:
        self.service, self.production = service, production

    def feature_service_exists(self, name: str) -> bool | None:
        return self.service if name == "fraud_detector_v1" or self.service is None else False

    def model_has_production(self, name: str) -> bool | None:
        return self.production


def mutated(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(SHIPPED)
    change(document)
    return document


def stage(document: dict[str, Any], stage_type: str) -> dict[str, Any]:
    return next(s for s in document["stages"] if s["type"] == stage_type)


def test_shipped_pipeline_passes_strict() -> None:
    assert validate_document(SHIPPED, FakeReferences()) == []


CASES: list[tuple[str, Any, str, str]] = [
    ("SCHEMA", lambda d: d.pop("model"), "$.model", "error"),
    ("UNKNOWN_STAGE_TYPE", lambda d: d["stages"].append({"type": "notify"}), "$.stages[7].type", "error"),
    ("DUPLICATE_STAGE", lambda d: d["stages"][6].update(name="train"), "$.stages[6].name", "error"),
    ("UNKNOWN_DEPENDENCY", lambda d: d["stages"][3].update(depends_on=["prep"]), "$.stages[3].depends_on", "error"),
    ("CYCLE", lambda d: d["stages"][0].update(depends_on=["deploy"]), "$.stages", "error"),
    ("MISSING_STAGE", lambda d: d["stages"].pop(1), "$.stages", "error"),
    ("STAGE_ORDER", lambda d: d["stages"].insert(1, d["stages"].pop(3)), "$.stages[1].depends_on", "error"),
    ("GATE_MISSING", lambda d: stage(d, "evaluate")["params"].pop("gate"), "$.stages[6]", "error"),
    ("ROLLBACK_MISSING", lambda d: d.pop("rollback"), "$.rollback", "error"),
    (
        "PARAM_TYPE",
        lambda d: stage(d, "train")["params"].update(num_boost_round="200"),
        "$.stages[3].params.num_boost_round",
        "error",
    ),
    (
        "UNKNOWN_PARAM",
        lambda d: stage(d, "train")["params"].update(num_boost_rounds=10),
        "$.stages[3].params.num_boost_rounds",
        "warning",
    ),
    ("UNKNOWN_FEATURE_SERVICE", lambda d: d.update(feature_service="fraud_detector_v9"), "$.feature_service", "error"),
]


@pytest.mark.parametrize(("code", "change", "location", "severity"), CASES, ids=[case[0] for case in CASES])
def test_each_bad_file_yields_its_finding(code: str, change: Any, location: str, severity: str) -> None:
    findings = validate_document(mutated(change), FakeReferences())
    matching = [f for f in findings if f.code == code]
    assert matching, findings
    assert (matching[0].location, matching[0].severity) == (location, severity)
    assert matching[0].hint
    assert errors(findings, strict=True)


def test_warnings_fail_only_under_strict() -> None:
    findings = validate_document(SHIPPED, FakeReferences(service=None, production=False))
    assert sorted(f.code for f in findings) == ["REGISTRY_UNAVAILABLE", "UNRESOLVED_MODEL"]
    assert errors(findings, strict=False) == []
    assert len(errors(findings, strict=True)) == 2


def test_not_an_object_and_unparseable_files(tmp_path: Path) -> None:
    from training.pipeline_definition import PipelineFileError, read_document

    assert [f.code for f in validate_document(["stages"], None)] == ["SCHEMA"]
    broken = tmp_path / "p.json"
    broken.write_text('{"stages": [')
    with pytest.raises(PipelineFileError, match="not valid JSON"):
        read_document(broken)
