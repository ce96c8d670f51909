"""The project's Dockerfile as build stages, parsed by dockerfile-parse.

dockerfile-parse joins continuation lines, upper-cases instructions, keeps comments apart and
substitutes the global ``ARG`` defaults in ``FROM``; this module only groups its instructions by stage
and reads what a container of the image runs when Compose does not override it.
"""

import io
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dockerfile_parse import DockerfileParser

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE_TEXT = (REPO / "Dockerfile").read_text()
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


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


def parse(text: str) -> DockerfileParser:
    # ENV values are kept as written (``$PATH`` stays ``$PATH``): the base image's environment is unknown here.
    return DockerfileParser(fileobj=io.BytesIO(text.encode()), env_replace=False)


def dockerfile_stages(text: str) -> list[Stage]:
    """Build stages, each with its base image (global ARGs substituted) and its instructions, comments dropped."""
    parser = parse(text)
    stages = [Stage(base) for base in parser.parent_images]
    index = -1
    for item in parser.structure:
        if item["instruction"] == "FROM":
            index += 1
        elif index >= 0 and item["instruction"] != "COMMENT":
            stages[index].instructions.append(Instruction(item["instruction"], item["value"].strip()))
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


IMAGE = image_defaults(DOCKERFILE_TEXT)
