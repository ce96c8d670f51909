"""The exported JSON Schema: valid, accepts the shipped pipeline, refuses broken ones, lists the choices."""

import copy
import json
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
from typer.testing import CliRunner

from core.errors import UserError
from core.names import STAGES
from core.paths import REPO_ROOT
from pipeline.cli import app
from pipeline.definition import pipeline_schema
from pipeline.stages import STAGE_MODELS, STAGE_TYPES, DeployTarget, GateMetric
from pipeline.validator import validate_document
from training.evaluation import GATE_METRICS

SHIPPED: dict[str, Any] = json.loads((REPO_ROOT / "pipeline.json").read_text())
SCHEMA = pipeline_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
runner = CliRunner()


def mutated(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(SHIPPED)
    change(document)
    return document


def test_the_schema_is_valid_json_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_shipped_pipeline_validates_against_the_schema() -> None:
    VALIDATOR.validate(SHIPPED)


BROKEN: dict[str, Any] = {
    "missing model": lambda d: d.pop("model"),
    "no stages": lambda d: d.update(stages=[]),
    "unknown stage type": lambda d: d["stages"].append({"type": "notify"}),
    "string for a number": lambda d: d["stages"][3]["params"].update(num_boost_round="200"),
    "unknown gate metric": lambda d: d["stages"][4]["params"]["gate"].update(metric="accuracy"),
    "unknown deploy stage": lambda d: d["stages"][6]["params"].update(stage="prod"),
    "misspelt parameter": lambda d: d["stages"][3]["params"].update(num_boost_rounds=10),
    "threshold above one": lambda d: d["stages"][4]["params"]["gate"].update(threshold=85),
    "rollback not an object": lambda d: d.update(rollback="yes"),
}


@pytest.mark.parametrize("change", BROKEN.values(), ids=BROKEN.keys())
def test_broken_documents_fail_the_schema_and_the_validator(change: Any) -> None:
    document = mutated(change)
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(document)
    assert validate_document(document, None), "the validator must flag what the schema refuses"


def test_the_schema_lists_the_choices() -> None:
    definitions = SCHEMA["$defs"]
    assert definitions["Gate"]["properties"]["metric"]["enum"] == list(GATE_METRICS)
    assert definitions["DeployParams"]["properties"]["stage"]["enum"] == list(STAGES)
    mapping = SCHEMA["properties"]["stages"]["items"]["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(STAGE_TYPES)


def test_the_literals_match_the_names_they_mirror() -> None:
    assert get_args(GateMetric) == GATE_METRICS
    assert get_args(DeployTarget) == STAGES
    assert tuple(STAGE_MODELS) == STAGE_TYPES


def test_schema_command_prints_the_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == SCHEMA


def test_schema_command_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "pipeline.schema.json"
    result = runner.invoke(app, ["schema", "--output", str(target), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text()) == SCHEMA
    assert json.loads(result.stdout) == {"output": str(target), "bytes": len(target.read_bytes())}


def test_schema_command_reports_an_unwritable_target(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "--output", str(tmp_path)])
    assert isinstance(result.exception, UserError) and f"cannot write {tmp_path}" in str(result.exception)
