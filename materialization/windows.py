"""Cutting a materialization range into windows that each hold a bounded number of rows.

Feast loads a whole ``materialize`` range into memory at once, so memory grows with the
length of history. Windows sized by a row budget keep it flat while making as few Feast
calls as possible (each call converts every row it reads to protobuf, so many tiny windows
cost throughput). Feast filters ``start <= ts <= end`` inclusively, so consecutive windows
are separated by one microsecond: no row is read twice and none is skipped (the offline
store compares at microsecond precision).
"""

from collections.abc import Sequence

EPSILON = 1e-6
"""One microsecond, in seconds."""

Window = tuple[float, float]


def windows_by_rows(start: float, end: float, bins: Sequence[tuple[float, int]], max_rows: int) -> list[Window]:
    """Windows covering ``[start, end]`` whose row counts stay within ``max_rows``.

    ``bins`` are ``(bin start, rows)`` in ascending order. A single bin larger than the
    budget becomes a window of its own: it cannot be cut finer than the histogram saw it.
    """
    if end <= start:
        return []
    cuts: list[float] = []
    rows_in_window = 0
    for bin_start, rows in bins:
        if bin_start > start and rows_in_window and rows_in_window + rows > max_rows:
            cuts.append(bin_start)
            rows_in_window = 0
        rows_in_window += rows
    return _between(start, end, [cut for cut in cuts if start < cut < end])


def windows_by_span(start: float, end: float, span: float) -> list[Window]:
    """Fixed-length windows, for sources whose rows cannot be counted cheaply."""
    if end <= start:
        return []
    cuts: list[float] = []
    cut = start + span
    while cut < end:
        cuts.append(cut)
        cut += span
    return _between(start, end, cuts)


def _between(start: float, end: float, cuts: list[float]) -> list[Window]:
    edges = [start, *cuts]
    windows = [(edges[i], edges[i + 1] - EPSILON) for i in range(len(edges) - 1)]
    windows.append((edges[-1], end))
    return windows
