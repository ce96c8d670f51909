"""``docker-compose.yml`` as Compose reads it: services, their environment, mounts and the commands they run.

The test modules that check the Compose file (``test_compose_*.py``) share this reading of it; each of
them has a checker that returns a list of problems and broken variants of the file it must report.
"""

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from tests.deploy.dockerfile import REPO, Image

COMPOSE_TEXT = (REPO / "docker-compose.yml").read_text()

Compose = dict[str, Any]
Service = dict[str, Any]
Variant = Callable[[Compose], None]


def load_compose(text: str) -> Compose:
    """As Compose reads it (anchors and merge keys resolved), with no dict shared between services."""
    compose: Compose = json.loads(json.dumps(yaml.safe_load(text)))
    return compose


def as_argv(value: str | list[Any] | None) -> list[str]:
    """Compose splits a string command like a shell would; a list is taken as is."""
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(item) for item in value]


def environment(service: Service) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def dependencies(service: Service) -> dict[str, str]:
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return dict.fromkeys(depends_on, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in depends_on.items()}


def mounts(service: Service) -> list[tuple[str, str]]:
    pairs = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            pairs.append((volume.get("source", ""), volume.get("target", "")))
        elif volume.count(":") >= 1:
            source, target = volume.split(":")[:2]
            pairs.append((source, target))
    return pairs


def healthcheck_enabled(service: Service) -> bool:
    check = service.get("healthcheck")
    return check is not None and check.get("disable") not in (True, "true")


SHELLS = (["/bin/sh", "-c"], ["sh", "-c"], ["/bin/bash", "-c"], ["bash", "-c"])
SHELL_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "exec", "{", "}"}


def shell_script(service: Service) -> str | None:
    """The script a ``sh -c`` entrypoint runs, as the container's shell sees it (``$$`` -> ``$``)."""
    if as_argv(service.get("entrypoint")) not in SHELLS:
        return None
    command = as_argv(service.get("command"))
    return command[0].replace("$$", "$") if command else ""


def shell_commands(script: str) -> list[list[str]]:
    """Simple commands of a small POSIX sh script, without the control keywords around them."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current: list[str] = []
        for token in [*lexer, ";"]:
            if set(token) <= set(";&|()"):
                while current and current[0] in SHELL_KEYWORDS:
                    current.pop(0)
                if current:
                    commands.append(current)
                current = []
            else:
                current.append(token)
    return commands


def host_interpolated(arg: str) -> str:
    """``${VAR:-default}`` as Compose interpolates it on a host that does not set ``VAR``."""
    return re.sub(r"\$\{\w+:?-([^}]*)\}", lambda m: m[1], arg)


def invocations(service: Service, image: Image) -> list[tuple[str, ...]]:
    """Command lines a service of ours runs, program first, ``$VARS`` expanded from its environment."""
    script = shell_script(service)
    if script is not None:
        commands = shell_commands(script)
    elif "entrypoint" in service:  # overriding the entrypoint also drops the image's CMD
        commands = [as_argv(service["entrypoint"]) + as_argv(service.get("command"))]
    else:
        commands = [image.entrypoint + (as_argv(service["command"]) if "command" in service else image.command)]
        commands = [[host_interpolated(arg) for arg in argv] for argv in commands]
    env = environment(service)

    def expand(arg: str) -> str:
        return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m[1], m[0]), arg)

    return [tuple(expand(arg) for arg in argv) for argv in commands if argv]


def mlops_subcommands(argv: tuple[str, ...]) -> tuple[str, ...]:
    """``("mlops", "materialize", "run", "--start", ...)`` -> ``("materialize", "run")``."""
    words = []
    for arg in argv[1:]:
        if arg.startswith("-"):
            break
        words.append(arg)
    return tuple(words)


@dataclass(frozen=True)
class Stack:
    services: dict[str, Service]
    ours: dict[str, Service]  # built from the project's Dockerfile
    runs: dict[str, list[tuple[str, ...]]]

    @classmethod
    def of(cls, compose: Compose, image: Image) -> "Stack":
        services = compose.get("services") or {}
        images = {service.get("image") for service in services.values() if "build" in service}
        ours = {name: s for name, s in services.items() if "build" in s or s.get("image") in images - {None}}
        return cls(services, ours, {name: invocations(service, image) for name, service in ours.items()})

    def named(self, predicate: Callable[[tuple[str, ...]], bool]) -> set[str]:
        return {name for name, runs in self.runs.items() if any(predicate(argv) for argv in runs)}

    @property
    def redis(self) -> set[str]:
        return {name for name, s in self.services.items() if str(s.get("image", "")).split(":")[0].endswith("redis")}

    @property
    def jobs(self) -> set[str]:
        """One-shot services: something waits for them to exit successfully."""
        return {
            dep
            for service in self.services.values()
            for dep, condition in dependencies(service).items()
            if condition == "service_completed_successfully"
        }

    @property
    def mlflow(self) -> set[str]:
        return self.named(lambda argv: argv[:2] == ("mlflow", "server"))

    def feast_users(self) -> set[str]:
        return self.named(
            lambda argv: argv[0] == "feast" or argv[:2] in {("mlops", c) for c in ("serve", "materialize", "train")}
        )

    def mlflow_users(self) -> set[str]:
        return self.named(lambda argv: argv[:2] in {("mlops", "serve"), ("mlops", "train")})


def set_env(service: str, key: str, value: str | None) -> Variant:
    def change(compose: Compose) -> None:
        env = compose["services"][service]["environment"]
        if value is None:
            del env[key]
        else:
            env[key] = value

    return change


def edit_script(service: str, old: str, new: str) -> Variant:
    def change(compose: Compose) -> None:
        command = compose["services"][service]["command"]
        assert old in command[0]
        command[0] = command[0].replace(old, new)

    return change


def problems_of_variant(compose: Compose, break_it: Variant, checker: Callable[[Compose], list[str]]) -> list[str]:
    """What ``checker`` reports once ``break_it`` has changed the Compose file (which it must change)."""
    before = json.dumps(compose, sort_keys=True)
    break_it(compose)
    assert json.dumps(compose, sort_keys=True) != before, "the variant did not change anything"
    return checker(compose)
