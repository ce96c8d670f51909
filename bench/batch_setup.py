"""A throwaway project for the batch scoring benchmark: data, a Feast registry, a trained model, inputs.

Everything lives in one folder (``--workdir`` keeps it for reuse): generated snapshots as
the Feast file source, a fresh registry (the offline join needs no Redis), an MLflow SQLite
backend with one promoted model, and input Parquet files of random (customer, time) rows.
"""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd


def environment(workdir: Path) -> dict[str, str]:
    """The variables every process of the run gets (set in this process too, before feature_repo is imported)."""
    env = {
        "MLOPS_DATA_DIR": str(workdir / "data"),
        "MLOPS_FEAST_REPO": str(workdir / "repo"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}",
        "REDIS_CONNECTION_STRING": "127.0.0.1:1",  # never contacted: batch scoring reads the offline store
        "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
    }
    os.environ.update(env)
    return {**os.environ, **env}


def prepare_project(workdir: Path, customers: int, days: int) -> None:
    """Generate data, apply the definitions, train and promote a model (skipped when already there)."""
    if (workdir / "ready").exists():
        return
    from feast import FeatureStore

    from core.paths import ProjectPaths
    from feature_repo.customer_stats import customer_stats
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v1
    from stack.feast_repo import write_repo
    from stack.mlflow_backend import ensure_backend
    from training.evaluation import Gate
    from training.model import TrainingConfig
    from training.run import run_training
    from upstream.generate import GeneratorConfig, generate

    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    data = generate(GeneratorConfig(customers=customers, days=days, end=end, seed=3))
    paths = ProjectPaths.from_env()
    paths.offline.mkdir(parents=True, exist_ok=True)
    data.customer_stats.to_parquet(paths.customer_stats, index=False)
    store = FeatureStore(repo_path=str(write_repo(workdir / "repo", "batch_bench")))
    store.apply([customer, customer_stats, fraud_detector_v1])
    run_training(
        store,
        data.transactions.iloc[:200_000],
        feature_service="fraud_detector_v1",
        tracking_uri=ensure_backend(os.environ["MLFLOW_TRACKING_URI"]),
        gate=Gate("auc", 0.5),
        config=TrainingConfig(num_boost_round=100),
        promote=True,
    )
    (workdir / "ready").write_text("ok")


def write_input(path: Path, rows: int, customers: int, days: int, seed: int = 11) -> Path:
    """Random transactions over the data's span (and two days past it), written in 1M-row row groups."""
    if path.exists():
        return path
    import pyarrow as pa
    import pyarrow.parquet as pq

    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    rng = np.random.default_rng(seed)
    writer = None
    step = 1_000_000
    for first in range(0, rows, step):
        n = min(step, rows - first)
        offsets = rng.integers(0, (days + 2) * 86_400_000_000, size=n)
        frame = pd.DataFrame(
            {
                "txn_id": np.arange(first, first + n, dtype=np.int64),
                "customer_id": rng.integers(1, customers + 100, size=n).astype(np.int64),
                "event_timestamp": pd.Timestamp(start) + pd.to_timedelta(offsets, unit="us"),
                "amount": np.round(rng.lognormal(4, 1, size=n), 2),
            }
        )
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    return path
