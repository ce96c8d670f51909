"""What Spark's Python workers run: the model and the statuses, per partition (``mapInPandas``).

Workers unpickle the partition function and import the modules it names, so this module
and everything it imports stay light (pandas, LightGBM, the training frame helpers, the
status rule): no Feast, MLflow or Redis import in a worker, which would cost seconds each.
"""

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pandas as pd

from inference.batch.statuses import view_statuses
from training.dataset import TrainingSet, add_request_features, feature_matrix

if TYPE_CHECKING:
    from inference.batch.views import ViewSource
    from inference.model import LoadedModel

PROBABILITY, MODEL_NAME, MODEL_VERSION = "probability", "model_name", "model_version"
TIME = "__batch_time"
"""The row's time as a microsecond timestamp (the input's column stays as it was)."""


def feature_column(feature: str) -> str:
    """Internal name of a joined feature, so an input column of the same name is carried through untouched."""
    return f"__feature_{feature}"


def first_seen_column(view_name: str) -> str:
    return f"__first_seen_{view_name}"


def partition_scorer(
    model: "LoadedModel", views: "list[ViewSource]", input_columns: list[str]
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The per-partition function: derive request features as training does, predict, add statuses.

    It captures only plain values (the model as LightGBM's text format), so it pickles to the
    executors; the booster is rebuilt once per partition.
    """
    model_text = model.booster.model_to_string()
    name, version = model.name, model.version
    layout = [(view.name, view.features) for view in views]
    store_features = tuple(feature for _, features in layout for feature in features)

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import lightgbm as lgb

        booster = lgb.Booster(model_str=model_text)
        for batch in batches:
            model_frame = pd.DataFrame({f: batch[feature_column(f)] for f in store_features})
            model_frame["amount"] = batch["amount"].astype("float64")
            add_request_features(model_frame)
            matrix = feature_matrix(TrainingSet(frame=model_frame, store_features=store_features))
            out = batch.loc[:, input_columns].copy()
            out[PROBABILITY] = booster.predict(matrix, num_threads=1)
            out[MODEL_NAME] = name
            out[MODEL_VERSION] = version
            for view_name, features in layout:
                values = model_frame.loc[:, list(features)]
                for column, statuses in view_statuses(values, batch[first_seen_column(view_name)], batch[TIME]).items():
                    out[column] = statuses
            yield out

    return score
