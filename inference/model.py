"""The production model, loaded from the MLflow registry, and the checks that guard it."""

import json
import logging
from dataclasses import dataclass
from functools import cached_property

import lightgbm as lgb
import numpy as np
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from feature_repo.derived import REQUEST_FEATURES
from registry.client import open_client
from registry.contract import TAG_FEATURE_SERVICE, TAG_FEATURES

logger = logging.getLogger("inference")


class ModelUnavailableError(RuntimeError):
    """No usable model: nothing has the alias, or it cannot be loaded."""


class ModelIncompatibleError(RuntimeError):
    """The model's recorded inputs differ from what the feature service provides."""


@dataclass(frozen=True)
class LoadedModel:
    name: str
    version: str
    feature_service: str
    features: tuple[str, ...]
    booster: lgb.Booster

    @cached_property
    def store_features(self) -> tuple[str, ...]:
        """The inputs read from the online store (the request features come last, see ``check_compatible``)."""
        return self.features[: len(self.features) - len(REQUEST_FEATURES)]

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Probabilities for a float matrix in ``features`` order.

        The booster is called directly with one thread: per row this is ~15 us, where the
        sklearn wrapper or an MLflow pyfunc adds 20-30x, and OpenMP threads only spin on a
        request-sized input.
        """
        return np.asarray(self.booster.predict(rows, num_threads=1))


def load_model(tracking_uri: str, name: str, alias: str, default_service: str | None = None) -> LoadedModel:
    client = open_client(tracking_uri)
    try:
        version = client.get_model_version_by_alias(name, alias)
    except MlflowException as error:
        raise ModelUnavailableError(
            f"no version of {name!r} has the alias {alias!r}: run `mlops train --promote` first"
        ) from error
    return load_model_version(tracking_uri, version, default_service)


def load_model_version(tracking_uri: str, version: ModelVersion, default_service: str | None = None) -> LoadedModel:
    """Load one registry version (the hot swap resolves the alias itself, then loads what it saw).

    A version without a recorded feature service is read through ``default_service`` when one
    is given (the serving configuration's); without one it is refused.
    """
    import mlflow.lightgbm

    name = version.name
    tags = version.tags or {}
    service = tags.get(TAG_FEATURE_SERVICE, default_service)
    if TAG_FEATURES not in tags or service is None:
        raise ModelUnavailableError(
            f"{name} version {version.version} has no recorded feature list; retrain it with `mlops train`"
        )
    if TAG_FEATURE_SERVICE not in tags:
        logger.warning("%s version %s records no feature service: reading it with %s", name, version.version, service)
    try:
        mlflow.set_tracking_uri(tracking_uri)
        booster = mlflow.lightgbm.load_model(f"models:/{name}/{version.version}")
    except (MlflowException, OSError) as error:
        raise ModelUnavailableError(f"cannot load {name} version {version.version}: {error}") from error
    if not isinstance(booster, lgb.Booster):
        raise ModelUnavailableError(f"{name} version {version.version} is not a LightGBM booster")
    return LoadedModel(
        name=name,
        version=str(version.version),
        feature_service=service,
        features=tuple(json.loads(tags[TAG_FEATURES])),
        booster=booster,
    )


def check_compatible(model: LoadedModel, feature_service: str, store_features: tuple[str, ...]) -> None:
    """Refuse a model trained on other inputs than the service would feed it."""
    expected = store_features + REQUEST_FEATURES
    if model.feature_service != feature_service:
        raise ModelIncompatibleError(
            f"{model.name} version {model.version} was trained on feature service "
            f"{model.feature_service!r}, but the service is configured for {feature_service!r}"
        )
    if model.features != expected:
        raise ModelIncompatibleError(
            f"{model.name} version {model.version} expects features {list(model.features)}, "
            f"but feature service {feature_service!r} with request features provides {list(expected)}"
        )
