"""The docs stay true: generated pages match the code, links resolve, and the README stays short.

The suite's conftest points ``MLOPS_DATA_DIR`` and ``MLOPS_FEAST_REPO`` at a temporary folder, so
comparing against pages written by ``make docs`` from a plain shell also checks that the
generator's output does not depend on the environment.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from core.settings import REPO_ROOT
from mlops.reference_docs import DOCS_DIR, cli_reference, configuration_reference, github_anchor

README = REPO_ROOT / "README.md"
README_LIMIT_BYTES = 8 * 1024

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _pages() -> list[Path]:
    return [README, *sorted(DOCS_DIR.glob("*.md"))]


def _links(markdown: str) -> list[str]:
    """Targets of inline links, ignoring code (a ``[x](y)`` in a code block is not a link)."""
    prose = _CODE_SPAN.sub("", _FENCE.sub("", markdown))
    return _LINK.findall(prose)


def _anchors(markdown: str) -> set[str]:
    """Heading fragments as GitHub numbers them: a repeated heading gets ``-1``, ``-2``, ..."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCE.sub("", markdown)):
        anchor = github_anchor(heading)
        count = seen.get(anchor, 0)
        anchors.add(anchor if count == 0 else f"{anchor}-{count}")
        seen[anchor] = count + 1
    return anchors


def broken_links(page: Path) -> list[str]:
    """Relative links of ``page`` whose file, or whose anchor in a Markdown file, does not exist."""
    broken = []
    for target in _links(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: are not checked here
            continue
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and destination.suffix == ".md" and anchor not in _anchors(destination.read_text(encoding="utf-8")):
            broken.append(f"{target} (no heading with that anchor)")
    return broken


@pytest.mark.parametrize(
    ("name", "generate"),
    [("configuration.md", configuration_reference), ("cli.md", cli_reference)],
    ids=["configuration", "cli"],
)
def test_generated_page_matches_the_code(name: str, generate: Callable[[], str]) -> None:
    page = DOCS_DIR / name
    expected = generate()
    current = page.read_text(encoding="utf-8") if page.exists() else ""
    assert current == expected, f"docs/{name} is out of date with the code: run `make docs`"


@pytest.mark.parametrize("page", _pages(), ids=lambda page: page.name)
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == [], f"{page.relative_to(REPO_ROOT)} has broken links"


def test_the_reference_pages_and_the_readme_are_all_checked() -> None:
    names = {page.name for page in _pages()}
    assert {"README.md", "configuration.md", "cli.md"} <= names


def test_readme_stays_under_8_kb() -> None:
    size = len(README.read_bytes())
    assert size < README_LIMIT_BYTES, f"README.md is {size} bytes; move detail into docs/"


def test_the_link_checker_finds_a_missing_file_and_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Title\n\n## `mlops stack up`\n\n## Twice\n\n## Twice\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#mlops-stack-up) [ok](other.md#twice-1) [ok](#here) [web](https://example.com/x)\n"
        "[gone](missing.md) [bad anchor](other.md#nowhere) `[code](ignored.md)`\n\n"
        "```\n[fenced](ignored.md)\n```\n\n## Here\n"
    )
    assert broken_links(page) == ["missing.md (no such file)", "other.md#nowhere (no heading with that anchor)"]


def test_anchors_follow_github() -> None:
    assert github_anchor("`mlops materialize run`") == "mlops-materialize-run"
    assert (
        github_anchor("Variables Feast expands in `feature_store.yaml`")
        == "variables-feast-expands-in-feature_storeyaml"
    )
    assert github_anchor("Hot swap, rollout & rollback") == "hot-swap-rollout--rollback"
