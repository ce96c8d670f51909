"""Settings of the inference service (one class for this deployable, read from ``MLOPS_*``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mlops.project import feast_repo_path, mlflow_tracking_uri


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MLOPS_", extra="ignore")

    feast_repo: Path = Field(default_factory=feast_repo_path, description="Folder holding feature_store.yaml.")
    feature_service: str = "fraud_detector_v1"
    model_name: str = "fraud_detector"
    model_alias: str = "production"
    mlflow_tracking_uri: str = Field(default_factory=mlflow_tracking_uri)
    redis_timeout_seconds: float = Field(default=0.5, gt=0, description="Per-command Redis timeout.")
    max_batch_size: int = Field(default=1000, ge=1)


@lru_cache
def get_settings() -> ServiceSettings:
    return ServiceSettings()
