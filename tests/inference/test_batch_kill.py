"""A real kill: ``mlops score batch`` SIGKILLed mid-run leaves nothing complete-looking; a rerun restarts cleanly.

The run is a real subprocess, killed with SIGKILL (no handler runs, no cleanup) once its
first chunk is on disk under the temporary name. A rerun deletes that leftover and starts
again (the job restarts rather than resumes), and its output equals an uninterrupted run's.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from inference.batch.output import partial_path
from tests.inference.batch_inputs import score, transactions_with_extras
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration

CHUNK_ROWS = "400"  # many small chunks: the run lasts seconds, the first chunk lands early


def _first_chunk_written(partial: Path) -> bool:
    return partial.is_dir() and any(p.is_file() and p.stat().st_size > 0 for p in partial.rglob("part-*.parquet"))


def _kill_after_first_chunk(argv: list[str], partial: Path, log: Path) -> None:
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, env=dict(os.environ), stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            while not _first_chunk_written(partial):
                assert process.poll() is None, f"the run ended before it could be killed:\n{log.read_text()}"
                assert time.monotonic() < deadline, f"no chunk written within 180 s:\n{log.read_text()}"
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _unreadable(path: Path) -> bool:
    try:
        pq.ParquetFile(path)
    except Exception:  # any failure to open is what a half-written file looks like
        return True
    return False


def test_a_sigkilled_run_leaves_no_complete_looking_output_and_a_rerun_equals_an_uninterrupted_run(
    tmp_path: Path, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    frame = transactions_with_extras(generated_data)
    source = tmp_path / "in.parquet"
    frame.to_parquet(source, index=False)
    version = trained_model.registered.version
    out = tmp_path / "scored"
    args = ["--input", str(source), "--model-version", version, "--chunk-rows", CHUNK_ROWS, "--partition-by-date"]

    argv = [sys.executable, "-m", "mlops", "score", "batch", *args, "--output", str(out)]
    _kill_after_first_chunk(argv, partial_path(out), tmp_path / "killed.log")
    assert not out.exists()  # nothing under the output name
    leftover = list(partial_path(out).rglob("part-*.parquet"))
    assert leftover and any(_unreadable(p) for p in leftover)  # the hidden leftover is visibly unfinished

    rerun = score(*args, "--output", out)
    assert rerun.exit_code == 0, rerun.output
    assert not partial_path(out).exists()
    whole = (
        tmp_path / "whole.parquet"
    )  # one chunk: the chunk size changes no score (tests/inference/test_batch_scoring.py)
    uninterrupted = score("--input", source, "--model-version", version, "--single-file", "--output", whole)
    assert uninterrupted.exit_code == 0, uninterrupted.output

    expected = pd.read_parquet(whole)
    read_back = ds.dataset(out, format="parquet", partitioning="hive").to_table().to_pandas()
    restored = read_back.drop(columns=["event_date"]).sort_values("txn_id", ignore_index=True)
    assert len(restored) == len(frame) > int(CHUNK_ROWS) * 10
    pd.testing.assert_frame_equal(restored, expected, check_exact=True)
