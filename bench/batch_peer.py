"""The naive batch path a user would write: Feast's ``get_historical_features`` over the whole frame, then pyfunc.

Run as a child process by ``bench/batch_scoring.py``: ``python bench/batch_peer.py INPUT OUTPUT``.
"""

import sys

import mlflow.pyfunc
import pandas as pd
from feast import FeatureStore
from mlflow.tracking import MlflowClient

from core.paths import feast_repo_path, mlflow_tracking_uri


def main(source: str, output: str) -> None:
    uri = mlflow_tracking_uri()
    version = MlflowClient(uri, registry_uri=uri).get_model_version_by_alias("fraud_detector", "production")
    features = pd.read_json(pd.io.common.StringIO(version.tags["features"]), typ="series").tolist()
    store = FeatureStore(repo_path=str(feast_repo_path()))
    frame = pd.read_parquet(source)
    frame["event_timestamp"] = frame["event_timestamp"].dt.floor("us").astype("datetime64[us, UTC]")  # DuckDB needs us
    joined = store.get_historical_features(entity_df=frame, features=store.get_feature_service("fraud_detector_v1"))
    scored = joined.to_df()
    aov = scored["avg_order_value"].where(scored["avg_order_value"] > 0)
    scored["amount_to_avg_order_value"] = scored["amount"] / aov
    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model(f"models:/fraud_detector/{version.version}")
    scored["probability"] = model.predict(scored.loc[:, features].astype("float64"))
    scored.to_parquet(output, index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
