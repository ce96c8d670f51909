"""One settings layer: the environment is read and written only in ``core/settings.py`` (and its .pth hook)."""

import ast
from pathlib import Path

import pytest

from core.settings import REPO_ROOT, ProjectSettings

PACKAGES = ("core", "stack", "feature_repo", "upstream", "materialization", "registry", "training", "inference")
PACKAGES += ("monitoring", "pipeline", "mlops")
SETTINGS_LAYER = {REPO_ROOT / "core" / "settings.py", REPO_ROOT / "core" / "env_defaults.py"}


def _environment_uses(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "putenv", "unsetenv"}
    )


def test_no_module_outside_the_settings_layer_touches_the_environment() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        if path not in SETTINGS_LAYER
        for line in _environment_uses(path)
    ]
    assert offenders == []


def test_the_checker_sees_an_environment_read(tmp_path: Path) -> None:
    module = tmp_path / "reads.py"
    module.write_text("import os\nvalue = os.environ.get('X')\nother = os.getenv('Y')\n")
    assert _environment_uses(module) == [2, 3]


def test_project_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLOPS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("REDIS_CONNECTION_STRING", "cache:6390,password=p")
    settings = ProjectSettings()
    assert settings.data_dir == tmp_path
    assert settings.resolved_mlflow_uri() == f"sqlite:///{tmp_path.resolve() / 'mlflow' / 'mlflow.db'}"
    assert settings.redis_connection_string == "cache:6390,password=p"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    assert ProjectSettings().resolved_mlflow_uri() == "http://mlflow:5000"
