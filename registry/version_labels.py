"""Registering a model version under a human label, with the metrics and parameters it earned.

Everything a version carries (label, metrics, parameters, the serving contract copied from
its run) is checked before the first write, and a new version is created with all its tags
in one call, so a rejected request leaves nothing half-written in the registry.
"""

import json
import math
import re

import mlflow
from mlflow.exceptions import MlflowException

from registry import audit
from registry.client import is_not_found
from registry.contract import METRIC_PREFIX, PARAM_PREFIX, TAG_LABEL
from registry.errors import RegistryError
from registry.lifecycle import Lifecycle
from registry.version_view import VersionView, check_name

RUN_URI = re.compile(r"^runs:/(?P<run_id>[0-9a-f]{32})/")
CARRIED_RUN_TAGS = ("feature_service", "features", "gate_passed", "gate_metric", "gate_threshold")
"""Run tags a version needs to be served (its input contract) and promoted (its gate)."""


def _json_object(option: str, text: str) -> dict[str, object]:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise RegistryError(f"{option} is not valid JSON ({error.msg} at column {error.colno}): {text[:80]}") from error
    if not isinstance(parsed, dict):
        raise RegistryError(f'{option} must be a JSON object such as {{"auc": 0.95}}, got {type(parsed).__name__}')
    return parsed


def parse_metrics(text: str) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for key, value in _json_object("--metrics", text).items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise RegistryError(f"--metrics: {key!r} must be a finite number, got {json.dumps(value)}")
        metrics[key] = float(value)
    return metrics


def parse_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in _json_object("--params", text).items():
        if isinstance(value, dict | list):
            raise RegistryError(f"--params: {key!r} must be a string, number or boolean, got {json.dumps(value)}")
        params[key] = value if isinstance(value, str) else json.dumps(value)
    return params


def _tags(label: str, metrics: dict[str, float], params: dict[str, str]) -> dict[str, str]:
    tags = {f"{METRIC_PREFIX}{key}": repr(value) for key, value in metrics.items()}
    tags.update({f"{PARAM_PREFIX}{key}": value for key, value in params.items()})
    tags[TAG_LABEL] = label
    return tags


def _run_contract(lifecycle: Lifecycle, model_uri: str) -> dict[str, str]:
    match = RUN_URI.match(model_uri)
    if match is None:
        return {}
    try:
        run_tags = lifecycle.client.get_run(match["run_id"]).data.tags
    except MlflowException as error:
        if is_not_found(error):
            raise RegistryError(f"--model-uri names run {match['run_id']}, which does not exist") from error
        raise RegistryError(f"could not read run {match['run_id']} from the MLflow backend: {error.message}") from error
    return {key: run_tags[key] for key in CARRIED_RUN_TAGS if key in run_tags}


def register(
    lifecycle: Lifecycle,
    *,
    name: str,
    label: str,
    metrics: dict[str, float],
    params: dict[str, str],
    model_uri: str | None,
    tracking_uri: str,
) -> VersionView:
    """Register ``model_uri`` as a new labelled version, or label the newest unlabelled version.

    Without a URI the label goes to the newest version nobody has labelled yet: the one
    `mlops train` just registered, which is the usual way a trained model gets its label.
    """
    check_name("model name", name)
    check_name("version label", label)
    if label.isdigit():
        raise RegistryError(f"version label {label!r} would read as an MLflow version number: use e.g. v{label}")
    existing = _existing_versions(lifecycle, name, required=model_uri is None)
    for existing_version in existing:
        if existing_version.label == label:
            raise RegistryError(
                f"{name} {label} is already registered (MLflow version {existing_version.version}): pick a new label, "
                f"or promote it with `mlops registry promote --name {name} --version {label} --stage production`"
            )
    tags = _tags(label, metrics, params)
    if model_uri is not None:
        tags = {**_run_contract(lifecycle, model_uri), **tags}
        mlflow.set_tracking_uri(tracking_uri)
        try:
            created = mlflow.register_model(model_uri, name, tags=tags)
        except MlflowException as error:
            raise RegistryError(f"cannot register {model_uri}: {str(error).splitlines()[0][:200]}") from error
        version = str(created.version)
    else:
        unlabelled = [item for item in existing if item.label is None]
        if not unlabelled:
            raise RegistryError(f"every version of {name} already has a label: pass --model-uri to register a new one")
        version = unlabelled[0].version
        # The label goes last: it is what makes the version addressable, so a failure before
        # it leaves the version unlabelled and the same command can simply be run again.
        for key, value in sorted(tags.items(), key=lambda item: item[0] == TAG_LABEL):
            lifecycle.client.set_model_version_tag(name, version, key, value)
    audit.append(lifecycle.client, name, audit.new_transition("register", "-", None, version, f"label {label}"))
    return next(item for item in lifecycle.versions(name) if item.version == version)


def _existing_versions(lifecycle: Lifecycle, name: str, *, required: bool) -> list[VersionView]:
    try:
        lifecycle.client.get_registered_model(name)
    except MlflowException as error:
        if not is_not_found(error):
            raise
        if required:
            raise RegistryError(
                f"no registered model named {name!r}: pass --model-uri to register its first version"
            ) from error
        return []
    return lifecycle.versions(name)
