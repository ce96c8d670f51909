"""Run records: one row per view per run, one row per finished chunk, in a SQLite file.

SQLite beside the registry (not Redis) so that a run can still be recorded as failed when
Redis is the thing that is down. Chunk rows are what make a killed run resumable: each is
written only after Feast has finished writing that window to the online store.
"""

import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from materialization.settings import MaterializationEnvironment

DB_ENV = "MLOPS_MATERIALIZATION_DB"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    view TEXT NOT NULL,
    kind TEXT NOT NULL,
    window_start REAL NOT NULL,
    window_end REAL NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_written INTEGER NOT NULL DEFAULT 0,
    newest_event REAL,
    attempts INTEGER NOT NULL DEFAULT 1,
    error TEXT,
    worker TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_view ON runs (view, id);
CREATE TABLE IF NOT EXISTS chunks (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    view TEXT NOT NULL,
    window_start REAL NOT NULL,
    window_end REAL NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_written INTEGER NOT NULL,
    newest_event REAL,
    finished_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_view ON chunks (view, window_end);
CREATE TABLE IF NOT EXISTS entity_parts (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    view TEXT NOT NULL,
    part INTEGER NOT NULL,
    parts INTEGER NOT NULL,
    finished_at REAL NOT NULL
);
"""

FINISHED = ("success", "failed", "interrupted")


@dataclass(frozen=True)
class RunRecord:
    id: int
    view: str
    kind: str
    window_start: float
    window_end: float
    started_at: float
    finished_at: float | None
    status: str
    rows_read: int
    rows_written: int
    newest_event: float | None
    attempts: int
    error: str | None
    worker: str

    @property
    def duration(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.started_at


def default_db_path() -> Path:
    environment = MaterializationEnvironment()
    return environment.materialization_db or environment.data_dir.resolve() / "materialization.db"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class RunLog:
    """Read and write run, chunk and alert records."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            with db:
                yield db
        finally:
            db.close()

    def start_run(self, view: str, kind: str, window_start: float, window_end: float) -> int:
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO runs (view, kind, window_start, window_end, started_at, status, worker)"
                " VALUES (?, ?, ?, ?, ?, 'running', ?)",
                (view, kind, window_start, window_end, time.time(), worker_id()),
            )
            return int(cursor.lastrowid or 0)

    def record_chunk(
        self, run_id: int, view: str, start: float, end: float, rows_read: int, rows_written: int, newest: float | None
    ) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, view, start, end, rows_read, rows_written, newest, time.time()),
            )
            db.execute(
                "UPDATE runs SET rows_read = rows_read + ?, rows_written = rows_written + ?,"
                " newest_event = MAX(COALESCE(newest_event, ?), COALESCE(?, newest_event)) WHERE id = ?",
                (rows_read, rows_written, newest, newest, run_id),
            )

    def record_part(
        self, run_id: int, view: str, part: int, parts: int, rows_read: int, rows_written: int, newest: float | None
    ) -> None:
        """One entity part of a direct run is in Redis; its rows count towards the run at once."""
        with self._connect() as db:
            db.execute("INSERT INTO entity_parts VALUES (?, ?, ?, ?, ?)", (run_id, view, part, parts, time.time()))
            db.execute(
                "UPDATE runs SET rows_read = rows_read + ?, rows_written = rows_written + ?,"
                " newest_event = MAX(COALESCE(newest_event, ?), COALESCE(?, newest_event)) WHERE id = ?",
                (rows_read, rows_written, newest, newest, run_id),
            )

    def record_window(self, run_id: int, view: str, start: float, end: float) -> None:
        """The whole window of a direct run is done: one chunk row, as the windowed engine leaves per window.

        Its row counts are already on the run (``record_part``); the chunk row carries them too,
        summed from the run, so chunk-based readers (incremental start, freshness) see one engine.
        """
        with self._connect() as db:
            db.execute(
                "INSERT INTO chunks SELECT id, view, ?, ?, rows_read, rows_written, newest_event, ?"
                " FROM runs WHERE id = ?",
                (start, end, time.time(), run_id),
            )

    def parts_done(self, view: str, window_start: float, window_end: float, parts: int) -> set[int]:
        """Entity parts that unfinished backfill runs of exactly this window, cut the same way, finished."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT p.part FROM entity_parts p JOIN runs r ON r.id = p.run_id WHERE p.view = ? AND p.parts = ?"
                " AND r.kind = 'backfill' AND r.window_start = ? AND r.window_end = ? AND r.status != 'success'"
                " AND r.id > COALESCE((SELECT MAX(id) FROM runs WHERE view = ? AND kind = 'backfill'"
                " AND window_start = ? AND window_end = ? AND status = 'success'), 0)",
                (view, parts, window_start, window_end, view, window_start, window_end),
            ).fetchall()
        return {int(row[0]) for row in rows}

    def finish_run(self, run_id: int, status: str, attempts: int, error: str | None = None) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE runs SET status = ?, finished_at = ?, attempts = ?, error = ? WHERE id = ?",
                (status, time.time(), attempts, error, run_id),
            )

    def completed_until(self, view: str, window_start: float, window_end: float) -> float | None:
        """Where to resume a backfill of exactly this window: the end of the last chunk that the
        previous, unfinished run of it (killed, failed or interrupted) got done; None to start over."""
        with self._connect() as db:
            row = db.execute(
                "SELECT id, status FROM runs WHERE view = ? AND kind = 'backfill' AND window_start = ?"
                " AND window_end = ? ORDER BY id DESC LIMIT 1",
                (view, window_start, window_end),
            ).fetchone()
            if row is None or row[1] == "success":
                return None
            done = db.execute(
                "SELECT MAX(window_end) FROM chunks WHERE view = ? AND window_start >= ? AND window_end <= ?"
                " AND run_id IN (SELECT id FROM runs WHERE view = ? AND window_start = ? AND window_end = ?)",
                (view, window_start, window_end, view, window_start, window_end),
            ).fetchone()
        return None if done[0] is None else float(done[0])

    def abandon_unfinished(self, view: str, window: tuple[float, float] | None = None) -> int:
        """Mark runs of ``view`` still shown as running (killed or crashed) as abandoned.

        Called only when no other run of the view can be live: when resuming exactly their
        window, or by a scheduler holding the view's lock.
        """
        query = "UPDATE runs SET status = 'abandoned', error = ? WHERE view = ? AND status = 'running'"
        params: tuple[object, ...] = ("did not finish (killed or crashed); a later run took over", view)
        if window is not None:
            query += " AND window_start = ? AND window_end = ?"
            params += window
        with self._connect() as db:
            return db.execute(query, params).rowcount

    def last_chunk_end(self, view: str) -> float | None:
        """Where the view's incremental materialization has reached, whatever run got it there."""
        with self._connect() as db:
            row = db.execute("SELECT MAX(window_end) FROM chunks WHERE view = ?", (view,)).fetchone()
        return None if row[0] is None else float(row[0])

    def newest_event_written(self, view: str) -> float | None:
        """Newest event timestamp ever handed to the online store for ``view`` (tracked at write time)."""
        with self._connect() as db:
            row = db.execute("SELECT MAX(newest_event) FROM chunks WHERE view = ?", (view,)).fetchone()
        return None if row[0] is None else float(row[0])

    def history(self, view: str | None = None, limit: int = 20) -> list[RunRecord]:
        query = "SELECT * FROM runs" + (" WHERE view = ?" if view else "") + " ORDER BY id DESC LIMIT ?"
        params: tuple[object, ...] = (view, limit) if view else (limit,)
        with self._connect() as db:
            rows = db.execute(query, params).fetchall()
        return [RunRecord(*row) for row in rows]

    def last_success(self, view: str) -> RunRecord | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM runs WHERE view = ? AND status = 'success' ORDER BY id DESC LIMIT 1", (view,)
            ).fetchone()
        return None if row is None else RunRecord(*row)

    def recent_finished(self, view: str, limit: int) -> list[RunRecord]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM runs WHERE view = ? AND status IN ('success', 'failed') ORDER BY id DESC LIMIT ?",
                (view, limit),
            ).fetchall()
        return [RunRecord(*row) for row in rows]
