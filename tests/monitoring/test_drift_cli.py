"""``mlops drift`` end to end: outputs, exit codes, and bad input that gets one clear line."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mlops.main import app

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    n = 3000
    reference = pd.DataFrame(
        {"amount": rng.lognormal(3, 1, n), "channel": rng.choice(["web", "app"], n), "age": rng.normal(40, 9, n)}
    )
    same = pd.DataFrame(
        {"amount": rng.lognormal(3, 1, n), "channel": rng.choice(["web", "app"], n), "age": rng.normal(40, 9, n)}
    )
    shifted = same.assign(amount=same["amount"] * 2.0, age=same["age"] + 6.0)
    paths = {
        "ref": tmp_path / "ref.parquet",
        "same": tmp_path / "same.csv",
        "shifted": tmp_path / "shifted.parquet",
        "other": tmp_path / "other.csv",
        "nan": tmp_path / "nan.parquet",
        "text": tmp_path / "text.csv",
    }
    reference.to_parquet(paths["ref"])
    same.to_csv(paths["same"], index=False)
    shifted.to_parquet(paths["shifted"])
    pd.DataFrame({"unrelated": [1, 2, 3]}).to_csv(paths["other"], index=False)
    same.assign(age=np.nan).to_parquet(paths["nan"])
    same.assign(amount=["unknown"] * n).to_csv(paths["text"], index=False)
    return paths


def _drift(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["drift", *args])


def test_no_drift_exits_zero_with_a_table(files: dict[str, Path]) -> None:
    result = _drift("--reference", str(files["ref"]), "--current", str(files["same"]))
    assert result.exit_code == 0, result.output
    assert "dataset: no drift: 0 of 3 columns drifted" in result.output


def test_drift_exits_one_and_json_names_the_columns(files: dict[str, Path], tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    result = _drift("--reference", str(files["ref"]), "--current", str(files["shifted"]), "--json", "--html", str(html))
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["drifted"] is True
    assert report["drifted_columns"] == ["amount", "age"]
    assert report["columns"][1]["kind"] == "categorical"
    assert report["columns"][0]["threshold"] == 0.1
    page = html.read_text()
    assert page.count("<svg") == 3 and "<script" not in page and "DRIFT" in page


def test_columns_and_threshold_options(files: dict[str, Path]) -> None:
    result = _drift(
        "--reference", str(files["ref"]), "--current", str(files["shifted"]),
        "--columns", "channel", "--threshold", "0.5", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [column["column"] for column in json.loads(result.output)["columns"]] == ["channel"]


@pytest.mark.parametrize(
    ("current", "extra", "message"),
    [
        ("other", (), "share no columns"),
        ("nan", (), "current column(s) age hold no values"),
        ("text", (), "types differ between reference and current: amount"),
        ("missing", (), "no such file"),
        ("same", ("--columns", "nope"), "not in both files: nope"),
    ],
)
def test_bad_input_gets_one_line_and_exit_two(
    files: dict[str, Path], tmp_path: Path, current: str, extra: tuple[str, ...], message: str
) -> None:
    path = files.get(current, tmp_path / "missing.parquet")
    result = _drift("--reference", str(files["ref"]), "--current", str(path), *extra)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("option", "choices"),
    [
        ("--method", "'magic' is not one of 'auto', 'ks', 'psi', 'wasserstein'."),
        ("--cat-method", "'magic' is not one of 'auto', 'chi2', 'psi', 'jensenshannon'."),
    ],
)
def test_a_wrong_method_exits_two_naming_the_choices(files: dict[str, Path], option: str, choices: str) -> None:
    result = _drift("--reference", str(files["ref"]), "--current", str(files["same"]), option, "magic")
    assert result.exit_code == 2
    assert f"Invalid value for '{option}': Value error, {choices}" in " ".join(result.stderr.replace("│", " ").split())


def test_method_choices_are_the_detectors_methods() -> None:
    from typing import get_args

    from monitoring.drift import CATEGORICAL_METHODS, NUMERIC_METHODS
    from monitoring.drift_cli import CategoricalMethod, NumericMethod

    assert get_args(NumericMethod) == NUMERIC_METHODS
    assert get_args(CategoricalMethod) == CATEGORICAL_METHODS


def test_empty_file_through_the_real_command(tmp_path: Path, files: dict[str, Path]) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("amount,channel,age\n")
    completed = subprocess.run(
        [sys.executable, "-m", "mlops", "drift", "--reference", str(files["ref"]), "--current", str(empty)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [f"error: {empty}: has no rows"]
