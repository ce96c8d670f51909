"""The local MLflow backend: a SQLite file, created (and migrated) once."""

import logging

from mlflow.tracking import MlflowClient

from core.paths import mlflow_tracking_uri


def ensure_backend(tracking_uri: str | None = None) -> str:
    """Create the backend's schema if needed and return its URI.

    The first connection to a new SQLite file runs MLflow's migrations, which takes
    seconds; doing it here keeps that cost out of training and serving.
    """
    uri = tracking_uri or mlflow_tracking_uri()
    if uri.startswith("sqlite:///"):
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
    return uri
