"""Pure logic: window planning, the zero-rows rule, alert deduplication."""

import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from materialization.alert_rules import Alert, Severity, firing_alerts
from materialization.alert_state import AlertState, Status
from materialization.freshness import Verdict, ViewFreshness
from materialization.records import RunRecord
from materialization.windows import EPSILON, windows_by_rows, windows_by_span

bins_strategy = st.lists(st.tuples(st.integers(0, 200), st.integers(1, 500)), max_size=40, unique_by=lambda b: b[0])


@given(bins=bins_strategy, budget=st.integers(1, 2_000))
def test_row_windows_cover_the_range_without_overlap_and_respect_the_budget(
    bins: list[tuple[int, int]], budget: int
) -> None:
    hour = 3600.0
    ordered = sorted((b * hour, n) for b, n in bins)
    start, end = 0.0, 201 * hour
    windows = windows_by_rows(start, end, ordered, budget)
    assert windows[0][0] == start and windows[-1][1] == end
    for (_, a_end), (b_start, _) in itertools.pairwise(windows):
        assert b_start - a_end == pytest.approx(EPSILON, abs=2.5e-7)  # float seconds: well under 0.5us
    for w_start, w_end in windows:
        rows = [n for t, n in ordered if w_start <= t <= w_end]
        assert sum(rows) <= budget or len(rows) == 1
    assert sum(n for t, n in ordered) == sum(n for w in windows for t, n in ordered if w[0] <= t <= w[1])


def test_span_windows() -> None:
    assert windows_by_span(0.0, 25.0, 10.0) == [(0.0, 10.0 - EPSILON), (10.0, 20.0 - EPSILON), (20.0, 25.0)]
    assert windows_by_span(5.0, 5.0, 10.0) == []


def _freshness(source_newest: float, online_newest: float) -> ViewFreshness:
    return ViewFreshness(
        "v", 1000.0, 3600.0, online_newest, online_newest, 10, 900.0, source_newest, None, Verdict.FRESH
    )


def _run(run_id: int, written: int, status: str = "success") -> RunRecord:
    return RunRecord(run_id, "v", "incremental", 0, 1, 0, 1, status, 5, written, None, 1, None, "w")


def test_zero_rows_fires_only_after_n_empty_runs_while_the_source_is_ahead() -> None:
    empty = [_run(3, 0), _run(2, 0), _run(1, 0)]
    ahead, caught_up = _freshness(900.0, 800.0), _freshness(800.0, 800.0)
    assert [a.rule for a in firing_alerts([ahead], {"v": empty}, 3)] == ["zero_rows_written"]
    assert firing_alerts([caught_up], {"v": empty}, 3) == []
    assert firing_alerts([ahead], {"v": empty[:2]}, 3) == []
    assert firing_alerts([ahead], {"v": [_run(3, 0), _run(2, 7), _run(1, 0)]}, 3) == []


def test_alerts_are_deduplicated_repeated_and_resolved(tmp_path: Path) -> None:
    state = AlertState(tmp_path / "state.db")
    alert = Alert("freshness_breach", "v", Severity.CRITICAL, "stale", "upstream_stopped")
    repeat = timedelta(minutes=10)
    first = state.due([alert], 0.0, repeat)
    assert [(n.status, n.repeat) for n in first] == [(Status.FIRING, False)]
    state.mark_sent(first[0], 0.0)
    assert state.due([alert], 599.0, repeat) == []
    again = state.due([alert], 600.0, repeat)
    assert [(n.status, n.repeat, n.since) for n in again] == [(Status.FIRING, True, 0.0)]
    state.mark_sent(again[0], 600.0)
    resolved = state.due([], 700.0, repeat)
    assert [(n.status, n.alert.fingerprint) for n in resolved] == [
        (Status.RESOLVED, "freshness_breach:v:upstream_stopped")
    ]
    state.mark_sent(resolved[0], 700.0)
    assert state.due([], 800.0, repeat) == []
