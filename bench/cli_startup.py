"""Wall time of CLI start-up: `mlops --help` and `mlops registry list --json`, beside their floors.

Each command runs as a fresh process ``--runs`` times, interleaved, so background load hits
all alike; the table shows the median and the range. The floors measured in the same run are
a bare interpreter, ``import typer`` (what ``--help`` cannot avoid) and ``import mlflow``
(what ``registry list`` against a SQLite backend cannot avoid: MLflow's SQLAlchemy store is
the only reader of its schema). Uses whatever backend ``MLFLOW_TRACKING_URI`` names.

``--tracking-server`` also starts ``mlflow server`` on loopback over that same backend and
times ``registry list --json`` against it, which reads MLflow's REST API without importing
MLflow (registry.rest_reader); its row must list the same versions as the direct one.

    .venv/bin/python bench/cli_startup.py [--runs 5] [--tracking-server]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
COMMANDS: dict[str, list[str]] = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "python -c 'import typer' (floor)": [sys.executable, "-c", "import typer"],
    "python -c 'import mlflow' (floor)": [sys.executable, "-c", "import mlflow"],
    "mlops --help": [str(BIN / "mlops"), "--help"],
    "mlops registry list --help": [str(BIN / "mlops"), "registry", "list", "--help"],
    "mlops registry list --json": [str(BIN / "mlops"), "registry", "list", "--json"],
}


LIST_OVER_HTTP = "mlops registry list --json (tracking server, REST)"


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, bytes]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, timeout=300, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
    return elapsed, done.stdout


@contextmanager
def tracking_server() -> Iterator[str]:
    """``mlflow server`` on a free loopback port over the backend the CLI itself uses."""
    from core.paths import mlflow_tracking_uri

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(BIN / "mlflow"), "server", "--backend-store-uri", mlflow_tracking_uri()]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise SystemExit("mlflow server did not answer /health within 180 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tracking-server", action="store_true", help="Also list over HTTP from `mlflow server`.")
    args = parser.parse_args()
    if args.tracking_server:
        with tracking_server() as url:
            samples = measure(args.runs, {**os.environ, "MLFLOW_TRACKING_URI": url})
    else:
        samples = measure(args.runs, None)
    report(samples, args.runs)


def measure(runs: int, server_env: dict[str, str] | None) -> dict[str, list[float]]:
    commands = dict(COMMANDS)
    if server_env is not None:
        commands[LIST_OVER_HTTP] = commands["mlops registry list --json"]
    samples: dict[str, list[float]] = {name: [] for name in commands}
    listed: dict[str, object] = {}
    for _ in range(runs):
        for name, command in commands.items():
            elapsed, out = timed(command, server_env if name == LIST_OVER_HTTP else None)
            samples[name].append(elapsed)
            if "--json" in command:
                listed[name] = json.loads(out)
    if server_env is not None and listed[LIST_OVER_HTTP] != listed["mlops registry list --json"]:
        raise SystemExit("the REST listing differs from the direct one")
    return samples


def report(samples: dict[str, list[float]], runs: int) -> None:
    print(f"| command | median s | min s | max s |  ({runs} runs each, interleaved)")
    print("|---|---|---|---|")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |")
    with open("/proc/loadavg") as load:
        print(f"load average: {load.read().split()[0]}")


if __name__ == "__main__":
    main()
