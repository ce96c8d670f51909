"""The build context: ``.dockerignore`` keeps what the image needs and leaves out local state.

The patterns are evaluated by docker-py's ``exclude_paths``, the matcher ``docker build`` used before
BuildKit (a port of moby's fileutils). It answers for a directory, not for a path name, so each check
builds a tree holding exactly the paths it asks about and reads which of them would be sent.
"""

import tempfile
from collections.abc import Iterable
from pathlib import Path

from docker.utils.build import exclude_paths

from tests.deploy.dockerfile import PYPROJECT, REPO

# docker-py has no public reader for the file: APIClient.build reads it inline, exactly like this
# (stripped lines, blank lines and comments dropped), so this mirrors it instead of parsing the syntax.
PATTERNS = [
    line.strip()
    for line in (REPO / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.strip().startswith("#")
]


def excluded(patterns: list[str], paths: Iterable[str], workdir: Path) -> list[str]:
    """Which of ``paths`` (files, relative to the context) ``patterns`` leave out of the build context.

    exclude_paths also keeps ``Dockerfile`` and ``.dockerignore`` whatever the patterns say (the legacy
    builder always sends them), so those two names are not asked about here.
    """
    root = Path(tempfile.mkdtemp(dir=workdir))
    paths = list(paths)
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).touch()
    sent = exclude_paths(str(root), list(patterns))  # it appends to the list it is given
    return [path for path in paths if path not in sent]


def test_the_build_context_holds_the_project_and_leaves_out_local_state(tmp_path: Path) -> None:
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = [
        "pyproject.toml",
        "uv.lock",
        PYPROJECT["project"]["readme"],
        "feature_store.yaml",
        ".feastignore",
        *(f"{package}/__init__.py" for package in wheel["packages"]),
        *wheel.get("force-include", {}),
    ]
    assert excluded(PATTERNS, needed, tmp_path) == []
    local_state = [
        ".venv/bin/python",
        ".tools/bin/uv",
        "data/registry.db",
        ".git/HEAD",
        "mlops/__pycache__/main.cpython-311.pyc",
        "__pycache__/x.pyc",
        ".pytest_cache/README.md",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/CACHEDIR.TAG",
        ".env",
    ]
    left_out = excluded(PATTERNS, local_state, tmp_path)
    assert [path for path in local_state if path not in left_out] == []


def test_the_dockerignore_matcher_can_tell_paths_apart(tmp_path: Path) -> None:
    assert excluded(["data"], ["data/offline/x.parquet", "mlops/data.py"], tmp_path) == ["data/offline/x.parquet"]
    assert excluded(["*.db"], ["registry.db", "feature_repo/registry.db"], tmp_path) == ["registry.db"]
    assert excluded(["**/*.pyc"], ["a/b/c.pyc", "a/b/c.py"], tmp_path) == ["a/b/c.pyc"]
    assert excluded(["tests", "!tests"], ["tests/x.py"], tmp_path) == []
