"""CPU time from /proc (Linux): per server, and for the whole machine.

On a shared 2-core machine latency moves with whatever else runs; CPU seconds per request
move much less, and the machine-wide busy time minus ours says how much else was running.
"""

import os


def process_group_cpu_s(pgid: int | None) -> float | None:
    """CPU seconds used so far by a server's process group, from /proc (Linux only).

    Live members count their own time; the group leader also carries the time of children
    it has reaped (``cutime``/``cstime``), so workers that gunicorn recycled are not lost.
    """
    if pgid is None or not os.path.isdir("/proc"):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                raw = stat.read().decode()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        # fields[0] is field 3 (state) of proc(5): pgrp is field 5, utime..cstime are fields 14..17.
        if int(fields[2]) != pgid:
            continue
        total += int(fields[11]) + int(fields[12])
        if int(entry) == pgid:
            total += int(fields[13]) + int(fields[14])
    return total / ticks


def machine_busy_s() -> float | None:
    """CPU seconds all CPUs have spent busy since boot (``/proc/stat``: everything but idle and iowait)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    # guest time is already counted in user time
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
