"""Settings of the inference service: the project's settings plus this deployable's own (``MLOPS_*``)."""

from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator

from core.names import FEATURE_SERVICE, MODEL_NAME, PRODUCTION
from core.settings import ProjectSettings


class ServiceSettings(ProjectSettings):
    """``mlops serve``: which model and features to serve, and the service's limits."""

    feature_service: str = Field(
        default=FEATURE_SERVICE,
        description="Feast feature service read at start-up, and by a model version that records none.",
    )
    model_name: str = Field(default=MODEL_NAME, description="Registered model in MLflow.")
    model_alias: str = Field(default=PRODUCTION, description="Alias whose version is served.")
    redis_timeout_seconds: float = Field(
        default=0.5,
        gt=0,
        description="Longest a request waits on a hung Redis before its 503: one attempt, as only a dropped"
        " connection is retried.",
    )
    max_batch_size: int = Field(default=1000, ge=1)
    max_request_bytes: int = Field(
        default=1_048_576, ge=1024, description="Larger request bodies get 413 before they are read or parsed."
    )
    model_poll_interval_seconds: float = Field(
        default=5.0, ge=0, description="How often to check the model alias for a new version; 0 turns polling off."
    )
    admin_token: SecretStr | None = Field(default=None, description="Bearer token for /admin; unset disables /admin.")
    prediction_log_dir: Path | None = Field(
        default=None,
        description="Folder of the Parquet prediction log; default: <data dir>/predictions; empty disables logging.",
    )
    prediction_log_buffer: int = Field(default=100_000, ge=1, description="Records held before new ones are dropped.")
    prediction_log_rotate_seconds: float = Field(
        default=300.0, gt=0, description="Close a log file (readers see it) this often; lower it during a rollout."
    )
    shadow_queue_size: int = Field(
        default=10_000, ge=1, description="Requests waiting for the shadow model before new ones skip it."
    )

    @field_validator("admin_token", mode="before")
    @classmethod
    def _empty_token_disables(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("prediction_log_dir", mode="before")
    @classmethod
    def _empty_disables(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _default_log_dir(self) -> Self:
        if "prediction_log_dir" not in self.model_fields_set:
            self.prediction_log_dir = self.data_dir / "predictions"
        return self


@lru_cache
def get_settings() -> ServiceSettings:
    return ServiceSettings()


class BatchSettings(ProjectSettings):
    """``mlops score batch --engine spark``: where the Spark engine runs and the driver's resources."""

    spark_master: str = Field(
        default="local[*]",
        description="Spark master URL: local[*] runs in this process's JVM on every core; "
        "spark://host:7077, yarn or k8s://... run on a cluster.",
    )
    spark_driver_memory: str = Field(default="2g", description="spark.driver.memory of the session the job starts.")
    spark_shuffle_partitions: int = Field(
        default=16, ge=1, description="spark.sql.shuffle.partitions of the point-in-time join (AQE coalesces them)."
    )
