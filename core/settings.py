"""The one settings layer: every environment variable the project reads is declared here.

``ProjectSettings`` holds what every stage needs (where data lives, which Feast repository
and MLflow backend to use); each deployable extends it (``inference.settings.ServiceSettings``,
``materialization.settings.MaterializationEnvironment``). Nothing else in the project reads
or writes ``os.environ``: values that third-party libraries take only from the environment
(MLflow's HTTP retries, Prometheus' multiprocess folder) are set through the functions below.

The ``.pth`` hook (``core/env_defaults.py``) stays: Feast expands ``${VAR}`` in
``feature_store.yaml`` with ``os.path.expandvars``, which has no default syntax and leaves an
unset variable as literal text, and the file must not hold a host literal. The hook gives
``REDIS_CONNECTION_STRING`` its localhost default inside the virtual environment, so a bare
``feast apply`` from the root works with no variable exported. No simpler way exists:
Feast reads no ``.env`` file and offers no default syntax.
"""

import os
from pathlib import Path
from typing import Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.env_defaults import DEFAULTS
from core.root import REPO_ROOT as REPO_ROOT


class ProjectSettings(BaseSettings):
    """What every stage needs to find the project's state and services."""

    model_config = SettingsConfigDict(env_prefix="MLOPS_", extra="ignore")

    data_dir: Path = Field(
        default=REPO_ROOT / "data",
        description="Runtime state: offline Parquet, Redis files, MLflow SQLite, prediction log, run records.",
    )
    feast_repo: Path = Field(
        default=REPO_ROOT,
        description="Folder holding feature_store.yaml (the Feast registry path inside it is relative to it).",
    )
    mlflow_tracking_uri: str = Field(
        default="",
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI"),
        description="MLflow backend; unset means sqlite:///<data dir>/mlflow/mlflow.db.",
    )
    redis_connection_string: str = Field(
        default=DEFAULTS["REDIS_CONNECTION_STRING"],
        validation_alias=AliasChoices("REDIS_CONNECTION_STRING"),
        description="Feast's Redis connection string (host:port,password=...,ssl=true); "
        "feature_store.yaml expands it, `mlops stack` starts a local Redis on it.",
    )
    actor: str | None = Field(
        default=None,
        description="Who the registry audit log records for a transition; unset means the OS user.",
    )

    @model_validator(mode="after")
    def _resolve_defaults(self) -> Self:
        """Defaults that depend on another setting (the data folder) are filled in here.

        MLflow 3 deprecates the file store; SQLite is its local default and migrates the
        schema on first use, which takes seconds, so the stack creates it once up front.
        """
        self.data_dir = self.data_dir.resolve()
        self.feast_repo = self.feast_repo.resolve()
        if not self.mlflow_tracking_uri:
            self.mlflow_tracking_uri = f"sqlite:///{self.data_dir / 'mlflow' / 'mlflow.db'}"
        return self

    def resolved_mlflow_uri(self) -> str:
        """The MLflow backend every reader and writer uses."""
        return self.mlflow_tracking_uri


def environment_value(name: str) -> str | None:
    """A variable whose *name* is itself configuration (e.g. the alert webhook's URL variable).

    Such names cannot be declared as fields; reading them here keeps every read in one module.
    """
    return os.environ.get(name) or None


def set_library_default(name: str, value: str) -> None:
    """Give a library that reads only the environment a default, leaving a user's value alone."""
    os.environ.setdefault(name, value)


def set_library_value(name: str, value: str) -> None:
    """Set a variable a library reads at import time (e.g. ``PROMETHEUS_MULTIPROC_DIR``)."""
    os.environ[name] = value


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a child process, with ``extra`` added (e.g. ``REDISCLI_AUTH``)."""
    return {**os.environ, **extra}
