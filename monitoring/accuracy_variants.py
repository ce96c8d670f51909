"""A/B by delayed labels: AUC, precision and recall per rollout variant, with confidence intervals.

Labelled predictions are grouped by the variant that answered (``variant`` and
``model_version`` in the prediction log; rows logged before rollouts count as production).
AUC gets the Hanley-McNeil standard error, precision and recall Wilson intervals; the canary
is compared with production by a z-test on the AUC difference (independent customers), with
the labelled rows per variant that test would need to detect ``min_auc_difference`` at 80%
power, so "not significant" comes with "and here is how long to wait".
"""

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score

Z_95 = 1.959963984540054
Z_POWER_80 = 0.8416212335729143


@dataclass(frozen=True)
class VariantAccuracy:
    variant: str
    model_version: str
    rows: int
    positives: int
    auc: float | None
    auc_low: float | None
    auc_high: float | None
    auc_se: float | None
    precision: float | None
    precision_low: float | None
    precision_high: float | None
    recall: float | None
    recall_low: float | None
    recall_high: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def hanley_mcneil_se(auc: float, positives: int, negatives: int) -> float:
    """Standard error of an AUC (Hanley & McNeil 1982)."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (
        positives * negatives
    )
    return math.sqrt(max(variance, 0.0))


def wilson(successes: int, trials: int) -> tuple[float | None, float | None, float | None]:
    """Share and its 95% Wilson interval; None when there were no trials."""
    if trials == 0:
        return None, None, None
    share = successes / trials
    denominator = 1 + Z_95**2 / trials
    centre = (share + Z_95**2 / (2 * trials)) / denominator
    half = Z_95 * math.sqrt(share * (1 - share) / trials + Z_95**2 / (4 * trials * trials)) / denominator
    return share, max(0.0, centre - half), min(1.0, centre + half)


def variant_accuracy(group: pd.DataFrame, variant: str, version: str, label: str, threshold: float) -> VariantAccuracy:
    truth = group[label].to_numpy(dtype=np.int64)
    scores = group["score"].to_numpy(dtype=np.float64)
    positives, negatives = int(truth.sum()), int(len(truth) - truth.sum())
    auc = se = low = high = None
    if positives and negatives:
        auc = float(roc_auc_score(truth, scores))
        se = hanley_mcneil_se(auc, positives, negatives)
        low, high = max(0.0, auc - Z_95 * se), min(1.0, auc + Z_95 * se)
    flagged = scores >= threshold
    true_positives = int((flagged & (truth == 1)).sum())
    precision = wilson(true_positives, int(flagged.sum()))
    recall = wilson(true_positives, positives)
    return VariantAccuracy(variant, version, len(truth), positives, auc, low, high, se, *precision, *recall)


def by_variant(joined: pd.DataFrame, label: str, threshold: float = 0.5) -> list[VariantAccuracy]:
    """One row per (variant, model version) that answered, production first."""
    variant = joined["variant"].fillna("production") if "variant" in joined.columns else "production"
    frame = joined.assign(variant=variant, model_version=joined["model_version"].astype(str))
    return [
        variant_accuracy(group, str(name), str(version), label, threshold)
        for (name, version), group in sorted(
            frame.groupby(["variant", "model_version"]), key=lambda item: (item[0][0] != "production", item[0])
        )
    ]


def compare(production: VariantAccuracy, candidate: VariantAccuracy, min_auc_difference: float) -> dict[str, Any]:
    """z-test of candidate AUC - production AUC, and the labelled rows per variant it needs."""
    if production.auc_se is None or candidate.auc_se is None or production.auc is None or candidate.auc is None:
        return {"difference": None, "p_value": None, "significant": False, "rows_needed_per_variant": None}
    difference = candidate.auc - production.auc
    spread = math.hypot(production.auc_se, candidate.auc_se)
    p_value = float(2 * stats.norm.sf(abs(difference) / spread)) if spread > 0 else 0.0
    rows = min(production.rows, candidate.rows)
    needed = math.ceil(rows * ((Z_95 + Z_POWER_80) * spread / min_auc_difference) ** 2)
    return {
        "difference": difference,
        "p_value": p_value,
        "significant": p_value < 0.05,
        "rows_needed_per_variant": needed,
        "min_auc_difference": min_auc_difference,
    }


def ab_report(joined: pd.DataFrame, label: str, min_auc_difference: float) -> dict[str, Any]:
    """Per-variant accuracy, and each candidate compared with the production version that labelled most rows."""
    variants = by_variant(joined, label)
    baseline = max((v for v in variants if v.variant == "production"), key=lambda v: v.rows, default=None)
    comparisons = [
        {"variant": v.variant, "model_version": v.model_version, "against_version": baseline.model_version}
        | compare(baseline, v, min_auc_difference)
        for v in variants
        if baseline is not None and v is not baseline and v.variant != "production"
    ]
    return {"variants": [v.as_dict() for v in variants], "comparisons": comparisons}


def _interval(value: float | None, low: float | None, high: float | None) -> str:
    return "n/a" if value is None or low is None or high is None else f"{value:.4f} [{low:.4f}, {high:.4f}]"


def render_ab(report: dict[str, Any]) -> str:
    from core.tables import render_table

    header = ("variant", "version", "rows", "fraud", "auc [95% CI]", "precision [95% CI]", "recall [95% CI]")
    rows = [
        (
            v["variant"],
            v["model_version"],
            str(v["rows"]),
            str(v["positives"]),
            _interval(v["auc"], v["auc_low"], v["auc_high"]),
            _interval(v["precision"], v["precision_low"], v["precision_high"]),
            _interval(v["recall"], v["recall_low"], v["recall_high"]),
        )
        for v in report["variants"]
    ]
    lines = [render_table(header, rows)]
    for c in report["comparisons"]:
        if c["difference"] is None:
            lines.append(f"{c['variant']} v{c['model_version']} vs v{c['against_version']}: AUC undefined (one class)")
            continue
        verdict = "significant" if c["significant"] else "not significant"
        lines.append(
            f"{c['variant']} v{c['model_version']} vs v{c['against_version']}: AUC {c['difference']:+.4f}, "
            f"p = {c['p_value']:.3g} ({verdict}); {c['rows_needed_per_variant']:,} labelled rows per variant "
            f"detect a {c['min_auc_difference']:g} difference at 80% power"
        )
    return "\n".join(lines)
