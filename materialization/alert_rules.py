"""Alert rules, evaluated after every scheduled run: pure functions of measured state."""

from dataclasses import dataclass
from enum import StrEnum

from materialization.freshness import ViewFreshness
from materialization.records import RunRecord


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Alert:
    rule: str
    view: str
    severity: Severity
    summary: str
    cause: str = ""
    """Part of the identity: when a breach's cause changes, the old alert resolves and a new one fires."""

    @property
    def fingerprint(self) -> str:
        return f"{self.rule}:{self.view}:{self.cause}" if self.cause else f"{self.rule}:{self.view}"


RULES = ("freshness_breach", "materialization_failed", "zero_rows_written")


def firing_alerts(
    freshness: list[ViewFreshness], recent_runs: dict[str, list[RunRecord]], zero_rows_runs: int
) -> list[Alert]:
    """Alerts that hold now. ``recent_runs`` are each view's newest finished runs, newest first."""
    alerts: list[Alert] = []
    for result in freshness:
        if result.breached:
            alerts.append(
                Alert("freshness_breach", result.view, Severity.CRITICAL, result.explain(), result.verdict.value)
            )
        runs = recent_runs.get(result.view, [])
        if runs and runs[0].status == "failed":
            alerts.append(
                Alert(
                    "materialization_failed",
                    result.view,
                    Severity.WARNING,
                    f"{result.view}: materialization run {runs[0].id} failed after {runs[0].attempts} attempt(s): "
                    f"{runs[0].error}",
                )
            )
        window = runs[:zero_rows_runs]
        if len(window) == zero_rows_runs and all(r.rows_written == 0 for r in window) and result.source_ahead:
            alerts.append(
                Alert(
                    "zero_rows_written",
                    result.view,
                    Severity.WARNING,
                    f"{result.view}: the last {zero_rows_runs} runs wrote no rows while the offline source has "
                    "events newer than the online store (check the materialization window and the source's "
                    "timestamps).",
                )
            )
    return alerts
