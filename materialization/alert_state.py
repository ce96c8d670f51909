"""Which alerts are active and when each was last sent: deduplication and resolve messages.

Kept in the run-record SQLite file so that a restarted scheduler neither re-sends every
active alert nor forgets to resolve one.
"""

import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from materialization.alert_rules import Alert, Severity

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_state (
    fingerprint TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    view TEXT NOT NULL,
    cause TEXT NOT NULL,
    severity TEXT NOT NULL,
    summary TEXT NOT NULL,
    active INTEGER NOT NULL,
    first_fired REAL NOT NULL,
    last_sent REAL NOT NULL
)
"""


class Status(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Notification:
    alert: Alert
    status: Status
    repeat: bool
    since: float
    """When the alert first fired."""


class AlertState:
    def __init__(self, path: Path) -> None:
        self.path = path
        with sqlite3.connect(path, timeout=30.0) as db:
            db.execute(_SCHEMA)

    def active(self) -> dict[str, tuple[Alert, float, float]]:
        """Active alerts by fingerprint: ``(alert, first fired, last sent)``."""
        with sqlite3.connect(self.path, timeout=30.0) as db:
            rows = db.execute(
                "SELECT rule, view, severity, summary, cause, first_fired, last_sent FROM alert_state WHERE active = 1"
            ).fetchall()
        out = {}
        for rule, view, severity, summary, cause, first, last in rows:
            alert = Alert(rule, view, Severity(severity), summary, cause)
            out[alert.fingerprint] = (alert, first, last)
        return out

    def due(self, firing: list[Alert], now: float, repeat_interval: timedelta) -> list[Notification]:
        """New alerts, repeats older than ``repeat_interval``, and resolutions of alerts no longer firing."""
        active = self.active()
        notifications = []
        for alert in firing:
            if alert.fingerprint not in active:
                notifications.append(Notification(alert, Status.FIRING, False, now))
                continue
            _, first, last = active[alert.fingerprint]
            if now - last >= repeat_interval.total_seconds():
                notifications.append(Notification(alert, Status.FIRING, True, first))
        still = {alert.fingerprint for alert in firing}
        for fingerprint, (alert, first, _) in active.items():
            if fingerprint not in still:
                notifications.append(Notification(alert, Status.RESOLVED, False, first))
        return notifications

    def mark_sent(self, notification: Notification, now: float) -> None:
        alert = notification.alert
        with sqlite3.connect(self.path, timeout=30.0) as db:
            db.execute(
                "INSERT INTO alert_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET"
                " severity = excluded.severity, summary = excluded.summary, active = excluded.active,"
                " first_fired = excluded.first_fired, last_sent = excluded.last_sent",
                (
                    alert.fingerprint,
                    alert.rule,
                    alert.view,
                    alert.cause,
                    alert.severity.value,
                    alert.summary,
                    int(notification.status is Status.FIRING),
                    notification.since,
                    now,
                ),
            )
