"""Findings of the pipeline validator, and the checks of names against the real registries.

Kept apart from the structural rules so that the registries stay behind a small protocol:
the validator's logic is tested with a stand-in, ``LiveReferences`` with the real ones.
"""

from dataclasses import asdict, dataclass
from typing import Any, Protocol

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
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


def type_findings(where: str, values: dict[str, Any], allowed: dict[str, tuple[type, ...]]) -> list[Finding]:
    findings = []
    for key, value in values.items():
        if key not in allowed:
            known = ", ".join(allowed) or "none"
            findings.append(
                Finding(
                    "UNKNOWN_PARAM",
                    WARNING,
                    f"{where}.{key}",
                    f"unknown parameter {key!r}",
                    f"remove it or use one of: {known}",
                )
            )
        elif (isinstance(value, bool) and bool not in allowed[key]) or not isinstance(value, allowed[key]):
            names = " or ".join("null" if kind is type(None) else kind.__name__ for kind in allowed[key])
            findings.append(
                Finding(
                    "PARAM_TYPE",
                    ERROR,
                    f"{where}.{key}",
                    f"{key} must be {names}, got {value!r}",
                    f"write {key} as a {names}",
                )
            )
    return findings


def reference_findings(document: dict[str, Any], references: References, stages: list[Any]) -> list[Finding]:
    findings = []
    service = references.feature_service_exists(document["feature_service"])
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
                f"feature service {document['feature_service']!r} is not in the Feast registry",
                "use a feature service from feature_repo/ and run `feast apply`",
            )
        )
    compares = any(s.type == "evaluate" and s.params.get("gate", {}).get("compare_to_production") for s in stages)
    if compares and references.model_has_production(document["model"]) is False:
        findings.append(
            Finding(
                "UNRESOLVED_MODEL",
                WARNING,
                "$.model",
                f"model {document['model']!r} has no production version to compare against",
                "the first run will compare against nothing; promote a baseline first",
            )
        )
    return findings


def errors(findings: list[Finding], strict: bool) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR or (strict and f.severity == WARNING)]
