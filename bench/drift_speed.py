"""``mlops drift`` against Evidently's ``DataDriftPreset`` on the same files, in the same run.

Writes a reference and a current Parquet file (default 1,000,000 rows x 40 numeric + 10
categorical columns; in current, 6 numeric columns are shifted or rescaled, one categorical
column changes its shares and one gains a new category), then runs each tool as its own
process on those files, one after the other, measuring wall time and peak resident memory
of the process tree (sampled every 50 ms). Both use their defaults, which apply the same tests
at this size (normalized Wasserstein >= 0.1 for numeric, Jensen-Shannon distance >= 0.1 for
categorical), so the per-column verdicts must agree; the table says whether they do.

Evidently is not in the project lock: it is pip-installed (bench/evidently-requirements.txt)
into a throwaway venv under /tmp and run there. If that fails, the peer row says so.

    .venv/bin/python bench/drift_speed.py [--rows 1000000] [--peer-timeout 900] [--csv]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

BENCH = Path(__file__).resolve().parent
PEER_VENV = Path(tempfile.gettempdir()) / "mlops-bench-evidently-venv"
PEER_REQUIREMENTS = BENCH / "evidently-requirements.txt"
MLOPS = Path(sys.executable).parent / "mlops"


@dataclass
class Run:
    label: str
    wall_s: float
    peak_rss_mb: float
    verdicts: dict[str, bool]
    note: str = ""


def make_files(rows: int, folder: Path, seed: int = 7) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    categories = [f"c{i}" for i in range(8)]

    def frame(shifted: bool) -> pd.DataFrame:
        columns: dict[str, np.ndarray] = {}
        for i in range(40):
            values = rng.normal(10.0 * i, 1.0 + i % 5, size=rows)
            if shifted and i < 3:
                values = values + 0.5 * (1.0 + i % 5)  # half-sigma mean shift
            if shifted and 3 <= i < 6:
                values = 10.0 * i + (values - 10.0 * i) * 1.5  # variance change
            columns[f"num_{i:02d}"] = values
        for j in range(10):
            shares = np.full(len(categories), 1.0 / len(categories))
            values = rng.choice(categories, size=rows, p=shares).astype(object)
            if shifted and j == 0:
                values = rng.choice(categories, size=rows, p=[0.3] + [0.1] * 7).astype(object)
            if shifted and j == 1:
                values[rng.random(rows) < 0.15] = "new_category"
            columns[f"cat_{j}"] = values
        return pd.DataFrame(columns)

    reference, current = folder / "reference.parquet", folder / "current.parquet"
    frame(False).to_parquet(reference, index=False)
    frame(True).to_parquet(current, index=False)
    return reference, current


def measure(argv: list[str], timeout: float) -> tuple[float, float, str, int]:
    """Wall seconds, peak RSS (MB) of the process tree, stdout, exit code."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
        watched = psutil.Process(process.pid)
        peak = 0
        while process.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            if time.perf_counter() - started > timeout:
                process.kill()
                process.wait()
                raise TimeoutError(f"{argv[0]} did not finish in {timeout:.0f} s")
            time.sleep(0.05)
        wall = time.perf_counter() - started
        stderr = process.stderr.read().decode() if process.stderr else ""
        out.seek(0)
        stdout = out.read().decode()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{argv[0]} exited {process.returncode}: {stderr[-2000:]}")
    return wall, peak / 2**20, stdout, process.returncode


def run_ours(reference: Path, current: Path, label: str = "ours: mlops drift") -> Run:
    wall, peak, stdout, _ = measure(
        [str(MLOPS), "drift", "--reference", str(reference), "--current", str(current), "--json"], 900
    )
    report = json.loads(stdout)
    return Run(label, wall, peak, {c["column"]: bool(c["drifted"]) for c in report["columns"]})


def as_csv(*paths: Path) -> list[Path]:
    """The same files as CSV (the target for CSV input is its own row)."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    written = []
    for path in paths:
        target = path.with_suffix(".csv")
        pa_csv.write_csv(pq.read_table(path), target)
        written.append(target)
    return written


def install_peer(venv: Path) -> str | None:
    """Create the peer venv once; returns why it cannot be used, or None."""
    python = venv / "bin" / "python"
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        check = subprocess.run([str(python), "-c", "import evidently"], capture_output=True)
        if check.returncode != 0:
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "-r", str(PEER_REQUIREMENTS)],
                check=True, capture_output=True, timeout=900,
            )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        return f"cannot install Evidently into {venv}: {error}"
    return None


def run_peer(venv: Path, reference: Path, current: Path, timeout: float) -> Run:
    python = venv / "bin" / "python"
    wall, peak, stdout, _ = measure(
        [str(python), str(BENCH / "evidently_peer.py"), str(reference), str(current)], timeout
    )
    result = json.loads(stdout.strip().splitlines()[-1])
    verdicts = {}
    for column, found in result["columns"].items():
        method, threshold, score = found["method"], found["threshold"], found["score"]
        is_pvalue = "p_value" in str(method) or "test" in str(method).lower()
        verdicts[column] = score < threshold if is_pvalue else score >= threshold
    methods = sorted({str(found["method"]) for found in result["columns"].values()})
    return Run("peer: Evidently DataDriftPreset", wall, peak, verdicts, note=f"methods: {', '.join(methods)}")


def table(runs: list[Run], rows: int) -> str:
    ours = runs[0]
    lines = [
        f"| tool ({rows:,} rows x 50 columns) | wall s | peak RSS MB | drifted columns | verdicts equal ours |",
        "|---|---|---|---|---|",
    ]
    for run in runs:
        drifted = sum(run.verdicts.values())
        same = "-" if run is ours else ("yes" if run.verdicts == ours.verdicts else _diff(ours.verdicts, run.verdicts))
        lines.append(
            f"| {run.label} | {run.wall_s:.1f} | {run.peak_rss_mb:,.0f} | {drifted} of {len(run.verdicts)} | {same} |"
        )
    for run in runs[1:]:
        if run.label.startswith("ours"):
            continue
        lines.append(
            f"\nratio peer/ours: wall {run.wall_s / ours.wall_s:.1f}x, memory {run.peak_rss_mb / ours.peak_rss_mb:.1f}x"
        )
        if run.note:
            lines.append(f"peer {run.note}")
    return "\n".join(lines)


def _diff(ours: dict[str, bool], peer: dict[str, bool]) -> str:
    differ = sorted(name for name in ours.keys() | peer.keys() if ours.get(name) != peer.get(name))
    return "no: " + ", ".join(differ)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--peer-timeout", type=float, default=900.0, help="Give up on the peer after this many seconds."
    )
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--csv", action="store_true", help="Also run ours on the same files written as CSV.")
    parser.add_argument("--peer-venv", type=Path, default=PEER_VENV, help="Where the throwaway Evidently venv lives.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlops-drift-bench-") as folder:
        print(f"writing {args.rows:,} x 50 reference and current files ...", file=sys.stderr)
        reference, current = make_files(args.rows, Path(folder))
        runs = [run_ours(reference, current)]
        print(f"ours: {runs[0].wall_s:.1f} s", file=sys.stderr)
        if args.csv:
            runs.append(run_ours(*as_csv(reference, current), label="ours: mlops drift, CSV input"))
        problem = "skipped (--skip-peer)" if args.skip_peer else install_peer(args.peer_venv)
        if problem is None:
            try:
                runs.append(run_peer(args.peer_venv, reference, current, args.peer_timeout))
            except (TimeoutError, RuntimeError, json.JSONDecodeError) as error:
                problem = str(error)
        print(table(runs, args.rows))
        if problem:
            print(f"peer row missing: {problem}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
