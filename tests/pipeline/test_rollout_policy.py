"""The `rollout` section of pipeline.json: checked by the validator, read by `mlops rollout start`."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from core.errors import UserError
from core.paths import REPO_ROOT
from pipeline.validator import validate_document
from registry.rollout_policy import load_policy

SHIPPED: dict[str, Any] = json.loads((REPO_ROOT / "pipeline.json").read_text())


def test_shipped_policy_is_valid_and_is_what_a_rollout_starts_with() -> None:
    assert validate_document(SHIPPED, None) == []
    assert load_policy()["max_score_psi"] == SHIPPED["rollout"]["max_score_psi"]


def test_bad_threshold_is_an_error_and_a_typo_a_warning_at_its_path() -> None:
    document = copy.deepcopy(SHIPPED)
    document["rollout"]["max_score_psi"] = -1
    document["rollout"]["min_requets"] = 5
    found = {(finding.code, finding.severity, finding.location) for finding in validate_document(document, None)}
    assert ("SCHEMA", "error", "$.rollout.max_score_psi") in found
    assert ("UNKNOWN_FIELD", "warning", "$.rollout.min_requets") in found


def test_policy_file_of_its_own_is_checked(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.json", {"canary_weight": 25, "min_requests": 50})
    assert (load_policy(good)["canary_weight"], load_policy(good)["min_requests"]) == (25, 50)
    with pytest.raises(UserError, match="canary_weight"):
        load_policy(_write(tmp_path / "bad.json", {"canary_weight": 0}))


def _write(path: Path, document: object) -> Path:
    if path.parent.is_dir():
        path.write_text(json.dumps(document))
    return path
