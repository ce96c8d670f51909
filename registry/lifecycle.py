"""The model registry lifecycle over MLflow: labels, stage aliases, archiving and the audit log.

Stages are MLflow aliases (``production``, ``staging``), not the deprecated stage API, so
``models:/<name>@production`` in plain MLflow names the same version this code promoted. A
human label (``v2.3``) is a version tag. Promotion to production moves the outgoing version
to the ``archived`` alias and tags it, which is what rollback moves back to.
"""

from datetime import UTC, datetime

from mlflow.entities.model_registry import ModelVersion, RegisteredModel
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from core.names import ARCHIVED, PRODUCTION, STAGES, STAGING
from registry import audit
from registry.audit import Transition
from registry.client import is_not_found
from registry.contract import TAG_ARCHIVED_AT, TAG_LIFECYCLE
from registry.errors import RegistryError
from registry.version_view import VersionView, check_name, version_view


def check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise RegistryError(f"unknown stage {stage!r}: use one of {', '.join(STAGES)}")


def view(version: ModelVersion, aliases: tuple[str, ...] | None = None) -> VersionView:
    """``aliases`` from the registered model: version searches in MLflow leave them empty."""
    return version_view(
        name=version.name,
        version=str(version.version),
        tags=dict(version.tags or {}),
        aliases=tuple(sorted(version.aliases or ())) if aliases is None else aliases,
        creation_timestamp_ms=version.creation_timestamp,
        run_id=version.run_id,
    )


def _alias_target(model: RegisteredModel, alias: str) -> str | None:
    version = dict(model.aliases or {}).get(alias)
    return None if version is None else str(version)


class Lifecycle:
    """Registry operations for one MLflow backend; every alias move is written to the audit log."""

    def __init__(self, client: MlflowClient) -> None:
        self.client = client

    def model(self, name: str) -> RegisteredModel:
        check_name("model name", name)
        try:
            return self.client.get_registered_model(name)
        except MlflowException as error:
            if is_not_found(error):
                raise RegistryError(f"no registered model named {name!r}: see `mlops registry list`") from error
            raise

    def model_names(self) -> list[str]:
        return sorted(model.name for model in self.client.search_registered_models())

    def versions(self, name: str) -> list[VersionView]:
        """Every version of ``name``, newest first."""
        by_version: dict[str, list[str]] = {}
        for alias, version in (self.model(name).aliases or {}).items():
            by_version.setdefault(str(version), []).append(alias)
        found = self.client.search_model_versions(f"name='{name}'")
        views = (view(version, tuple(sorted(by_version.get(str(version.version), [])))) for version in found)
        return sorted(views, key=lambda item: int(item.version), reverse=True)

    def resolve(self, name: str, ref: str) -> VersionView:
        """A version by its label (``v2.3``) or, failing that, by its MLflow version number."""
        self.model(name)
        versions = self.versions(name)
        for candidate in versions:
            if candidate.label == ref:
                return candidate
        for candidate in versions:
            if ref.isdigit() and candidate.version == ref:
                return candidate
        known = ", ".join(item.ref for item in versions[:10]) or "none"
        raise RegistryError(f"{name} has no version {ref!r} (known: {known})")

    def with_run_details(self, version: VersionView) -> VersionView:
        """Fill metrics and params from the version's run where the version has none of its own."""
        if version.run_id is None or (version.metrics and version.params):
            return version
        run = self.client.get_run(version.run_id).data
        return VersionView(
            **{
                **version.__dict__,
                "metrics": version.metrics or {key: float(value) for key, value in run.metrics.items()},
                "params": version.params or dict(run.params),
            }
        )

    def history(self, name: str) -> list[Transition]:
        return audit.read(dict(self.model(name).tags or {}))

    def promote(self, name: str, ref: str, stage: str, *, force: bool = False, reason: str = "") -> Transition:
        check_stage(stage)
        target = self.resolve(name, ref)
        if target.gate == "failed" and not force:
            metric, threshold = target.tags.get("gate_metric", "gate metric"), target.tags.get("gate_threshold", "?")
            raise RegistryError(
                f"{name} {target.ref} failed its evaluation gate ({metric} below {threshold}):"
                " pass --force --reason '...' to promote it anyway"
            )
        if force and not reason.strip():
            raise RegistryError("--force needs --reason: say why a version that failed its gate may serve")
        current = _alias_target(self.model(name), stage)
        if current == target.version:
            raise RegistryError(f"{name} {target.ref} is already {stage}")
        why = reason or f"promote {target.ref} to {stage}"
        if force:
            why = f"forced past failed gate: {why}"
        return self._move(name, stage, current, target.version, action="promote", reason=why)

    def rollback(self, name: str, *, reason: str = "") -> Transition:
        """Move ``production`` back to the version it replaced (the one holding ``archived``)."""
        model = self.model(name)
        current = _alias_target(model, PRODUCTION)
        if current is None:
            raise RegistryError(f"{name} has no production version to roll back from")
        previous = _alias_target(model, ARCHIVED)
        if previous is None:
            raise RegistryError(f"{name} has no archived previous production version to roll back to")
        return self._move(name, PRODUCTION, current, previous, action="rollback", reason=reason or "rollback")

    def _move(self, name: str, stage: str, current: str | None, target: str, *, action: str, reason: str) -> Transition:
        # The alias move is the one write that changes what serves; it goes first so that a
        # failure afterwards leaves a consistent serving state with only bookkeeping missing.
        self.client.set_registered_model_alias(name, stage, target)
        self.client.set_model_version_tag(name, target, TAG_LIFECYCLE, stage)
        if stage == PRODUCTION:
            model = self.model(name)
            if _alias_target(model, STAGING) == target:
                self.client.delete_registered_model_alias(name, STAGING)
            if current is not None:
                self.client.set_registered_model_alias(name, ARCHIVED, current)
                self.client.set_model_version_tag(name, current, TAG_LIFECYCLE, ARCHIVED)
                self.client.set_model_version_tag(name, current, TAG_ARCHIVED_AT, datetime.now(UTC).isoformat())
            elif _alias_target(model, ARCHIVED) == target:
                self.client.delete_registered_model_alias(name, ARCHIVED)
        transition = audit.new_transition(action, stage, current, target, reason)
        audit.append(self.client, name, transition)
        return transition
