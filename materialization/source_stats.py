"""What the offline source holds, asked of the Parquet files directly with DuckDB.

Two questions, both cheap column scans: how many rows fall in each time bin (to cut a long
range into windows of bounded size) and the newest event timestamp (so an alert can tell
"upstream stopped" from "materializer failing"). Only file sources are answered; for others
the callers fall back to fixed-length windows and report source freshness as unknown.
"""

from dataclasses import dataclass
from pathlib import Path

import duckdb
from feast import FeatureView, FileSource


@dataclass(frozen=True)
class FileSourceStats:
    files: str
    timestamp_field: str

    @classmethod
    def of(cls, view: FeatureView, repo_path: Path | None) -> "FileSourceStats | None":
        source = view.batch_source
        if not isinstance(source, FileSource) or not source.path or "://" in source.path:
            return None
        path = Path(source.path)
        if not path.is_absolute() and repo_path is not None:
            path = repo_path / path
        files = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
        return cls(files=files, timestamp_field=source.timestamp_field)

    def _query(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        column = '"' + self.timestamp_field.replace('"', '""') + '"'
        with duckdb.connect() as db:
            db.execute("SET TimeZone = 'UTC'")
            return db.execute(sql.format(ts=f"epoch({column})"), {"files": self.files, **params}).fetchall()

    def histogram(self, start: float, end: float, bin_seconds: float) -> list[tuple[float, int]]:
        """``(bin start, rows)`` for the non-empty bins holding events in ``[start, end]``, in order."""
        rows = self._query(
            "SELECT floor({ts} / $bin) AS b, count(*) FROM read_parquet($files) WHERE {ts} BETWEEN $start AND $end "
            "GROUP BY b ORDER BY b",
            bin=bin_seconds,
            start=start,
            end=end,
        )
        return [(float(str(b)) * bin_seconds, int(str(n))) for b, n in rows]

    def newest_event(self) -> float | None:
        rows = self._query("SELECT max({ts}) FROM read_parquet($files)")
        value = rows[0][0] if rows else None
        return None if value is None else float(str(value))

    def count_between(self, start: float, end: float) -> int:
        rows = self._query(
            "SELECT count(*) FROM read_parquet($files) WHERE {ts} BETWEEN $start AND $end", start=start, end=end
        )
        return int(str(rows[0][0]))
