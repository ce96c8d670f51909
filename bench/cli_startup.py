"""Wall time of CLI start-up: `mlops --help` and `mlops registry list --json`, beside their floors.

Each command runs as a fresh process ``--runs`` times, interleaved, so background load hits
all alike; the table shows the median and the range. The floors measured in the same run are
a bare interpreter, ``import typer`` (what ``--help`` cannot avoid) and ``import mlflow``
(what ``registry list`` against a SQLite backend cannot avoid: MLflow's SQLAlchemy store is
the only reader of its schema). Uses whatever backend ``MLFLOW_TRACKING_URI`` names.

    .venv/bin/python bench/cli_startup.py [--runs 5]
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS: dict[str, list[str]] = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "python -c 'import typer' (floor)": [sys.executable, "-c", "import typer"],
    "python -c 'import mlflow' (floor)": [sys.executable, "-c", "import mlflow"],
    "mlops --help": [str(BIN / "mlops"), "--help"],
    "mlops registry list --help": [str(BIN / "mlops"), "registry", "list", "--help"],
    "mlops registry list --json": [str(BIN / "mlops"), "registry", "list", "--json"],
}


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, timeout=300)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            samples[name].append(timed(command))
    print(f"| command | median s | min s | max s |  ({args.runs} runs each, interleaved)")
    print("|---|---|---|---|")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |")
    with open("/proc/loadavg") as load:
        print(f"load average: {load.read().split()[0]}")


if __name__ == "__main__":
    main()
