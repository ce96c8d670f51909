"""How commands report: one clear line on failure, never a traceback."""

from typing import NoReturn

import typer


class CommandError(Exception):
    """An expected failure with a message fit to show the user as is."""


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def info(message: str) -> None:
    typer.echo(message)
