"""Where this checkout keeps its runtime state (all of it under one git-ignored folder)."""

from dataclasses import dataclass
from pathlib import Path

from core.settings import REPO_ROOT, ProjectSettings

__all__ = ["REPO_ROOT", "ProjectPaths", "feast_repo_path", "mlflow_tracking_uri"]


@dataclass(frozen=True)
class ProjectPaths:
    """Runtime folders; ``MLOPS_DATA_DIR`` moves them all (tests, containers).

    The Feast registry is not among them: ``feature_store.yaml`` names it relative to the
    Feast repository (``MLOPS_FEAST_REPO``), where ``feast apply`` expects it.
    """

    data: Path

    @classmethod
    def from_env(cls) -> "ProjectPaths":
        return cls(data=ProjectSettings().data_dir.resolve())

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
    def customer_txn_velocity(self) -> Path:
        """History of the streamed velocity features (the push source's batch source)."""
        return self.offline / "customer_txn_velocity.parquet"

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
    return ProjectSettings().feast_repo.resolve()


def mlflow_tracking_uri() -> str:
    """The MLflow backend every reader and writer uses (see ``ProjectSettings.resolved_mlflow_uri``)."""
    return ProjectSettings().resolved_mlflow_uri()
