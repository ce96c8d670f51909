"""Where uvicorn workers share their Prometheus values (prometheus_client multiprocess mode).

prometheus_client decides at import time whether values live in memory or in files, so the
directory must be in the environment before any worker imports it: ``mlops serve`` calls
:func:`prepare_multiprocess_dir` first thing, and spawned workers inherit the variable. This
module itself must not import prometheus_client.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

from core.settings import environment_value, set_library_value

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LEGACY_ENV = "PROMETHEUS_MULTIPROCESS_DIR"
"""The older name, which Feast also sets and reads."""
FEAST_DEFAULT_PREFIX = "feast_metrics_"
"""Feast 0.67 sets both variables to ``mkdtemp(prefix="feast_metrics_")`` when it is imported."""


def prepare_multiprocess_dir() -> Path:
    """An empty directory for this run: a fresh temp one (removed at exit) unless the user chose one.

    Files left by an earlier run would be summed into this run's counts, so a user-chosen
    directory is emptied of them. A ``feast_metrics_*`` folder is not a choice: Feast made it
    for a parent process that imported it, and every sibling process writes there too.
    """
    configured = environment_value(MULTIPROC_ENV)
    if configured and not Path(configured).name.startswith(FEAST_DEFAULT_PREFIX):
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return folder
    folder = Path(tempfile.mkdtemp(prefix="mlops-metrics-"))
    set_library_value(MULTIPROC_ENV, str(folder))
    set_library_value(LEGACY_ENV, str(folder))
    atexit.register(shutil.rmtree, folder, True)
    return folder
