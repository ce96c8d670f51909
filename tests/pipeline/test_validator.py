"""The pipeline validator on the shipped file and on one bad file per finding code."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from core.paths import REPO_ROOT
from pipeline.findings import errors
from pipeline.validator import definition, validate_document

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
    from pipeline.definition import PipelineFileError, read_document

    assert [f.code for f in validate_document(["stages"], None)] == ["SCHEMA"]
    broken = tmp_path / "p.json"
    broken.write_text('{"stages": [')
    with pytest.raises(PipelineFileError, match="not valid JSON"):
        read_document(broken)


def test_a_type_error_names_its_field_path_and_the_choices() -> None:
    findings = validate_document(mutated(lambda d: stage(d, "evaluate")["params"]["gate"].update(metric="acc")), None)
    assert [(f.code, f.severity, f.location) for f in findings] == [
        ("PARAM_TYPE", "error", "$.stages[4].params.gate.metric")
    ]
    assert "'acc'" in findings[0].message and "'auc', 'precision', 'recall' or 'f1'" in findings[0].hint


def test_a_gate_without_metric_and_threshold_is_one_finding_at_the_gate() -> None:
    findings = validate_document(mutated(lambda d: stage(d, "evaluate")["params"].update(gate={})), None)
    assert [(f.code, f.location) for f in findings] == [("GATE_MISSING", "$.stages[4].params.gate")]


def test_a_cycle_finding_names_the_loop() -> None:
    findings = validate_document(mutated(lambda d: d["stages"][2].update(depends_on=["train"])), None)
    assert [f.code for f in findings] == ["CYCLE"]
    assert "preprocess -> train -> preprocess" in findings[0].message
    assert "fetch_data" not in findings[0].message


def test_unknown_keys_warn_and_the_other_checks_still_run() -> None:
    def change(d: dict[str, Any]) -> None:
        stage(d, "train")["params"]["num_boost_rounds"] = 10
        d["owner"] = "fraud-team"
        d.pop("rollback")

    findings = validate_document(mutated(change), None)
    assert [(f.code, f.severity, f.location) for f in findings] == [
        ("UNKNOWN_PARAM", "warning", "$.stages[3].params.num_boost_rounds"),
        ("UNKNOWN_FIELD", "warning", "$.owner"),
        ("ROLLBACK_MISSING", "error", "$.rollback"),
    ]
    assert findings[0].hint == "remove it or use one of: num_boost_round, params"


def test_a_document_with_only_warnings_is_runnable_without_the_unknown_keys() -> None:
    spec = definition(mutated(lambda d: stage(d, "train")["params"].update(num_boost_rounds=10)))
    assert [s.id for s in spec.stages] == [s["name"] for s in SHIPPED["stages"]]
    assert spec.rollback.verify == "load"


def test_null_params_and_a_schema_reference_are_accepted() -> None:
    def change(d: dict[str, Any]) -> None:
        stage(d, "register")["params"] = None
        d["$schema"] = "./pipeline.schema.json"

    assert validate_document(mutated(change), FakeReferences()) == []


def test_validate_json_output_keeps_its_shape(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    path = tmp_path / "p.json"
    path.write_text(json.dumps(mutated(lambda d: stage(d, "train")["params"].update(num_boost_rounds=10))))
    result = CliRunner().invoke(app, ["validate", "--pipeline", str(path), "--strict", "--json", "--no-resolve"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "pipeline": str(path),
        "valid": False,
        "findings": [
            {
                "code": "UNKNOWN_PARAM",
                "severity": "warning",
                "location": "$.stages[3].params.num_boost_rounds",
                "message": "unknown parameter 'num_boost_rounds'",
                "hint": "remove it or use one of: num_boost_round, params",
            }
        ],
    }
