"""The training set's reference profile, stored with each registered model version.

The profile is a fixed-size random sample of the model's input features as trained on
(NaN where the point-in-time join found no value, as the model saw them). A sample, rather
than summary statistics, keeps every test exact (KS, Wasserstein, PSI on the sample's own
deciles) while the artifact stays small: at 20,000 rows the sampling error of a KS
statistic is about 0.007, far below the 0.15 alert threshold. ``mlops monitor run``
downloads it for the production version, so drift is measured against the model's own
training data without re-running the point-in-time join.
"""

import tempfile
from pathlib import Path

import pandas as pd

from core.settings import set_library_default

PROFILE_ARTIFACT_DIR = "reference_profile"
PROFILE_FILE = "reference.parquet"
PROFILE_ROWS = 20_000


class ProfileUnavailableError(RuntimeError):
    """The model version has no reference profile (registered before profiles existed)."""


def build_profile(features: pd.DataFrame, rows: int = PROFILE_ROWS, seed: int = 0) -> pd.DataFrame:
    sample = features if len(features) <= rows else features.sample(n=rows, random_state=seed)
    return sample.reset_index(drop=True)


def log_reference_profile(features: pd.DataFrame) -> None:
    """Log the profile as an artifact of the active MLflow run (called during registration)."""
    import mlflow

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / PROFILE_FILE
        build_profile(features).to_parquet(path, index=False)
        mlflow.log_artifact(str(path), artifact_path=PROFILE_ARTIFACT_DIR)


def load_reference_profile(tracking_uri: str, run_id: str) -> pd.DataFrame:
    from mlflow.exceptions import MlflowException

    from registry.client import open_client

    set_library_default("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # keep command output to our lines
    client = open_client(tracking_uri)
    with tempfile.TemporaryDirectory() as folder:
        try:
            local = client.download_artifacts(run_id, f"{PROFILE_ARTIFACT_DIR}/{PROFILE_FILE}", folder)
        except (MlflowException, OSError) as error:
            raise ProfileUnavailableError(
                f"run {run_id} has no {PROFILE_ARTIFACT_DIR}/{PROFILE_FILE}: retrain the model with `mlops train`"
            ) from error
        return pd.read_parquet(local)
