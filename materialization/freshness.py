"""Freshness of each feature view, measured on the data rather than on the job.

Feast's own gauge only says when the last materialization window ended, so it looks fresh
while upstream data has stopped. Three signals are taken here:

- data age: now minus the newest event timestamp written to the online store for the view
  (tracked at write time in the run records; verified by sampling ``_ts`` fields in Redis);
- time since the view's last successful materialization;
- source freshness: the newest event timestamp in the offline source.

Comparing the last with the first tells the two failure modes apart: when the source has
nothing newer than the online store, upstream stopped; when it does, the materializer is
failing (or behind).
"""

import time
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from feast import FeatureStore, FeatureView

from core.durations import format_duration, parse_duration
from materialization.online_sample import sample_online
from materialization.records import RunLog
from materialization.source_stats import FileSourceStats

SLA_TAG = "freshness_sla"
SAME_INSTANT_SECONDS = 1e-3
"""Timestamps read back from Parquet, protobuf and Python floats agree to well within this."""


class Verdict(StrEnum):
    FRESH = "fresh"
    NO_SLA = "no_sla"
    UPSTREAM_STOPPED = "upstream_stopped"
    MATERIALIZER_FAILING = "materializer_failing"
    NEVER_MATERIALIZED = "never_materialized"
    STALE = "stale"
    """Breached, and the source's freshness is unknown."""


@dataclass(frozen=True)
class ViewFreshness:
    view: str
    checked_at: float
    sla_seconds: float | None
    tracked_newest: float | None
    sampled_newest: float | None
    sampled_keys: int
    last_success_at: float | None
    source_newest: float | None
    last_error: str | None
    verdict: Verdict

    @property
    def online_newest(self) -> float | None:
        known = [t for t in (self.tracked_newest, self.sampled_newest) if t is not None]
        return max(known) if known else None

    @property
    def data_age(self) -> float | None:
        return None if self.online_newest is None else self.checked_at - self.online_newest

    @property
    def since_success(self) -> float | None:
        return None if self.last_success_at is None else self.checked_at - self.last_success_at

    @property
    def source_age(self) -> float | None:
        return None if self.source_newest is None else self.checked_at - self.source_newest

    @property
    def source_ahead(self) -> bool:
        """The source holds events newer than the online store (beyond float and unit rounding)."""
        if self.source_newest is None or self.online_newest is None:
            return False
        return self.source_newest > self.online_newest + SAME_INSTANT_SECONDS

    @property
    def breached(self) -> bool:
        return self.verdict not in (Verdict.FRESH, Verdict.NO_SLA)

    def explain(self) -> str:
        """One sentence for a person reading an alert: what is stale and which side to fix."""
        age, sla = format_duration(self.data_age), format_duration(self.sla_seconds)
        success = format_duration(self.since_success) if self.last_success_at else "never"
        source = format_duration(self.source_age)
        if self.verdict is Verdict.UPSTREAM_STOPPED:
            return (
                f"{self.view}: upstream stopped: online data is {age} old (SLA {sla}) and the offline source has "
                f"nothing newer (newest source event {source} old); materialization is keeping up "
                f"(last success {success} ago). Fix the upstream feed."
            )
        if self.verdict is Verdict.MATERIALIZER_FAILING:
            error = f"; last error: {self.last_error.rstrip('.')}" if self.last_error else ""
            return (
                f"{self.view}: materializer failing: online data is {age} old (SLA {sla}) while the offline source "
                f"has events only {source} old; last successful materialization {success} ago{error}."
            )
        if self.verdict is Verdict.NEVER_MATERIALIZED:
            return f"{self.view}: no data in the online store (SLA {sla}); newest source event {source} old."
        if self.verdict is Verdict.STALE:
            return f"{self.view}: online data is {age} old (SLA {sla}); source freshness unknown."
        return f"{self.view}: online data is {age} old (SLA {sla})."


def view_sla(view: FeatureView, overrides: dict[str, timedelta]) -> timedelta | None:
    """The view's SLA: configuration first, then the Feast tag; ValueError names a bad tag."""
    if view.name in overrides:
        return overrides[view.name]
    tag = view.tags.get(SLA_TAG)
    if tag is None:
        return None
    try:
        return parse_duration(tag)
    except ValueError as error:
        raise ValueError(f"feature view {view.name}: tag {SLA_TAG}: {error}") from error


def check_view(
    store: FeatureStore, log: RunLog, view: FeatureView, sla: timedelta | None, now: float | None = None
) -> ViewFreshness:
    """Measure the three signals for ``view``. Redis errors propagate: an unreadable store is not fresh."""
    now = time.time() if now is None else now
    sample = sample_online(store, view)
    stats = FileSourceStats.of(view, Path(store.repo_path))
    source_newest = stats.newest_event() if stats is not None else None
    last_success = log.last_success(view.name)
    recent = log.recent_finished(view.name, 1)
    last_error = recent[0].error if recent and recent[0].status == "failed" else None
    tracked = log.newest_event_written(view.name)
    if sample.keys_with_view == 0:
        tracked = None  # the records say rows were written, but Redis no longer holds them
    result = ViewFreshness(
        view=view.name,
        checked_at=now,
        sla_seconds=sla.total_seconds() if sla is not None else None,
        tracked_newest=tracked,
        sampled_newest=sample.newest_event,
        sampled_keys=sample.keys_sampled,
        last_success_at=last_success.finished_at if last_success else None,
        source_newest=source_newest,
        last_error=last_error,
        verdict=Verdict.FRESH,
    )
    return _with_verdict(result)


def _with_verdict(result: ViewFreshness) -> ViewFreshness:
    if result.sla_seconds is None:
        return replace(result, verdict=Verdict.NO_SLA)
    age = result.data_age
    if age is not None and age <= result.sla_seconds:
        return replace(result, verdict=Verdict.FRESH)
    if result.online_newest is None:
        return replace(result, verdict=Verdict.NEVER_MATERIALIZED)
    if result.source_newest is None:
        return replace(result, verdict=Verdict.STALE)
    if result.source_ahead:
        return replace(result, verdict=Verdict.MATERIALIZER_FAILING)
    return replace(result, verdict=Verdict.UPSTREAM_STOPPED)


def check_all(
    store: FeatureStore, log: RunLog, overrides: dict[str, timedelta], views: list[str] | None = None
) -> list[ViewFreshness]:
    unknown = sorted(set(overrides) - {view.name for view in store.list_feature_views()})
    if unknown:
        raise ValueError(f"SLA configured for unknown feature view(s): {', '.join(unknown)}")
    selected = [view for view in store.list_feature_views() if view.online and (not views or view.name in views)]
    return [check_view(store, log, view, view_sla(view, overrides)) for view in selected]
