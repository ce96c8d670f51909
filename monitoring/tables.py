"""Reading the two sides of a drift comparison and deciding what each column is.

Column kinds come from the data unless the user says otherwise: text, booleans and
pandas categories are categorical, floats numeric, and integers with few distinct values
(codes, flags) categorical, because a KS test on ten distinct values measures ties, not shape.
"""

from enum import StrEnum
from pathlib import Path

import pandas as pd
from pandas.api import types as ptypes

FEW_DISTINCT_INTEGERS = 10


class DriftInputError(ValueError):
    """Input that cannot be compared; the message names the file or column and what to do."""


class ColumnKind(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


def read_table(path: Path, columns: list[str] | None = None, *, text_as_category: bool = False) -> pd.DataFrame:
    """A CSV or Parquet file as a frame (only ``columns`` when given and all present).

    ``text_as_category`` (drift): Parquet text columns arrive as pandas categories.
    """
    if not path.exists():
        raise DriftInputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"} or path.is_dir():
            frame = _read_parquet(path, columns) if text_as_category else pd.read_parquet(path)
        elif suffix in {".csv", ".gz"}:
            frame = pd.read_csv(path, engine="pyarrow")
        else:
            raise DriftInputError(f"{path}: expected a .csv or .parquet file")
    except (OSError, ValueError) as error:
        if isinstance(error, DriftInputError):
            raise
        raise DriftInputError(f"{path}: cannot read it ({error})") from error
    if frame.empty:
        raise DriftInputError(f"{path}: has no rows")
    if columns is not None:
        frame = frame.loc[:, [name for name in columns if name in frame.columns]]
    return frame


def _read_parquet(path: Path, columns: list[str] | None) -> pd.DataFrame:
    """Only the wanted columns, text as pandas categories (one small code per row, not one str object).

    At 1M rows x 10 text columns, object strings were ~1 GB of the peak memory and made
    ``value_counts`` hash every string; a category column is its dictionary plus int codes,
    which is how Parquet stored it in the first place.
    """
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    schema = ds.dataset(path, format="parquet").schema
    wanted = [name for name in schema.names if columns is None or name in columns]
    if not wanted:  # none of the requested columns: read all, so the caller can say which are missing
        wanted = list(schema.names)
    text = [name for name in wanted if pa_is_text(schema.field(name).type)]
    table = pq.read_table(path, columns=wanted, read_dictionary=text, pre_buffer=False)
    frame: pd.DataFrame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    release_arrow_memory()
    return frame


def release_arrow_memory() -> None:
    """Hand the Arrow pool's freed pages back to the OS once a file is in pandas.

    Decompression buffers and the columns ``self_destruct`` freed stay in mimalloc's cache
    otherwise; at 1M x 50 columns that was ~0.6 GB of the peak on top of the 0.64 GB the two
    frames hold. ``pre_buffer=False`` keeps the reader from holding every column chunk of a
    row group at once (a further ~0.4 GB).
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def pa_is_text(kind: object) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _family(series: pd.Series) -> str | None:
    """'numeric', 'categorical', or None for types drift does not cover (timestamps)."""
    if ptypes.is_bool_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype):
        return "categorical"
    if ptypes.is_numeric_dtype(series):
        return "numeric"
    if ptypes.is_datetime64_any_dtype(series) or ptypes.is_timedelta64_dtype(series):
        return None
    return "categorical"


def detect_kind(reference: pd.Series) -> ColumnKind | None:
    family = _family(reference)
    if family is None:
        return None
    if family == "categorical":
        return ColumnKind.CATEGORICAL
    if ptypes.is_integer_dtype(reference) and reference.nunique(dropna=True) <= FEW_DISTINCT_INTEGERS:
        return ColumnKind.CATEGORICAL
    return ColumnKind.NUMERIC


def resolve_columns(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    requested: list[str] | None,
    overrides: dict[str, ColumnKind],
) -> tuple[dict[str, ColumnKind], list[str]]:
    """The columns to compare with their kinds, and the columns skipped (with the reason why)."""
    common = [name for name in reference.columns if name in current.columns]
    if requested:
        unknown = [name for name in requested if name not in common]
        if unknown:
            raise DriftInputError(f"column(s) not in both files: {', '.join(unknown)}")
        common = list(requested)
    if not common:
        raise DriftInputError(
            "the files share no columns "
            f"(reference: {', '.join(map(str, reference.columns[:8]))}; "
            f"current: {', '.join(map(str, current.columns[:8]))})"
        )
    kinds: dict[str, ColumnKind] = {}
    skipped: list[str] = []
    mismatched: list[str] = []
    for name in common:
        ref_family, cur_family = _family(reference[name]), _family(current[name])
        if ref_family != cur_family and not (name in overrides and None not in (ref_family, cur_family)):
            mismatched.append(f"{name} ({ref_family or reference[name].dtype} vs {cur_family or current[name].dtype})")
            continue
        kind = overrides.get(name) or detect_kind(reference[name])
        if kind is None:
            if requested:
                raise DriftInputError(f"column {name} has type {reference[name].dtype}, which drift does not cover")
            skipped.append(f"{name}: type {reference[name].dtype}")
            continue
        if kind is ColumnKind.NUMERIC and ref_family != "numeric":
            raise DriftInputError(f"column {name} holds text, so it cannot be treated as numeric")
        kinds[name] = kind
    if mismatched:
        raise DriftInputError("types differ between reference and current: " + "; ".join(mismatched))
    for side, frame in (("reference", reference), ("current", current)):
        empty = [name for name in kinds if frame[name].notna().sum() == 0]
        if empty:
            raise DriftInputError(
                f"{side} column(s) {', '.join(empty)} hold no values (empty or all NaN); leave them out with --columns"
            )
    return kinds, skipped
