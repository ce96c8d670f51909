"""Per-variant samples of a rollout, taken from the prediction log.

Only rows logged since the rollout started and answered by the versions it compares count:
the production version for production, the candidate for the canary (``variant ==
"canary"``) or the shadow (``shadow_score``). A canary error is a row whose assigned canary
failed (``canary_error``; the production version answered it), a shadow error a row whose shadow raised
or scored outside [0, 1] (``shadow_error``; records that skipped a full shadow queue are not
the model's fault and are left out). Latency is the model call (``score_ms``); a shadow is
scored in batches off the response path, so its latency is not compared.
"""

from typing import Any

import numpy as np
import pandas as pd

from core.names import CANARY
from monitoring.rollout_analysis import VariantSample

DROPPED = "dropped"
"""``shadow_error`` of a record the shadow skipped (inference.shadow.DROPPED)."""
EMPTY = VariantSample(np.empty(0), np.empty(0), 0)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _floats(series: pd.Series) -> np.ndarray:
    return np.asarray(pd.to_numeric(series, errors="coerce").dropna(), dtype=np.float64)


def variant_samples(
    frame: pd.DataFrame, mode: str, production: str, candidate: str
) -> tuple[VariantSample, VariantSample]:
    """(production, candidate) samples of a ``canary`` or ``shadow`` rollout."""
    if frame.empty:
        return EMPTY, EMPTY
    version = frame["model_version"].astype(str)
    variant = _column(frame, "variant").fillna("production")
    canary_error = _column(frame, "canary_error")
    by_production_version = version == production
    by_production = frame[by_production_version & (variant == "production") & canary_error.isna()]
    base = VariantSample(_floats(by_production["score"]), _floats(_column(by_production, "score_ms")), 0)
    if mode == CANARY:
        answered = frame[(version == candidate) & (variant == CANARY)]
        errors = int((canary_error.notna() & by_production_version).sum())
        return base, VariantSample(_floats(answered["score"]), _floats(_column(answered, "score_ms")), errors)
    shadowed = frame[_column(frame, "shadow_version").astype(str) == candidate]
    shadow_error = _column(shadowed, "shadow_error")
    errors = int((shadow_error.notna() & (shadow_error != DROPPED)).sum())
    shadow = VariantSample(_floats(_column(shadowed, "shadow_score")), np.empty(0), errors)
    return VariantSample(base.scores, np.empty(0), 0), shadow


def describe(sample: VariantSample) -> dict[str, Any]:
    """What ``status`` and ``analyze`` print per variant."""
    return {
        "requests": sample.requests,
        "errors": sample.errors,
        "error_rate": round(sample.error_rate, 6),
        "p99_score_ms": round(sample.p99_ms, 4) if sample.latencies_ms.size else None,
        "mean_score": round(float(sample.scores.mean()), 6) if sample.scores.size else None,
    }
