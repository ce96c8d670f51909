"""``mlops score batch`` (local and Spark ``local[2]`` engines) against the naive Feast + pyfunc path.

One run, same input, same model: for each size (default 1M rows) each path runs as a child
process; wall time includes its start-up (imports, model load, Spark's JVM), and peak
memory is the peak of the summed RSS of the child's whole process tree (Spark's JVM and
Python workers included), sampled every 0.2 s. Probabilities of the three outputs are
compared on a sample of rows after the run.

    .venv/bin/python bench/batch_scoring.py                           # 1M rows
    .venv/bin/python bench/batch_scoring.py --rows 1000000 10000000 --paths local
    .venv/bin/python bench/batch_scoring.py --rows 1000000 3000000 10000000 --paths local --layout single
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.batch_setup import environment, prepare_project, write_input

VENV_BIN = Path(sys.executable).parent
PATHS = ("local", "spark", "naive")


def command(path: str, source: Path, output: Path, layout: str | None = None) -> list[str]:
    if path == "naive":
        return [sys.executable, str(Path(__file__).parent / "batch_peer.py"), str(source), str(output)]
    chosen = [] if layout is None else ["--single-file" if layout == "single" else "--partition-by-date"]
    return [
        str(VENV_BIN / "mlops"),
        "score",
        "batch",
        "--input",
        str(source),
        "--output",
        str(output),
        "--engine",
        path,
        *chosen,
    ]


def measured(argv: list[str], env: dict[str, str], timeout: float) -> tuple[float, float]:
    """Wall seconds and peak summed RSS (MB) of the process tree."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        if time.perf_counter() - started > timeout:
            child.kill()
            raise SystemExit(f"{argv[:4]} timed out after {timeout} s")
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(
            f"{argv[:4]} failed ({child.returncode}): {child.stderr.read()[-2000:] if child.stderr else ''}"
        )
    return seconds, peak / 2**20


def check_same(outputs: dict[str, Path]) -> str:
    """Max probability difference between each path and the local engine on every row (joined on txn_id)."""
    import pandas as pd

    base = pd.read_parquet(outputs["local"], columns=["txn_id", "probability"]).set_index("txn_id")["probability"]
    notes = []
    for path, output in outputs.items():
        if path != "local":
            other = pd.read_parquet(output, columns=["txn_id", "probability"]).set_index("txn_id")["probability"]
            notes.append(f"{path} vs local: max |diff| {float((other.reindex(base.index) - base).abs().max()):.1e}")
    return "; ".join(notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--workdir", type=Path, help="Reuse (or create) this folder; default: a new temp folder.")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument(
        "--layout",
        choices=("single", "dated"),
        help="One output file or a date-partitioned dataset (default: the command's rule, dated over 1M rows).",
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="batch-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**environment(workdir), "MLOPS_SPARK_MASTER": "local[2]"}
    prepare_project(workdir, args.customers, args.days)
    table = []
    for rows in args.rows:
        source = write_input(workdir / f"input_{rows}.parquet", rows, args.customers, args.days)
        outputs = {}
        for path in args.paths:
            output = workdir / f"out_{path}_{rows}" if path == "spark" else workdir / f"out_{path}_{rows}.parquet"
            seconds, peak_mb = measured(command(path, source, output, args.layout), env, args.timeout)
            outputs[path] = output
            table.append((rows, path, seconds, rows / seconds, peak_mb))
            print(
                f"{rows:>11,} {path:<6} {seconds:8.1f} s {rows / seconds:10,.0f} rows/s {peak_mb:8.0f} MB", flush=True
            )
        if "local" in outputs and len(outputs) > 1:
            print(f"{rows:>11,} check: {check_same(outputs)}", flush=True)
    print_table(table)


def print_table(table: list[tuple[int, str, float, float, float]]) -> None:
    local = {rows: seconds for rows, path, seconds, _, _ in table if path == "local"}
    print("\n| rows | path | wall s | rows/s | peak RSS (tree) MB | wall vs local |")
    print("|---:|---|---:|---:|---:|---:|")
    for rows, path, seconds, rate, peak in table:
        ratio = f"{seconds / local[rows]:.2f}x" if rows in local else "-"
        print(f"| {rows:,} | {path} | {seconds:.1f} | {rate:,.0f} | {peak:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
