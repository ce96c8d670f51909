"""``mlops data generate/append --json``: the documents match the files written; --every takes a duration."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from mlops.main import app

runner = CliRunner()


def _flat(text: str) -> str:
    """Click's error box without its frame and line breaks, so a message can be matched whole."""
    return " ".join(text.replace("│", " ").split())


def test_generate_then_append_once_as_json(tmp_path: Path) -> None:
    args = ["data", "generate", "--customers", "40", "--days", "3", "--seed", "3", "--end", "2026-01-10"]
    generated = runner.invoke(app, [*args, "--out", str(tmp_path), "--json"])
    assert generated.exit_code == 0, generated.output
    report = json.loads(generated.stdout)
    snapshots = pd.read_parquet(tmp_path / "customer_stats.parquet")
    transactions = pd.read_parquet(tmp_path / "transactions.parquet")
    assert report == {
        "folder": str(tmp_path),
        "snapshots": len(snapshots),
        "transactions": len(transactions),
        "fraud_rate": transactions["is_fraud"].mean(),
        "customers": 40,
        "days": 3,
        "seed": 3,
        "end": "2026-01-10T00:00:00+00:00",
    }

    path = tmp_path / "customer_stats.parquet"
    appended = runner.invoke(app, ["data", "append", "--path", str(path), "--at", "2026-01-11T06:00:00", "--json"])
    assert appended.exit_code == 0, appended.output
    customers = snapshots["customer_id"].nunique()  # every customer with a snapshot gets a new one
    assert json.loads(appended.stdout) == {
        "path": str(path),
        "snapshots": customers,
        "at": "2026-01-11T06:00:00+00:00",
    }
    assert len(pd.read_parquet(path)) == len(snapshots) + customers


def test_every_takes_a_duration_and_rejects_a_bare_number(tmp_path: Path) -> None:
    runner.invoke(app, ["data", "generate", "--customers", "5", "--days", "2", "--out", str(tmp_path)])
    path = tmp_path / "customer_stats.parquet"
    bare = runner.invoke(app, ["data", "append", "--path", str(path), "--every", "15"])
    assert bare.exit_code == 2
    assert "Invalid value for '--every'" in _flat(bare.stderr)
    assert "invalid duration '15': use e.g. 30s, 15m, 26h, 2d or 1h30m" in _flat(bare.stderr)
    both = runner.invoke(app, ["data", "append", "--path", str(path), "--every", "15m", "--at", "2026-01-01"])
    assert (both.exit_code, both.stderr) == (1, "error: give either --at or --every, not both\n")


def test_every_streams_json_lines_until_interrupted(tmp_path: Path) -> None:
    runner.invoke(app, ["data", "generate", "--customers", "5", "--days", "2", "--out", str(tmp_path)])
    path = tmp_path / "customer_stats.parquet"
    command = [sys.executable, "-m", "mlops", "data", "append", "--path", str(path), "--every", "1s", "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ)
    try:
        assert process.stdout is not None
        lines = [json.loads(process.stdout.readline()) for _ in range(2)]
        process.send_signal(signal.SIGINT)  # in the sleep after the second append, or in the third append
        rest, err = process.communicate(timeout=60)
    finally:
        process.kill()
    customers = pd.read_parquet(path)["customer_id"].nunique()
    assert [line["snapshots"] for line in lines] == [customers, customers]
    assert lines[0]["at"] < lines[1]["at"]
    # An interrupt during an append lets that append finish (and print its line) before stopping.
    later = [json.loads(line) for line in rest.splitlines()]
    assert len(later) <= 1 and all(line["snapshots"] == customers for line in later)
    assert process.returncode == 0  # stdout stays pure JSON lines: the json.loads above parsed every one
    assert "stopped appending" in err
