"""Command lines of the deployment files, parsed by the real CLIs (``mlops``, ``feast``, ``mlflow``) without running.

Shared by the Dockerfile, Compose and Kubernetes checks: a container's command line is checked by the click
command that would receive it, so an unknown sub-command, option or value is a usage error here too.
"""

from collections.abc import Sequence
from typing import Any

import typer


def option_value(argv: Sequence[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in ``argv``, if given."""
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(f"{name}="):
            return arg.partition("=")[2]
    return None


def cli_for(program: str) -> Any:
    """The click command behind ``program`` (Typer vendors its own click, so these are duck-typed)."""
    if program == "mlops":
        from mlops.main import app

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
