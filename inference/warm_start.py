"""After start-up: warm the model once and take the start-up heap out of garbage collection.

The service imports Feast, MLflow and pandas: well over a million long-lived objects. Every
full (generation 2) collection walked all of them, a pause of 100-400 ms on this 2-core
machine that landed on whichever request allocated at the wrong moment (the 330 ms worst
call of a batch benchmark). ``gc.freeze()`` moves everything alive at start-up to the
permanent generation, so collections only walk what requests allocate. The first booster
call also pays one-time set-up, done here rather than in the first request.
"""

import gc
import math

import numpy as np

from inference.state import ServingState


def warm_start(serving: ServingState) -> None:
    features = len(serving.model.features)
    serving.model.predict(np.full((1, features), math.nan))
    gc.collect()
    gc.freeze()
