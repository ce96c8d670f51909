"""The rollout's accuracy check, when delayed labels exist: candidate AUC against production's.

Labels are joined to what each variant served since the rollout started (a canary's own
answers; a shadow's ``shadow_score`` on the requests it mirrored). The candidate fails only
when its AUC trails production's by more than ``max_auc_drop`` **and** a one-sided z-test on
the difference (Hanley-McNeil errors, independent customers) is significant at the policy's
``significance``: a noisy dip on a few labels is not a reason to abort. Until both variants
have labels of both classes the check passes and says how many labelled rows it would need.
"""

import math
from datetime import timedelta
from typing import Any

import pandas as pd
from scipy import stats

from core.names import CANARY
from monitoring.accuracy import join_labels
from monitoring.accuracy_variants import Z_95, Z_POWER_80, VariantAccuracy, variant_accuracy
from monitoring.rollout_analysis import Check


def _candidate_rows(served: pd.DataFrame, mode: str, candidate: str) -> pd.DataFrame:
    version = served["model_version"].astype(str)
    if mode == CANARY:
        return served[(version == candidate) & (served["variant"] == CANARY)]
    if "shadow_version" not in served.columns:
        return served.iloc[0:0]
    mirrored = served[(served["shadow_version"].astype(str) == candidate) & served["shadow_score"].notna()]
    return mirrored.assign(score=mirrored["shadow_score"])


def accuracy_check(
    served: pd.DataFrame,
    labels: pd.DataFrame,
    *,
    mode: str,
    production: str,
    candidate: str,
    policy: dict[str, Any],
    label_column: str = "is_fraud",
    tolerance: timedelta = timedelta(minutes=1),
) -> Check:
    """The ``auc`` check of a verdict: passes unless the candidate is significantly and materially worse."""
    if served.empty:
        return Check("auc", True, "undetermined: nothing served yet")
    frame = served.assign(variant=served.get("variant", pd.Series("production", index=served.index)))
    frame["variant"] = frame["variant"].fillna("production")
    base = frame[(frame["model_version"].astype(str) == production) & (frame["variant"] == "production")]
    joined_base, _ = join_labels(base, labels, label_column, tolerance)
    joined_candidate, _ = join_labels(_candidate_rows(frame, mode, candidate), labels, label_column, tolerance)
    ours = variant_accuracy(joined_base, "production", production, label_column, 0.5)
    theirs = variant_accuracy(joined_candidate, mode, candidate, label_column, 0.5)
    return _judge(ours, theirs, policy)


def _judge(production: VariantAccuracy, candidate: VariantAccuracy, policy: dict[str, Any]) -> Check:
    drop, level = float(policy["max_auc_drop"]), float(policy["significance"])
    if production.auc is None or candidate.auc is None or production.auc_se is None or candidate.auc_se is None:
        return Check(
            "auc",
            True,
            f"undetermined: labelled rows production {production.rows}, candidate {candidate.rows}"
            " (each needs both classes)",
        )
    difference = candidate.auc - production.auc
    spread = math.hypot(production.auc_se, candidate.auc_se)
    # H0: the candidate is no worse than production by more than max_auc_drop.
    p_value = float(stats.norm.cdf((difference + drop) / spread)) if spread > 0 else float(difference + drop < 0)
    worse = difference < -drop and p_value < level
    needed = math.ceil(min(production.rows, candidate.rows) * ((Z_95 + Z_POWER_80) * spread / max(drop, 1e-6)) ** 2)
    detail = (
        f"candidate AUC {candidate.auc:.4f} vs production {production.auc:.4f} ({difference:+.4f}, "
        f"p={p_value:.3g} for a drop over {drop:g}; {candidate.rows}/{production.rows} labels, "
        f"~{needed} per variant to detect {drop:g})"
    )
    return Check("auc", not worse, detail)
