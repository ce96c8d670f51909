"""The container deployment files, checked offline: no Docker engine, no network.

``docker-compose.yml`` is validated against the Compose Specification schema that
check-jsonschema vendors, then against what this stack needs: health checks that Compose can
wait on, hosts that are services, ``mlops``/``feast``/``mlflow`` command lines that their own
CLIs accept, one data volume for the Feast registry, and no literal secrets. The checkers return
lists of problems; each rule has a broken variant below that it must report, so a check that
cannot fail shows up as a failing test.
"""

import importlib.resources
import json
import re
import shlex
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import typer
import yaml
from packaging.specifiers import SpecifierSet
from typer.testing import CliRunner

from mlops.main import app
from stack.redis_server import RedisEndpoint

REPO = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (REPO / "docker-compose.yml").read_text()
DOCKERFILE_TEXT = (REPO / "Dockerfile").read_text()
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())

Compose = dict[str, Any]
Service = dict[str, Any]

# --- Dockerfile -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str

    def exec_form(self) -> list[str] | None:
        return json.loads(self.value) if self.value.startswith("[") else None


@dataclass(frozen=True)
class Stage:
    base: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


def dockerfile_stages(text: str) -> list[Stage]:
    """Build stages with continuation lines joined, comments dropped and global ARGs substituted."""
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, value = (pending + line).partition(" ")
        pending = ""
        instruction = Instruction(keyword.upper(), value.strip())
        if instruction.keyword == "FROM":
            base = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args.get(m[1], m[0]), instruction.value).split()[0]
            stages.append(Stage(base))
        elif stages:
            stages[-1].instructions.append(instruction)
        elif instruction.keyword == "ARG":
            name, _, default = instruction.value.partition("=")
            global_args[name.strip()] = default.strip()
    return stages


@dataclass(frozen=True)
class Image:
    """What a container of the project image runs when Compose does not override it."""

    entrypoint: list[str]
    command: list[str]
    workdir: str


def image_defaults(text: str) -> Image:
    final = dockerfile_stages(text)[-1]
    entrypoint, command, workdir = final.last("ENTRYPOINT"), final.last("CMD"), final.last("WORKDIR")
    return Image(
        entrypoint=(entrypoint.exec_form() if entrypoint else None) or [],
        command=(command.exec_form() if command else None) or [],
        workdir=workdir.value if workdir else "/",
    )


def option_value(argv: list[str] | tuple[str, ...], name: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(f"{name}="):
            return arg.partition("=")[2]
    return None


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
    if not any("PATH=/app/.venv/bin:" in i.value for i in final.all("ENV")):
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


# --- Compose: reading services ----------------------------------------------------------------


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


def invocations(service: Service, image: Image) -> list[tuple[str, ...]]:
    """Command lines a service of ours runs, program first, ``$VARS`` expanded from its environment."""
    script = shell_script(service)
    if script is not None:
        commands = shell_commands(script)
    elif "entrypoint" in service:  # overriding the entrypoint also drops the image's CMD
        commands = [as_argv(service["entrypoint"]) + as_argv(service.get("command"))]
    else:
        commands = [image.entrypoint + (as_argv(service["command"]) if "command" in service else image.command)]
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


# --- Command lines, parsed by the real CLIs without running them ----------------------------


def cli_for(program: str) -> Any:
    """The click command behind ``program`` (Typer vendors its own click, so these are duck-typed)."""
    if program == "mlops":
        return typer.main.get_command(app)
    if program == "feast":
        from feast.cli.cli import cli as feast_cli

        return feast_cli
    if program == "mlflow":
        from mlflow.cli import cli as mlflow_cli

        return mlflow_cli
    return None


def click_problems(root: Any, argv: tuple[str, ...]) -> list[str]:
    """Usage errors of ``argv`` for a click CLI: sub-commands, options and values are parsed, nothing runs."""
    shown = " ".join(argv)
    command, name, remaining, parent = root, argv[0], list(argv[1:]), None
    try:
        while hasattr(command, "get_command"):  # a group
            takes_value = {
                opt
                for param in command.params
                if param.param_type_name == "option" and not param.is_flag and not param.count
                for opt in param.opts
            }
            split = 0
            while split < len(remaining) and remaining[split].startswith("-"):
                split += 2 if remaining[split] in takes_value else 1
            if split >= len(remaining):
                return [f"`{shown}`: `{name}` needs a sub-command"]
            group_args, sub_name = remaining[:split], remaining[split]
            context = command.make_context(name, [*group_args, sub_name], parent=parent)
            sub = command.get_command(context, sub_name)
            if sub is None:
                return [f"`{shown}`: `{name}` has no command {sub_name!r}"]
            command, name, remaining, parent = sub, sub_name, remaining[split + 1 :], context
        command.make_context(name, remaining, parent=parent)
    except Exception as error:  # click's UsageError, from whichever click the CLI is built on
        if not hasattr(error, "format_message"):
            raise
        return [f"`{shown}`: {error.format_message()}"]
    return []


# --- Compose: the rules -----------------------------------------------------------------------

PROJECT_ENV = ("REDIS_CONNECTION_STRING", "MLFLOW_TRACKING_URI", "MLOPS_DATA_DIR", "MLOPS_FEAST_REPO")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL", re.IGNORECASE)
PLAIN_REFERENCE = re.compile(r"\$\{\w+(?::?\?[^}]*)?\}")  # ${VAR} or ${VAR:?message}, never a default value
LITERAL_SECRETS = (
    re.compile(r"password=(?!\$)[^,\s]+", re.IGNORECASE),  # Feast's Redis connection string options
    re.compile(r"--requirepass[=\s]+(?!\$)\S+"),
    re.compile(r"://[^/@\s:]*:(?!\$)[^@/\s]+@"),  # user:password@ in a URL
)


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


def compose_problems(compose: Compose, image: Image) -> list[str]:
    stack = Stack.of(compose, image)
    problems = []
    if len({json.dumps([s.get("image"), s.get("build")], sort_keys=True) for s in stack.ours.values()}) > 1:
        problems.append("services of ours are built from different images")
    for check in (_healthcheck_problems, _dependency_problems, _endpoint_problems, _script_problems):
        problems += check(stack)
    problems += _data_volume_problems(compose, stack, image)
    problems += _secret_problems(compose)
    for name, runs in stack.runs.items():
        for argv in runs:
            root = cli_for(argv[0])
            problems += [f"{name}: {problem}" for problem in (click_problems(root, argv) if root else [])]
    return problems


def _healthcheck_problems(stack: Stack) -> list[str]:
    problems = []
    for name, service in stack.services.items():
        check = service.get("healthcheck")
        if check is None:
            problems.append(f"{name}: no healthcheck")
        elif not healthcheck_enabled(service):
            if name not in stack.jobs or service.get("restart", "no") != "no":
                problems.append(f"{name}: healthcheck disabled on a long-running service")
        else:
            test = as_argv(check.get("test"))
            if not test or test[0] == "NONE":
                problems.append(f"{name}: healthcheck has no test")
            elif name in stack.ours and test[0] == "CMD" and test[1:2] in (["curl"], ["wget"]):
                problems.append(f"{name}: healthcheck runs {test[1]}, which the slim image lacks")
            elif test[0] == "CMD" and test[1:3] in (["python", "-c"], ["python3", "-c"]):
                try:
                    compile(test[3], f"{name} healthcheck", "exec")
                except SyntaxError as error:
                    problems.append(f"{name}: healthcheck code does not compile: {error.msg}")
    return problems


def _dependency_problems(stack: Stack) -> list[str]:
    trainers = stack.named(lambda argv: argv[:2] == ("mlops", "train") and "--promote" in argv)
    problems = []
    for name, service in stack.services.items():
        deps = dependencies(service)
        for dep, condition in deps.items():
            if dep not in stack.services:
                problems.append(f"{name}: depends on unknown service {dep}")
            elif condition == "service_healthy" and not healthcheck_enabled(stack.services[dep]):
                problems.append(f"{name}: waits for {dep} to be healthy, but {dep} has no healthcheck")
        if name in stack.feast_users() and not any(deps.get(r) == "service_healthy" for r in stack.redis):
            problems.append(f"{name}: does not wait for Redis to be healthy")
        if name in stack.mlflow_users() and not any(deps.get(m) == "service_healthy" for m in stack.mlflow):
            problems.append(f"{name}: does not wait for MLflow to be healthy")
        serves = any(argv[:2] == ("mlops", "serve") for argv in stack.runs.get(name, []))
        if serves and not any(deps.get(t) == "service_completed_successfully" for t in trainers):
            problems.append(f"{name}: starts before any service has promoted a model (train --promote)")
    return problems


def _endpoint_problems(stack: Stack) -> list[str]:
    problems = []
    for name in stack.feast_users() | stack.mlflow_users():
        env = environment(stack.services[name])
        problems += [f"{name}: {variable} is not set" for variable in PROJECT_ENV if not env.get(variable)]
        if env.get("REDIS_CONNECTION_STRING"):
            try:
                redis = RedisEndpoint.parse(env["REDIS_CONNECTION_STRING"])
            except ValueError as error:
                problems.append(f"{name}: {error}")
            else:
                if redis.host not in stack.redis:
                    problems.append(f"{name}: REDIS_CONNECTION_STRING host {redis.host!r} is not the redis service")
                elif redis.port != int(
                    option_value(as_argv(stack.services[redis.host].get("command")), "--port") or 6379
                ):
                    problems.append(
                        f"{name}: REDIS_CONNECTION_STRING port {redis.port} is not the one Redis listens on"
                    )
        if env.get("MLFLOW_TRACKING_URI"):
            problems += [f"{name}: {p}" for p in _tracking_uri_problems(stack, env["MLFLOW_TRACKING_URI"])]
    return problems


def _tracking_uri_problems(stack: Stack, uri: str) -> list[str]:
    from mlflow.server.security_utils import get_default_allowed_hosts, is_allowed_host_header

    parts = urlsplit(uri)
    if parts.scheme not in {"http", "https"} or parts.hostname not in stack.mlflow:
        return [f"MLFLOW_TRACKING_URI {uri} is not the mlflow service"]
    (server,) = (argv for argv in stack.runs[parts.hostname] if argv[:2] == ("mlflow", "server"))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if str(port) != (option_value(server, "--port") or "5000"):
        return [f"MLFLOW_TRACKING_URI port {port} is not the one MLflow listens on"]
    allowed = option_value(server, "--allowed-hosts")
    allowed_hosts = [host.strip() for host in allowed.split(",")] if allowed else get_default_allowed_hosts()
    host_header = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    if not is_allowed_host_header(allowed_hosts, host_header):
        return [f"MLflow rejects Host header {host_header!r} (see mlflow server --allowed-hosts)"]
    return []


def _script_problems(stack: Stack) -> list[str]:
    problems = []
    for name, service in stack.ours.items():
        raw = as_argv(service.get("command"))
        script = shell_script(service)
        if script is None:
            continue
        if "$" in (raw[0] if raw else "").replace("$$", ""):
            problems.append(f"{name}: Compose replaces `$` in the script from the host environment; write `$$`")
        syntax = subprocess.run(["sh", "-n", "-c", script], capture_output=True, text=True, check=False)
        if syntax.returncode != 0:
            problems.append(f"{name}: shell syntax error: {syntax.stderr.strip()}")
        first = (shell_commands(script) or [[]])[0]
        if name in stack.jobs and not (first[:1] == ["set"] and any("e" in o for o in first[1:] if o.startswith("-"))):
            problems.append(f"{name}: a one-shot script without `set -e` succeeds even when a step fails")
    return problems


def _data_volume_problems(compose: Compose, stack: Stack, image: Image) -> list[str]:
    named = set(compose.get("volumes") or {})
    problems, used = [], set()
    for name in sorted(stack.feast_users() | stack.mlflow_users()):
        env = environment(stack.services[name])
        data_dir = env.get("MLOPS_DATA_DIR")
        sources = {source for source, target in mounts(stack.services[name]) if target == data_dir} & named
        if data_dir and not sources:
            problems.append(f"{name}: MLOPS_DATA_DIR {data_dir} is not on a named volume, so no other service sees it")
        used |= sources
        if env.get("MLOPS_FEAST_REPO", image.workdir) != image.workdir:
            problems.append(
                f"{name}: MLOPS_FEAST_REPO is not {image.workdir}, where the image keeps feature_store.yaml"
            )
    if len(used) > 1:
        problems.append(f"services keep their data on different volumes: {sorted(used)}")
    return problems


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def _secret_problems(compose: Compose) -> list[str]:
    problems = [
        f"{path}: literal secret" for path, text in _strings(compose) if any(p.search(text) for p in LITERAL_SECRETS)
    ]
    for name, service in (compose.get("services") or {}).items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key) and value and not PLAIN_REFERENCE.fullmatch(value):
                problems.append(f"services.{name}.environment.{key}: literal secret (use ${{{key}}})")
    return problems


# --- Feast registry and build context -----------------------------------------------------------


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


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Whether ``path`` is left out of the build context (the subset of the syntax used here)."""

    def regex(pattern: str) -> str:
        pieces = re.split(r"(\*\*/|\*\*|\*|\?)", pattern.strip("/"))
        table = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
        return "".join(table.get(piece, re.escape(piece)) for piece in pieces)

    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if any(re.fullmatch(regex(pattern.removeprefix("!")), prefix) for prefix in prefixes):
            excluded = not negated
    return excluded


def dockerignore_patterns(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


# --- Tests --------------------------------------------------------------------------------------

IMAGE = image_defaults(DOCKERFILE_TEXT)


@cache
def compose_validator() -> jsonschema.protocols.Validator:
    """The Compose Specification schema vendored by check-jsonschema: validation needs no network."""
    resource = importlib.resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    schema = json.loads(resource.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def schema_errors(compose: Compose) -> list[str]:
    errors = compose_validator().iter_errors(compose)
    return sorted(f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}" for error in errors)


@pytest.fixture
def compose() -> Compose:
    return load_compose(COMPOSE_TEXT)


def test_the_vendored_schema_is_the_compose_specification() -> None:
    validator = compose_validator()
    assert validator.schema["title"] == "Compose Specification"
    assert isinstance(validator, jsonschema.Draft202012Validator)


def test_compose_file_follows_the_compose_specification(compose: Compose) -> None:
    assert schema_errors(compose) == []


@pytest.mark.parametrize(
    "break_it",
    [
        lambda c: c["services"]["inference"].update(healthchek=c["services"]["inference"].pop("healthcheck")),
        lambda c: c["services"]["inference"]["depends_on"]["redis"].update(condition="service_healty"),
        lambda c: c["services"]["redis"]["healthcheck"].update(every="5s"),
        lambda c: c["services"]["mlflow"].update(ports="5000:5000"),
    ],
    ids=["misspelled-key", "unknown-condition", "unknown-healthcheck-option", "ports-not-a-list"],
)
def test_the_schema_rejects_what_compose_rejects(compose: Compose, break_it: Callable[[Compose], None]) -> None:
    break_it(compose)
    assert schema_errors(compose)


def test_compose_file_has_no_problems(compose: Compose) -> None:
    assert compose_problems(compose, IMAGE) == []


def _set_env(service: str, key: str, value: str | None) -> Callable[[Compose], None]:
    def change(compose: Compose) -> None:
        env = compose["services"][service]["environment"]
        if value is None:
            del env[key]
        else:
            env[key] = value

    return change


def _edit_script(service: str, old: str, new: str) -> Callable[[Compose], None]:
    def change(compose: Compose) -> None:
        command = compose["services"][service]["command"]
        assert old in command[0]
        command[0] = command[0].replace(old, new)

    return change


BROKEN_COMPOSE: dict[str, tuple[Callable[[Compose], None], str]] = {
    "no-healthcheck": (lambda c: c["services"]["inference"].pop("healthcheck"), "inference: no healthcheck"),
    "redis-no-healthcheck": (lambda c: c["services"]["redis"].pop("healthcheck"), "but redis has no healthcheck"),
    "disabled-on-server": (
        lambda c: c["services"]["inference"].update(healthcheck={"disable": True}),
        "inference: healthcheck disabled on a long-running service",
    ),
    "healthcheck-none": (
        lambda c: c["services"]["materialization"].update(healthcheck={"test": ["NONE"]}),
        "materialization: healthcheck has no test",
    ),
    "healthcheck-curl": (
        lambda c: c["services"]["inference"]["healthcheck"].update(test=["CMD", "curl", "-f", "localhost:8000/ready"]),
        "inference: healthcheck runs curl",
    ),
    "healthcheck-syntax": (
        lambda c: c["services"]["mlflow"]["healthcheck"]["test"].__setitem__(3, "import urllib.request; urlopen("),
        "mlflow: healthcheck code does not compile",
    ),
    "redis-started-only": (
        lambda c: c["services"]["inference"]["depends_on"]["redis"].update(condition="service_started"),
        "inference: does not wait for Redis to be healthy",
    ),
    "no-mlflow-dependency": (
        lambda c: c["services"]["inference"]["depends_on"].pop("mlflow"),
        "inference: does not wait for MLflow to be healthy",
    ),
    "no-bootstrap-dependency": (
        lambda c: c["services"]["inference"]["depends_on"].pop("bootstrap"),
        "inference: starts before any service has promoted a model",
    ),
    "job-that-restarts": (
        lambda c: c["services"]["bootstrap"].update(restart="on-failure"),
        "bootstrap: healthcheck disabled on a long-running service",
    ),
    "unknown-dependency": (
        lambda c: c["services"]["inference"]["depends_on"].update(cache={"condition": "service_started"}),
        "inference: depends on unknown service cache",
    ),
    "redis-not-host-port": (
        _set_env("inference", "REDIS_CONNECTION_STRING", "redis"),
        "inference: Redis connection string must start with host:port",
    ),
    "redis-localhost": (
        _set_env("inference", "REDIS_CONNECTION_STRING", "localhost:6379"),
        "inference: REDIS_CONNECTION_STRING host 'localhost' is not the redis service",
    ),
    "redis-port": (_set_env("materialization", "REDIS_CONNECTION_STRING", "redis:6380"), "port 6380 is not the one"),
    "redis-env-missing": (_set_env("bootstrap", "REDIS_CONNECTION_STRING", None), "bootstrap: REDIS_CONNECTION_STRING"),
    "mlflow-localhost": (
        _set_env("bootstrap", "MLFLOW_TRACKING_URI", "http://localhost:5000"),
        "bootstrap: MLFLOW_TRACKING_URI http://localhost:5000 is not the mlflow service",
    ),
    "mlflow-port": (_set_env("inference", "MLFLOW_TRACKING_URI", "http://mlflow:5001"), "port 5001 is not the one"),
    "mlflow-host-header": (
        lambda c: c["services"]["mlflow"].update(command=c["services"]["mlflow"]["command"][:-2]),
        "MLflow rejects Host header 'mlflow:5000'",
    ),
    "feast-repo": (_set_env("inference", "MLOPS_FEAST_REPO", "/srv"), "inference: MLOPS_FEAST_REPO is not /app"),
    "data-not-on-volume": (
        lambda c: c["services"]["inference"].update(volumes=[]),
        "inference: MLOPS_DATA_DIR /data is not on a named volume",
    ),
    "two-data-volumes": (
        lambda c: c["services"]["materialization"].update(volumes=["mlflow-data:/data"]),
        "services keep their data on different volumes",
    ),
    "password-env": (_set_env("inference", "REDIS_PASSWORD", "hunter2"), "environment.REDIS_PASSWORD: literal secret"),
    "password-default": (
        _set_env("inference", "REDIS_PASSWORD", "${REDIS_PASSWORD:-hunter2}"),
        "environment.REDIS_PASSWORD: literal secret",
    ),
    "password-in-connection-string": (
        _set_env("inference", "REDIS_CONNECTION_STRING", "redis:6379,password=hunter2"),
        "environment.REDIS_CONNECTION_STRING: literal secret",
    ),
    "password-in-url": (
        _set_env("bootstrap", "MLFLOW_TRACKING_URI", "http://admin:hunter2@mlflow:5000"),
        "environment.MLFLOW_TRACKING_URI: literal secret",
    ),
    "unknown-mlops-command": (
        lambda c: c["services"]["inference"]["command"].__setitem__(0, "srve"),
        "inference: `mlops srve --host 0.0.0.0 --port 8000`: `mlops` has no command 'srve'",
    ),
    "unknown-mlops-option": (
        lambda c: c["services"]["inference"]["command"].__setitem__(1, "--hots"),
        "No such option: --hots",
    ),
    "bad-option-value": (_edit_script("bootstrap", "--start 2000-01-01", "--start yesterday"), "Invalid value"),
    "missing-subcommand": (
        _edit_script("bootstrap", "mlops materialize run --start 2000-01-01", "mlops materialize"),
        "needs a sub-command",
    ),
    "mlflow-option-typo": (
        lambda c: c["services"]["mlflow"]["command"].__setitem__(-2, "--allowed-host"),
        "mlflow: `mlflow server",
    ),
    "feast-command-typo": (_edit_script("bootstrap", "apply", "aply"), "`feast` has no command 'aply'"),
    "compose-interpolates": (
        _edit_script("bootstrap", "$$MLOPS_FEAST_REPO", "$MLOPS_FEAST_REPO"),
        "bootstrap: Compose replaces `$`",
    ),
    "no-set-e": (_edit_script("bootstrap", "set -eu\n", ""), "bootstrap: a one-shot script without `set -e`"),
    "shell-syntax": (
        _edit_script("bootstrap", "set -eu\n", "set -eu\nif true; then\n"),
        "bootstrap: shell syntax error",
    ),
    "script-as-string": (
        lambda c: c["services"]["bootstrap"].update(command=c["services"]["bootstrap"]["command"][0]),
        "inference: starts before any service has promoted a model",
    ),
    "different-image": (
        lambda c: c["services"]["mlflow"].update(image="mlflow-server:local"),
        "services of ours are built from different images",
    ),
}


@pytest.mark.parametrize(("break_it", "expected"), BROKEN_COMPOSE.values(), ids=BROKEN_COMPOSE.keys())
def test_the_checker_reports_a_broken_compose_file(
    compose: Compose, break_it: Callable[[Compose], None], expected: str
) -> None:
    before = json.dumps(compose, sort_keys=True)
    break_it(compose)
    assert json.dumps(compose, sort_keys=True) != before, "the variant did not change anything"
    problems = compose_problems(compose, IMAGE)
    assert any(expected in problem for problem in problems), problems


def test_a_secret_taken_from_the_environment_is_not_a_literal(compose: Compose) -> None:
    _set_env("inference", "REDIS_PASSWORD", "${REDIS_PASSWORD:?set REDIS_PASSWORD}")(compose)
    _set_env("inference", "REDIS_CONNECTION_STRING", "redis:6379,password=${REDIS_PASSWORD}")(compose)
    assert _secret_problems(compose) == []


def test_the_inference_service_waits_for_healthy_redis_and_mlflow_and_a_promoted_model(compose: Compose) -> None:
    inference = compose["services"]["inference"]
    assert dependencies(inference) == {
        "redis": "service_healthy",
        "mlflow": "service_healthy",
        "bootstrap": "service_completed_successfully",
    }
    assert as_argv(inference["healthcheck"]["test"])[-1].endswith("urlopen('http://127.0.0.1:8000/ready', timeout=4)")
    assert invocations(inference, IMAGE) == [("mlops", "serve", "--host", "0.0.0.0", "--port", "8000")]


def test_services_of_ours_share_the_image_and_the_environment(compose: Compose) -> None:
    stack = Stack.of(compose, IMAGE)
    assert set(stack.ours) == {"mlflow", "bootstrap", "inference", "materialization"}
    assert stack.runs["mlflow"][0][:2] == ("mlflow", "server")
    expected = {
        "REDIS_CONNECTION_STRING": "redis:6379",
        "MLFLOW_TRACKING_URI": "http://mlflow:5000",
        "MLOPS_DATA_DIR": "/data",
        "MLOPS_FEAST_REPO": "/app",
    }
    for name in ("bootstrap", "inference", "materialization"):
        env = environment(compose["services"][name])
        assert {key: env.get(key) for key in expected} == expected, name
        assert ("mlops-data", "/data") in mounts(compose["services"][name]), name


def test_the_bootstrap_prepares_everything_the_service_needs_in_order(compose: Compose) -> None:
    steps = [argv[:3] for argv in invocations(compose["services"]["bootstrap"], IMAGE)]
    assert steps == [
        ("set", "-eu"),
        ("mlops", "data", "generate"),
        ("feast", "--chdir", "/app"),
        ("mlops", "materialize", "run"),
        ("mlops", "train", "--promote"),
    ]


def test_the_materialization_service_runs_the_scheduler_on_the_configured_interval(compose: Compose) -> None:
    service = compose["services"]["materialization"]
    assert invocations(service, IMAGE) == [
        ("mlops", "materialize", "schedule", "--interval", "${MATERIALIZE_INTERVAL_SECONDS:-3600}s")
    ]
    assert as_argv(service["healthcheck"]["test"])[-1].endswith("urlopen('http://127.0.0.1:9108/metrics', timeout=4)")


def test_every_mlops_command_in_the_compose_file_exists(compose: Compose) -> None:
    stack = Stack.of(compose, IMAGE)
    used = {mlops_subcommands(argv) for runs in stack.runs.values() for argv in runs if argv[0] == "mlops"}
    assert used == {("serve",), ("data", "generate"), ("materialize", "run"), ("materialize", "schedule"), ("train",)}
    runner = CliRunner()
    for subcommand in sorted(used):
        result = runner.invoke(app, [*subcommand, "--help"])
        assert result.exit_code == 0, (subcommand, result.output)
        assert "Usage:" in result.output


def test_the_help_check_fails_for_a_command_that_does_not_exist() -> None:
    result = CliRunner().invoke(app, ["materialise", "run", "--help"])
    assert result.exit_code != 0


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
    "single-stage": ("FROM ${PYTHON_IMAGE} AS runtime", "FROM ${PYTHON_IMAGE} AS runtime_", "not multi-stage"),
}


def test_dockerfile_has_no_problems() -> None:
    assert dockerfile_problems(DOCKERFILE_TEXT, PYPROJECT["project"]["requires-python"]) == []


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
    problems = dockerfile_problems(text, PYPROJECT["project"]["requires-python"])
    assert any(expected in problem for problem in problems), problems


def test_the_feast_registry_lands_on_the_shared_data_volume() -> None:
    feature_store_yaml = (REPO / "feature_store.yaml").read_text()
    assert registry_problems(feature_store_yaml, DOCKERFILE_TEXT, "/app", "/data") == []
    unlinked = DOCKERFILE_TEXT.replace("&& ln -s /data /app/data", "")
    assert unlinked != DOCKERFILE_TEXT
    assert registry_problems(feature_store_yaml, unlinked, "/app", "/data") == [
        "registry /app/data/registry.db stays in each container: link /app/data to /data"
    ]


def test_the_build_context_holds_the_project_and_leaves_out_local_state() -> None:
    patterns = dockerignore_patterns((REPO / ".dockerignore").read_text())
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = [
        "pyproject.toml",
        "uv.lock",
        PYPROJECT["project"]["readme"],
        "feature_store.yaml",
        ".feastignore",
        *(f"{package}/__init__.py" for package in wheel["packages"]),
        *wheel["force-include"],
    ]
    assert [path for path in needed if dockerignore_excludes(patterns, path)] == []
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
    assert [path for path in local_state if not dockerignore_excludes(patterns, path)] == []


def test_the_dockerignore_matcher_can_tell_paths_apart() -> None:
    assert dockerignore_excludes(["data"], "data/offline/x.parquet")
    assert not dockerignore_excludes(["data"], "mlops/data.py")
    assert not dockerignore_excludes(["*.db"], "feature_repo/registry.db")
    assert dockerignore_excludes(["**/*.pyc"], "a/b/c.pyc")
    assert not dockerignore_excludes(["tests", "!tests"], "tests/x.py")
