"""No literal secret in ``docker-compose.yml``: a deployment passes them in as ``${VAR}`` or Compose secrets.

Any string of the file is searched for a password in a Redis connection string, a ``--requirepass``
or a URL's ``user:password@``; an environment variable named like a secret must be a plain reference
(``${VAR}`` or ``${VAR:?message}``, never a default value). Each rule has a broken variant below.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.deploy.compose import Compose, Variant, environment, problems_of_variant, set_env

SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL", re.IGNORECASE)
PLAIN_REFERENCE = re.compile(r"\$\{\w+(?::?\?[^}]*)?\}")  # ${VAR} or ${VAR:?message}, never a default value
LITERAL_SECRETS = (
    re.compile(r"password=(?!\$)[^,\s]+", re.IGNORECASE),  # Feast's Redis connection string options
    re.compile(r"--requirepass[=\s]+(?!\$)\S+"),
    re.compile(r"://[^/@\s:]*:(?!\$)[^@/\s]+@"),  # user:password@ in a URL
)


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def secret_problems(compose: Compose) -> list[str]:
    problems = [
        f"{path}: literal secret" for path, text in _strings(compose) if any(p.search(text) for p in LITERAL_SECRETS)
    ]
    for name, service in (compose.get("services") or {}).items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key) and value and not PLAIN_REFERENCE.fullmatch(value):
                problems.append(f"services.{name}.environment.{key}: literal secret (use ${{{key}}})")
    return problems


BROKEN_SECRETS: dict[str, tuple[Variant, str]] = {
    "password-env": (set_env("inference", "REDIS_PASSWORD", "hunter2"), "environment.REDIS_PASSWORD: literal secret"),
    "password-default": (
        set_env("inference", "REDIS_PASSWORD", "${REDIS_PASSWORD:-hunter2}"),
        "environment.REDIS_PASSWORD: literal secret",
    ),
    "password-in-connection-string": (
        set_env("inference", "REDIS_CONNECTION_STRING", "redis:6379,password=hunter2"),
        "environment.REDIS_CONNECTION_STRING: literal secret",
    ),
    "password-in-url": (
        set_env("bootstrap", "MLFLOW_TRACKING_URI", "http://admin:hunter2@mlflow:5000"),
        "environment.MLFLOW_TRACKING_URI: literal secret",
    ),
    "requirepass": (
        lambda c: c["services"]["redis"]["command"].append("--requirepass=hunter2"),
        "services.redis.command[3]: literal secret",
    ),
}


def test_the_compose_file_has_no_literal_secret(compose: Compose) -> None:
    assert secret_problems(compose) == []


@pytest.mark.parametrize(("break_it", "expected"), BROKEN_SECRETS.values(), ids=BROKEN_SECRETS.keys())
def test_the_checker_reports_a_literal_secret(compose: Compose, break_it: Variant, expected: str) -> None:
    problems = problems_of_variant(compose, break_it, secret_problems)
    assert any(expected in problem for problem in problems), problems


def test_a_secret_taken_from_the_environment_is_not_a_literal(compose: Compose) -> None:
    set_env("inference", "REDIS_PASSWORD", "${REDIS_PASSWORD:?set REDIS_PASSWORD}")(compose)
    set_env("inference", "REDIS_CONNECTION_STRING", "redis:6379,password=${REDIS_PASSWORD}")(compose)
    assert secret_problems(compose) == []
