"""The peer side of bench/drift_speed.py, run inside the throwaway Evidently venv.

Reads the same two Parquet files, runs Evidently's ``DataDriftPreset`` with its defaults, and
prints one JSON line: per-column method, threshold, score and verdict, plus the seconds spent
reading and computing. Kept free of project imports: the project is not installed there.
"""

import json
import sys
import time

import pandas as pd


def main(reference_path: str, current_path: str) -> None:
    started = time.perf_counter()
    reference = pd.read_parquet(reference_path)
    current = pd.read_parquet(current_path)
    read_s = time.perf_counter() - started

    from evidently import Report
    from evidently.presets import DataDriftPreset

    started = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
    result = snapshot.dict()
    compute_s = time.perf_counter() - started
    columns = {}
    for metric in result["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            value = metric["value"]
            method, threshold = config.get("method"), config.get("threshold")
            columns[config["column"]] = {"method": method, "threshold": threshold, "score": value}
    print(
        json.dumps({"read_s": read_s, "compute_s": compute_s, "columns": columns, "raw_first": result["metrics"][:2]})
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
