"""``mlops serve`` options: the drain time is a duration (a bare number stays seconds), the log level a choice."""

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from inference.cli import seconds_or_duration
from mlops.main import app

runner = CliRunner()


def _flat(text: str) -> str:
    """Click's error box without its frame and line breaks, so a message can be matched whole."""
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25", timedelta(seconds=25)),
        ("0", timedelta(0)),
        ("25s", timedelta(seconds=25)),
        ("1m30s", timedelta(seconds=90)),
    ],
)
def test_graceful_timeout_takes_a_duration_or_the_manifests_bare_seconds(text: str, expected: timedelta) -> None:
    assert seconds_or_duration(text) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--graceful-timeout", "soon"],
            "Invalid value for '--graceful-timeout': Value error, invalid duration 'soon': use e.g. 30s, 15m",
        ),
        (
            ["--log-level", "loud"],
            "Invalid value for '--log-level': Value error, 'loud' is not one of 'critical', 'error', 'warning', "
            "'info', 'debug', 'trace'.",
        ),
    ],
)
def test_bad_values_exit_two_before_anything_starts(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["serve", *args])
    assert result.exit_code == 2
    assert message in _flat(result.stderr)
