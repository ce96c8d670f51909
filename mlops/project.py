"""Where this checkout keeps its runtime state (all of it under one git-ignored folder)."""

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ProjectPaths:
    """Runtime folders; ``MLOPS_DATA_DIR`` moves them all (tests, containers)."""

    data: Path

    @classmethod
    def from_env(cls) -> "ProjectPaths":
        return cls(data=Path(os.environ.get("MLOPS_DATA_DIR", REPO_ROOT / "data")).resolve())

    @property
    def offline(self) -> Path:
        return self.data / "offline"

    @property
    def customer_stats(self) -> Path:
        return self.offline / "customer_stats.parquet"

    @property
    def transactions(self) -> Path:
        return self.offline / "transactions.parquet"

    @property
    def redis(self) -> Path:
        return self.data / "redis"

    @property
    def mlflow(self) -> Path:
        return self.data / "mlflow"

    @property
    def predictions(self) -> Path:
        """The service's prediction log (rotating Parquet files, one writer per worker)."""
        return self.data / "predictions"


def feast_repo_path() -> Path:
    """The Feast repository (folder holding ``feature_store.yaml``); ``MLOPS_FEAST_REPO`` overrides."""
    return Path(os.environ.get("MLOPS_FEAST_REPO", REPO_ROOT)).resolve()


def mlflow_tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else a SQLite backend under the data folder.

    MLflow 3 deprecates the file store; SQLite is its local default and migrates the
    schema on first use, which takes seconds, so the stack creates it once up front.
    """
    configured = os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        return configured
    return f"sqlite:///{ProjectPaths.from_env().mlflow / 'mlflow.db'}"
