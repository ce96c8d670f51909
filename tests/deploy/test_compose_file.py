"""``docker-compose.yml`` against the Compose Specification, and the command lines its services run.

The file is validated against the Compose Specification schema that check-jsonschema vendors (no
network). The ``mlops``/``feast``/``mlflow`` command lines of our services, including the steps of the
bootstrap script, are parsed by their own CLIs, and the script by ``sh -n``. Each rule has a broken
variant below that it must report, so a check that cannot fail shows up as a failing test.
"""

import importlib.resources
import json
import subprocess
from functools import cache

import jsonschema
import pytest
from typer.testing import CliRunner

from mlops.main import app
from tests.deploy.clis import cli_for, click_problems
from tests.deploy.compose import (
    Compose,
    Stack,
    Variant,
    as_argv,
    edit_script,
    invocations,
    mlops_subcommands,
    problems_of_variant,
    shell_commands,
    shell_script,
)
from tests.deploy.dockerfile import IMAGE

# --- The Compose Specification ------------------------------------------------------------------


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
def test_the_schema_rejects_what_compose_rejects(compose: Compose, break_it: Variant) -> None:
    break_it(compose)
    assert schema_errors(compose)


# --- Command lines ------------------------------------------------------------------------------


def command_problems(compose: Compose) -> list[str]:
    """Usage errors of every command line our services run, and mistakes in their shell scripts."""
    stack = Stack.of(compose, IMAGE)
    problems = _script_problems(stack)
    for name, runs in stack.runs.items():
        for argv in runs:
            root = cli_for(argv[0])
            problems += [f"{name}: {problem}" for problem in (click_problems(root, argv) if root else [])]
    return problems


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


BROKEN_COMMANDS: dict[str, tuple[Variant, str]] = {
    "unknown-mlops-command": (
        lambda c: c["services"]["inference"]["command"].__setitem__(0, "srve"),
        "inference: `mlops srve --host 0.0.0.0 --port 8000`: `mlops` has no command 'srve'",
    ),
    "unknown-mlops-option": (
        lambda c: c["services"]["inference"]["command"].__setitem__(1, "--hots"),
        "No such option: --hots",
    ),
    "bad-option-value": (edit_script("bootstrap", "--start 2000-01-01", "--start yesterday"), "Invalid value"),
    "missing-subcommand": (
        edit_script("bootstrap", "mlops materialize run --start 2000-01-01", "mlops materialize"),
        "needs a sub-command",
    ),
    "mlflow-option-typo": (
        lambda c: c["services"]["mlflow"]["command"].__setitem__(-2, "--allowed-host"),
        "mlflow: `mlflow server",
    ),
    "feast-command-typo": (edit_script("bootstrap", "apply", "aply"), "`feast` has no command 'aply'"),
    "compose-interpolates": (
        edit_script("bootstrap", "$$MLOPS_FEAST_REPO", "$MLOPS_FEAST_REPO"),
        "bootstrap: Compose replaces `$`",
    ),
    "no-set-e": (edit_script("bootstrap", "set -eu\n", ""), "bootstrap: a one-shot script without `set -e`"),
    "shell-syntax": (
        edit_script("bootstrap", "set -eu\n", "set -eu\nif true; then\n"),
        "bootstrap: shell syntax error",
    ),
}


def test_the_command_lines_of_the_compose_file_have_no_problems(compose: Compose) -> None:
    assert command_problems(compose) == []


@pytest.mark.parametrize(("break_it", "expected"), BROKEN_COMMANDS.values(), ids=BROKEN_COMMANDS.keys())
def test_the_checker_reports_a_broken_command_line(compose: Compose, break_it: Variant, expected: str) -> None:
    problems = problems_of_variant(compose, break_it, command_problems)
    assert any(expected in problem for problem in problems), problems


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
    assert invocations(service, IMAGE) == [("mlops", "materialize", "schedule", "--interval", "1h")]
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
