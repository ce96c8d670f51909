"""Human durations (``26h``, ``30m``, ``2d``) as used in Feast tags and our configuration."""

import re
from datetime import timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86_400.0, "w": 604_800.0}


def parse_duration(text: str) -> timedelta:
    """``1h30m`` -> 90 minutes; raises ValueError naming the text when it is not a positive duration.

    A bad SLA string must fail loudly at load time: silently treating it as "no SLA"
    would switch the alert off.
    """
    cleaned = text.strip().lower().replace(" ", "")
    position, seconds = 0, 0.0
    for match in _PART.finditer(cleaned):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not cleaned or position != len(cleaned) or seconds <= 0:
        raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 15m, 26h, 2d or 1h30m")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta | float | None) -> str:
    """Short form for tables and alert text: ``3d4h``, ``26h``, ``12m``, ``45s``."""
    if delta is None:
        return "-"
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds:.0f}s"
    if seconds < 3600:
        return f"{sign}{seconds // 60:.0f}m"
    if seconds < 2 * 86_400:
        hours, rest = divmod(seconds, 3600)
        return f"{sign}{hours:.0f}h{rest // 60:02.0f}m"
    days, rest = divmod(seconds, 86_400)
    return f"{sign}{days:.0f}d{rest // 3600:.0f}h"
