"""Writing the output under a temporary name and renaming it at the end.

A killed run leaves only the hidden ``.<name>.partial`` file, never a file under the output
name that looks complete; the next run deletes that leftover and starts again (a rerun
restarts rather than resumes: scoring is deterministic, so the result is the same).
"""

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from core.errors import UserError


def partial_path(output: Path) -> Path:
    return output.parent / f".{output.name}.partial"


def check_output(output: Path, input_path: Path) -> None:
    """Refuse an output that would overwrite the input or sits in a folder that does not exist."""
    if output.resolve() == input_path.resolve():
        raise UserError(f"output {output} is the input")
    if not output.parent.exists():
        raise UserError(f"output folder {output.parent} does not exist")


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


@contextlib.contextmanager
def atomic_output(output: Path) -> Iterator[Path]:
    """Yield the temporary path to write; on success it replaces ``output``, on failure it is removed."""
    temporary = partial_path(output)
    remove(temporary)  # a killed run's leftover
    try:
        yield temporary
    except BaseException:
        remove(temporary)
        raise
    if output.is_dir():
        shutil.rmtree(output)  # a folder cannot be replaced in one step; the new result is complete already
    temporary.replace(output)
