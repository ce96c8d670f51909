"""Human durations, as used in Feast tags, configuration and every command-line option."""

from datetime import timedelta

import pytest

from core.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"), [("26h", 93_600), ("30m", 1_800), ("2d", 172_800), ("1h30m", 5_400), ("1.5s", 1.5)]
)
def test_durations_parse(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "26", "h", "26 hours", "-1h", "0s", "1h junk"])
def test_bad_durations_are_rejected_with_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (None, "-"),
        (45, "45s"),
        (12 * 60, "12m"),
        (26 * 3600, "26h00m"),
        (timedelta(days=3, hours=4), "3d4h"),
        (-90, "-1m"),
    ],
)
def test_durations_format_short(delta: timedelta | float | None, text: str) -> None:
    assert format_duration(delta) == text
