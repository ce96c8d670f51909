"""The ``mlops materialize history`` table."""

from datetime import UTC, datetime

from core.durations import format_duration
from core.tables import render_table
from materialization.records import RunRecord


def _time(epoch: float | None) -> str:
    return "-" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def history_table(records: list[RunRecord]) -> str:
    header = ("run", "view", "kind", "window start", "window end", "read", "written", "took", "status", "error")
    rows = [
        (
            str(r.id),
            r.view,
            r.kind,
            _time(r.window_start),
            _time(r.window_end),
            f"{r.rows_read:,}",
            f"{r.rows_written:,}",
            format_duration(r.duration) if r.duration is not None else "-",
            r.status,
            (r.error or "")[:60],
        )
        for r in records
    ]
    return render_table(header, rows, rule=False)
