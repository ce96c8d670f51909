"""The one plain-text table renderer every command uses.

Columns are left-aligned and separated by two spaces, with an optional rule under the header:
easy to read in a terminal and to grep or ``awk`` in a script, with no styling codes.
"""

from collections.abc import Sequence


def render_table(header: Sequence[str], rows: Sequence[Sequence[object]], *, rule: bool = True) -> str:
    """``header`` and ``rows`` as aligned text; ``rule`` adds a line of dashes under the header."""
    lines = [[str(cell) for cell in header], *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(line[i]) for line in lines if i < len(line)) for i in range(len(header))]
    if rule:
        lines.insert(1, ["-" * width for width in widths])
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)).rstrip() for line in lines
    )
