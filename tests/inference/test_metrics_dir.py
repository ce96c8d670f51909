"""The service's Prometheus multiprocess folder is its own, even when a parent process imported Feast.

Feast 0.67 sets ``PROMETHEUS_MULTIPROC_DIR`` to a ``feast_metrics_*`` temp folder when it is
imported, so every child of a Python process that imported Feast (a test session, an
orchestrator) inherits one shared folder. ``mlops serve`` took it for the user's choice and
summed the files of every other process writing there: a real Prometheus saw the
scheduler's freshness gauges twice, once from the scheduler and once from the service, and
every freshness alert failed to evaluate ("many-to-many matching not allowed").
"""

import os
import tempfile
from pathlib import Path

import pytest

from inference.metrics_dir import MULTIPROC_ENV, prepare_multiprocess_dir


def test_a_folder_feast_made_for_a_parent_process_is_not_adopted(monkeypatch: pytest.MonkeyPatch) -> None:
    inherited = Path(tempfile.mkdtemp(prefix="feast_metrics_"))
    (inherited / "gauge_livesum_123.db").write_bytes(b"another process's values")
    monkeypatch.setenv(MULTIPROC_ENV, str(inherited))
    monkeypatch.setenv("PROMETHEUS_MULTIPROCESS_DIR", str(inherited))

    folder = prepare_multiprocess_dir()

    assert folder != inherited
    assert not folder.name.startswith("feast_metrics_")
    assert list(folder.iterdir()) == []
    assert (inherited / "gauge_livesum_123.db").exists()  # not ours to delete either
    assert os.environ[MULTIPROC_ENV] == os.environ["PROMETHEUS_MULTIPROCESS_DIR"] == str(folder)


def test_a_folder_the_user_chose_is_used_and_emptied(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    chosen = tmp_path / "metrics"
    chosen.mkdir()
    (chosen / "counter_1.db").write_bytes(b"stale")
    monkeypatch.setenv(MULTIPROC_ENV, str(chosen))

    assert prepare_multiprocess_dir() == chosen
    assert list(chosen.iterdir()) == []
