"""Settings of the inference service (one class for this deployable, read from ``MLOPS_*``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mlops.project import ProjectPaths, feast_repo_path, mlflow_tracking_uri


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MLOPS_", extra="ignore")

    feast_repo: Path = Field(default_factory=feast_repo_path, description="Folder holding feature_store.yaml.")
    feature_service: str = "fraud_detector_v1"
    model_name: str = "fraud_detector"
    model_alias: str = "production"
    mlflow_tracking_uri: str = Field(default_factory=mlflow_tracking_uri)
    redis_timeout_seconds: float = Field(default=0.5, gt=0, description="Per-command Redis timeout.")
    max_batch_size: int = Field(default=1000, ge=1)
    model_poll_interval_seconds: float = Field(
        default=5.0, ge=0, description="How often to check the model alias for a new version; 0 turns polling off."
    )
    admin_token: SecretStr | None = Field(default=None, description="Bearer token for /admin; unset disables /admin.")
    prediction_log_dir: Path | None = Field(
        default_factory=lambda: ProjectPaths.from_env().predictions,
        description="Folder of the Parquet prediction log; empty disables logging.",
    )
    prediction_log_buffer: int = Field(default=100_000, ge=1, description="Records held before new ones are dropped.")

    @field_validator("admin_token", mode="before")
    @classmethod
    def _empty_token_disables(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("prediction_log_dir", mode="before")
    @classmethod
    def _empty_disables(cls, value: object) -> object:
        return None if value == "" else value


@lru_cache
def get_settings() -> ServiceSettings:
    return ServiceSettings()
