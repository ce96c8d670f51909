"""The Dockerfile, checked offline: parsed by dockerfile-parse, then read for what the image must be.

Multi-stage from the official slim Python image that ``requires-python`` allows, dependencies from uv.lock
with a pinned uv, a non-root user, an exec-form ``mlops`` entrypoint, a health check the slim image can
run, and the Feast registry on the shared data volume. Each rule has a broken variant of the real
Dockerfile below that it must report, so a check that cannot fail shows up as a failing test.
"""

import json
import re
import shlex
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from tests.deploy.clis import option_value
from tests.deploy.dockerfile import (
    DOCKERFILE_TEXT,
    PYPROJECT,
    REPO,
    Image,
    Instruction,
    dockerfile_stages,
    image_defaults,
    parse,
)

REQUIRES_PYTHON: str = PYPROJECT["project"]["requires-python"]


def dockerfile_problems(text: str, requires_python: str) -> list[str]:
    stages = dockerfile_stages(text)
    if not stages:
        return ["no FROM instruction"]
    problems = [] if len(stages) > 1 else ["not multi-stage: compilers would ship in the runtime image"]
    for stage in stages:
        version = re.fullmatch(r"(?:docker\.io/(?:library/)?)?python:(\d+\.\d+)[\w.-]*", stage.base)
        if not version:
            problems.append(f"base image {stage.base} is not an official python image")
        elif not SpecifierSet(requires_python).contains(f"{version[1]}.0"):
            problems.append(f"base image {stage.base} does not satisfy requires-python {requires_python}")
    runs = [i.value for stage in stages for i in stage.all("RUN")]
    syncs = [run.split() for run in runs if "uv sync" in run]
    if not syncs:
        problems.append("no `uv sync`: dependencies do not come from uv.lock")
    for sync in syncs:
        problems += [f"`uv sync` without {flag}" for flag in ("--frozen", "--no-dev") if flag not in sync]
    if syncs and "--no-editable" not in syncs[-1]:
        problems.append("the last `uv sync` installs the project editable: the venv points at the builder's source")
    if not any(re.search(r"\buv==\d+(\.\d+)+", run) for run in runs):
        problems.append("uv is not installed at a pinned version (uv==X.Y.Z)")
    final = stages[-1]
    if "slim" not in final.base:
        problems.append(f"runtime stage is based on {final.base}, not a slim image")
    if not any("--from=" in i.value and "/app/.venv" in i.value for i in final.all("COPY")):
        problems.append("runtime stage does not copy the virtual environment from the builder")
    if parse(text).envs.get("PATH", "").split(":")[0] != "/app/.venv/bin":  # ENV of the final stage
        problems.append("runtime stage does not put /app/.venv/bin first on PATH")
    user = final.last("USER")
    if user is None:
        problems.append("runtime stage has no USER: the container runs as root")
    elif user.value.split(":")[0] in {"root", "0"}:
        problems.append(f"runtime stage runs as root (USER {user.value})")
    entrypoint, command = final.last("ENTRYPOINT"), final.last("CMD")
    if entrypoint is None or entrypoint.exec_form() != ["mlops"]:
        problems.append('ENTRYPOINT is not the exec form ["mlops"]')
    if command is None or command.exec_form() is None:
        problems.append("CMD is not in exec form")
    problems += _image_healthcheck_problems(final.last("HEALTHCHECK"), (command and command.exec_form()) or [])
    return problems


def _image_healthcheck_problems(healthcheck: Instruction | None, command: list[str]) -> list[str]:
    if healthcheck is None or healthcheck.value.upper() == "NONE":
        return ["runtime stage has no HEALTHCHECK"]
    probe = healthcheck.value.partition("CMD ")[2].strip()
    argv = json.loads(probe) if probe.startswith("[") else shlex.split(probe)
    if argv[:1] not in (["python"], ["python3"]):
        return [f"HEALTHCHECK runs {argv[:1]}, but the slim image only has python"]
    url = re.search(r"https?://[^'\"\s]+", probe)
    if url is None or urlsplit(url[0]).path != "/health":
        return ["HEALTHCHECK does not probe /health"]
    served_port = option_value(command, "--port")
    if served_port is not None and str(urlsplit(url[0]).port) != served_port:
        return [f"HEALTHCHECK probes port {urlsplit(url[0]).port}, CMD serves on {served_port}"]
    return []


def registry_problems(feature_store_yaml: str, dockerfile: str, feast_repo: str, data_dir: str) -> list[str]:
    """The registry that `feast apply` writes must land on the data volume every service mounts."""
    registry = yaml.safe_load(feature_store_yaml)["registry"]
    path = PurePosixPath(registry["path"] if isinstance(registry, dict) else registry)
    if path.is_absolute():
        return [] if path.is_relative_to(data_dir) else [f"registry {path} is outside {data_dir}"]
    link = rf"ln\s+-s\w*\s+{re.escape(data_dir)}/?\s+{re.escape(feast_repo)}/{re.escape(path.parts[0])}\b"
    if not any(re.search(link, run.value) for stage in dockerfile_stages(dockerfile) for run in stage.all("RUN")):
        return [
            f"registry {feast_repo}/{path} stays in each container: link {feast_repo}/{path.parts[0]} to {data_dir}"
        ]
    return []


BROKEN_DOCKERFILE: dict[str, tuple[str, str, str]] = {
    "no-user": ("USER 10001:10001\n", "", "runtime stage has no USER"),
    "root-user": ("USER 10001:10001", "USER root", "runtime stage runs as root"),
    "no-healthcheck": ("HEALTHCHECK --interval", "# HEALTHCHECK --interval", "no HEALTHCHECK"),
    "curl-healthcheck": (
        'CMD ["python", "-c", "import urllib.request;',
        'CMD ["curl", "-f", "http://127.0.0.1:8000/health"]\n# ["python", "-c", "import urllib.request;',
        "the slim image only has python",
    ),
    "healthcheck-port": ("127.0.0.1:8000/health", "127.0.0.1:8080/health", "probes port 8080, CMD serves on 8000"),
    "shell-entrypoint": ('ENTRYPOINT ["mlops"]', "ENTRYPOINT mlops", "ENTRYPOINT is not the exec form"),
    "not-frozen": ("uv sync --frozen --no-dev --no-editable", "uv sync --no-dev --no-editable", "without --frozen"),
    "with-dev": ("uv sync --frozen --no-dev --no-install-project", "uv sync --frozen --no-install-project", "--no-dev"),
    "editable": (
        "uv sync --frozen --no-dev --no-editable\n",
        "uv sync --frozen --no-dev\n",
        "installs the project editable",
    ),
    "unpinned-uv": ("uv==0.13.8", "uv", "pinned version"),
    "wrong-python": ("python:3.11-slim", "python:3.12-slim", "does not satisfy requires-python"),
    "not-python": ("python:3.11-slim", "debian:trixie-slim", "is not an official python image"),
    "not-slim": ("python:3.11-slim", "python:3.11-trixie", "not a slim image"),
    "cmd-shell-form": (
        'CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]',
        "CMD mlops serve",
        "CMD is not in exec form",
    ),
    "healthcheck-path": ("8000/health'", "8000/'", "HEALTHCHECK does not probe /health"),
    "no-venv-copy": ("COPY --from=builder /app/.venv /app/.venv", "", "does not copy the virtual environment"),
    "no-path": ("PATH=/app/.venv/bin:$PATH", "PYTHONPATH=/app", "does not put /app/.venv/bin first on PATH"),
    "path-appended": ("PATH=/app/.venv/bin:$PATH", "PATH=$PATH:/app/.venv/bin", "/app/.venv/bin first on PATH"),
    "single-stage": ("FROM ${PYTHON_IMAGE} AS runtime", "FROM ${PYTHON_IMAGE} AS runtime_", "not multi-stage"),
}


def test_dockerfile_has_no_problems() -> None:
    assert dockerfile_problems(DOCKERFILE_TEXT, REQUIRES_PYTHON) == []


def test_both_stages_build_from_the_python_image_of_the_global_arg() -> None:
    stages = dockerfile_stages(DOCKERFILE_TEXT)
    assert [stage.base for stage in stages] == ["python:3.11-slim", "python:3.11-slim"]
    assert [run.value.split()[-1] for run in stages[0].all("RUN") if "uv sync" in run.value] == ["--no-editable"] * 2


def test_the_dockerfile_runs_mlops_serve_as_a_non_root_user() -> None:
    assert image_defaults(DOCKERFILE_TEXT) == Image(
        entrypoint=["mlops"], command=["serve", "--host", "0.0.0.0", "--port", "8000"], workdir="/app"
    )
    assert dockerfile_stages(DOCKERFILE_TEXT)[-1].last("USER") == Instruction("USER", "10001:10001")


@pytest.mark.parametrize(("old", "new", "expected"), BROKEN_DOCKERFILE.values(), ids=BROKEN_DOCKERFILE.keys())
def test_the_checker_reports_a_broken_dockerfile(old: str, new: str, expected: str) -> None:
    assert old in DOCKERFILE_TEXT, "the variant does not apply to the Dockerfile"
    text = DOCKERFILE_TEXT.replace(old, new)
    if new.startswith("FROM ${PYTHON_IMAGE} AS runtime_"):  # keep only the runtime stage
        text = "ARG PYTHON_IMAGE=python:3.11-slim\n" + text[text.index(new) :]
    problems = dockerfile_problems(text, REQUIRES_PYTHON)
    assert any(expected in problem for problem in problems), problems


def test_the_feast_registry_lands_on_the_shared_data_volume() -> None:
    feature_store_yaml = (REPO / "feature_store.yaml").read_text()
    assert registry_problems(feature_store_yaml, DOCKERFILE_TEXT, "/app", "/data") == []
    unlinked = DOCKERFILE_TEXT.replace("&& ln -s /data /app/data", "")
    assert unlinked != DOCKERFILE_TEXT
    assert registry_problems(feature_store_yaml, unlinked, "/app", "/data") == [
        "registry /app/data/registry.db stays in each container: link /app/data to /data"
    ]
