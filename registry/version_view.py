"""A model version as the lifecycle shows it, built from plain values so it needs no MLflow import.

Both readers build it here: the lifecycle from MLflow's ``ModelVersion`` entities and the
REST reader (``registry.rest_reader``) from the tracking server's JSON, so ``mlops registry
list`` prints the same rows whichever path answered.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from registry.contract import METRIC_PREFIX, PARAM_PREFIX, TAG_GATE_PASSED, TAG_LABEL, TAG_LIFECYCLE
from registry.errors import RegistryError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class VersionView:
    """A model version as the lifecycle sees it."""

    name: str
    version: str
    label: str | None
    aliases: tuple[str, ...]
    lifecycle: str | None
    gate: str
    """passed, failed, or none recorded"""
    metrics: dict[str, float]
    params: dict[str, str]
    created: str
    run_id: str | None
    tags: dict[str, str]

    @property
    def ref(self) -> str:
        return self.label or self.version


def check_name(kind: str, value: str) -> None:
    if not _NAME.match(value):
        raise RegistryError(f"{kind} {value!r} is not valid: use letters, digits, '.', '_' or '-'")


def version_view(
    name: str,
    version: str,
    tags: dict[str, str],
    aliases: tuple[str, ...],
    creation_timestamp_ms: int | None,
    run_id: str | None,
) -> VersionView:
    """Metrics, parameters, label and gate are read back from the version's tags (registry.contract)."""
    metrics: dict[str, float] = {}
    for key, value in tags.items():
        if key.startswith(METRIC_PREFIX):
            try:
                metrics[key.removeprefix(METRIC_PREFIX)] = float(value)
            except ValueError:
                continue
    params = {key.removeprefix(PARAM_PREFIX): value for key, value in tags.items() if key.startswith(PARAM_PREFIX)}
    gate = {"true": "passed", "false": "failed"}.get(tags.get(TAG_GATE_PASSED, ""), "none")
    created = datetime.fromtimestamp((creation_timestamp_ms or 0) / 1000, UTC).isoformat(timespec="seconds")
    return VersionView(
        name=name,
        version=version,
        label=tags.get(TAG_LABEL),
        aliases=aliases,
        lifecycle=tags.get(TAG_LIFECYCLE),
        gate=gate,
        metrics=metrics,
        params=params,
        created=created,
        run_id=run_id or None,
        tags=tags,
    )
