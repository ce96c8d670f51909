"""Bad input to ``mlops score batch``: one ``error:`` line naming the problem, non-zero exit, no output."""

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests.inference.batch_inputs import error_lines, score
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration


def _rows(data: GeneratedData, n: int = 50) -> pd.DataFrame:
    return data.transactions.loc[: n - 1, ["customer_id", "event_timestamp", "amount"]].copy()


def _missing_column(path: Path, data: GeneratedData) -> None:
    _rows(data).drop(columns="amount").to_parquet(path)


def _amount_as_text(path: Path, data: GeneratedData) -> None:
    _rows(data).astype({"amount": str}).to_parquet(path)


def _id_as_float(path: Path, data: GeneratedData) -> None:
    _rows(data).astype({"customer_id": float}).to_parquet(path)


def _time_as_text(path: Path, data: GeneratedData) -> None:
    _rows(data).astype({"event_timestamp": str}).to_parquet(path)


def _empty(path: Path, data: GeneratedData) -> None:
    _rows(data).iloc[:0].to_parquet(path)


def _corrupt(path: Path, data: GeneratedData) -> None:
    _rows(data).to_parquet(path)
    path.write_bytes(path.read_bytes()[:-40] + b"\0" * 40)  # footer overwritten


def _null_ids_in_a_later_chunk(path: Path, data: GeneratedData) -> None:
    rows = _rows(data, 40).astype({"customer_id": "Int64"})
    rows.loc[35, "customer_id"] = pd.NA
    rows.to_parquet(path)


def _output_column_in_input(path: Path, data: GeneratedData) -> None:
    _rows(data).assign(probability=0.5).to_parquet(path)


CASES: list[tuple[Callable[[Path, GeneratedData], None], str]] = [
    (_missing_column, "error: input lacks required column(s) amount"),
    (_amount_as_text, "error: input column amount must be a number, got string"),
    (_id_as_float, "error: input column customer_id must be an integer, got double"),
    (_time_as_text, "error: input column event_timestamp must be a timestamp or date, got string"),
    (_empty, "has no rows"),
    (_corrupt, "cannot read"),
    (_null_ids_in_a_later_chunk, "error: input column customer_id has 1 null value(s)"),
    (_output_column_in_input, "error: input already has output column(s) probability"),
]


@pytest.mark.parametrize(("write", "message"), CASES, ids=[write.__name__.strip("_") for write, _ in CASES])
def test_bad_input_is_one_error_line_and_no_output(
    tmp_path: Path,
    generated_data: GeneratedData,
    trained_model: TrainingOutcome,
    write: Callable[[Path, GeneratedData], None],
    message: str,
) -> None:
    source = tmp_path / "in.parquet"
    write(source, generated_data)
    out = tmp_path / "out.parquet"
    result = score(
        "--input", source, "--output", out, "--model-version", trained_model.registered.version, "--chunk-rows", "30"
    )
    assert result.exit_code != 0
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]  # no output, no leftover


def test_unknown_model_version_and_missing_input_are_named(
    tmp_path: Path, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    source = tmp_path / "in.parquet"
    _rows(generated_data).to_parquet(source)
    out = tmp_path / "out.parquet"
    result = score("--input", source, "--output", out, "--model-version", "999")
    assert result.exit_code != 0
    assert error_lines(result) == ["error: model 'fraud_detector' has no version '999'"]
    result = score("--input", tmp_path / "nope.parquet", "--output", out)
    assert error_lines(result) == [f"error: input {tmp_path / 'nope.parquet'} does not exist"]
    assert not out.exists()


def test_a_killed_runs_leftover_is_replaced_by_a_complete_output(
    tmp_path: Path, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    source = tmp_path / "in.parquet"
    _rows(generated_data, 200).to_parquet(source)
    out = tmp_path / "out.parquet"
    leftover = tmp_path / ".out.parquet.partial"
    leftover.write_bytes(b"half a file from a killed run")
    result = score(
        "--input", source, "--output", out, "--model-version", trained_model.registered.version, "--chunk-rows", "64"
    )
    assert result.exit_code == 0, result.output
    assert not leftover.exists()
    assert len(pd.read_parquet(out)) == 200
