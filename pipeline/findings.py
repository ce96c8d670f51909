"""Findings of the pipeline validator, and the checks of names against the real registries.

Kept apart from the structural rules so that the registries stay behind a small protocol:
the validator's logic is tested with a stand-in, ``LiveReferences`` with the real ones.
"""

from dataclasses import asdict, dataclass
from typing import Protocol

from pipeline.definition import PipelineDocument
from pipeline.stages import EvaluateStage

ERROR, WARNING = "error", "warning"
GATE_EXAMPLE = '"gate": {"metric": "auc", "threshold": 0.85}'
ROLLBACK_EXAMPLE = '"rollback": {"automatic": true, "verify": "load"}'


@dataclass(frozen=True)
class Finding:
    """One problem: a stable code for scripts, where it is (a JSON path), and how to fix it."""

    code: str
    severity: str
    location: str
    message: str
    hint: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class References(Protocol):
    """Where names in the pipeline must resolve: the Feast registry and the MLflow registry."""

    def feature_service_exists(self, name: str) -> bool | None:
        """None when the Feast registry cannot be read."""

    def model_has_production(self, name: str) -> bool | None:
        """None when the MLflow registry cannot be read."""


def reference_findings(document: PipelineDocument, references: References) -> list[Finding]:
    """The names that only the live registries can confirm: the feature service and the baseline model."""
    findings = []
    service = references.feature_service_exists(document.feature_service)
    if service is None:
        findings.append(
            Finding(
                "REGISTRY_UNAVAILABLE",
                WARNING,
                "$.feature_service",
                "the Feast registry could not be read",
                "run `feast apply` or set MLOPS_FEAST_REPO",
            )
        )
    elif not service:
        findings.append(
            Finding(
                "UNKNOWN_FEATURE_SERVICE",
                ERROR,
                "$.feature_service",
                f"feature service {document.feature_service!r} is not in the Feast registry",
                "use a feature service from feature_repo/ and run `feast apply`",
            )
        )
    if _compares_to_production(document) and references.model_has_production(document.model) is False:
        findings.append(
            Finding(
                "UNRESOLVED_MODEL",
                WARNING,
                "$.model",
                f"model {document.model!r} has no production version to compare against",
                "the first run will compare against nothing; promote a baseline first",
            )
        )
    return findings


def _compares_to_production(document: PipelineDocument) -> bool:
    return any(
        isinstance(stage, EvaluateStage) and stage.params.gate is not None and stage.params.gate.compare_to_production
        for stage in document.stages
    )


def errors(findings: list[Finding], strict: bool) -> list[Finding]:
    """The findings that fail the check: errors, and warnings too under ``--strict``."""
    return [f for f in findings if f.severity == ERROR or (strict and f.severity == WARNING)]
