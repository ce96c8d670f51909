"""Where alert notifications go: a structured log line and a Slack-compatible webhook."""

import json
import logging
import time
from datetime import UTC, datetime
from typing import Protocol

import httpx

from materialization.alert_state import Notification, Status

logger = logging.getLogger("materialization.alerts")


class SinkError(RuntimeError):
    """A notification could not be delivered; it stays due and is tried again after the next run."""


class AlertSink(Protocol):
    name: str

    def send(self, notification: Notification) -> None: ...


def notification_text(notification: Notification) -> str:
    alert = notification.alert
    since = datetime.fromtimestamp(notification.since, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if notification.status is Status.RESOLVED:
        return f"RESOLVED [{alert.severity.value}] {alert.rule} on {alert.view} (firing since {since})"
    again = " (still firing)" if notification.repeat else ""
    return f"FIRING [{alert.severity.value}] {alert.rule} on {alert.view}{again}: {alert.summary}"


class LogSink:
    """One JSON object per notification on the ``materialization.alerts`` logger."""

    name = "log"

    def send(self, notification: Notification) -> None:
        alert = notification.alert
        record = {
            "event": "alert",
            "status": notification.status.value,
            "rule": alert.rule,
            "view": alert.view,
            "severity": alert.severity.value,
            "repeat": notification.repeat,
            "since": notification.since,
            "summary": alert.summary,
        }
        level = logging.INFO if notification.status is Status.RESOLVED else logging.WARNING
        logger.log(level, json.dumps(record))


class WebhookSink:
    """POSTs Slack's incoming-webhook JSON (``text`` plus one coloured attachment).

    The URL is the secret (Slack embeds its token in it) and comes from the environment,
    as does an optional bearer token for receivers that want one.
    """

    name = "webhook"

    def __init__(self, url: str, token: str | None, timeout: float, retries: int, backoff: float = 0.5) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    def payload(self, notification: Notification) -> dict[str, object]:
        alert = notification.alert
        resolved = notification.status is Status.RESOLVED
        color = "good" if resolved else ("danger" if alert.severity.value == "critical" else "warning")
        return {
            "text": notification_text(notification),
            "attachments": [
                {
                    "color": color,
                    "title": f"{alert.rule} · {alert.view}",
                    "text": alert.summary,
                    "fields": [
                        {"title": "status", "value": notification.status.value, "short": True},
                        {"title": "severity", "value": alert.severity.value, "short": True},
                    ],
                    "ts": int(notification.since),
                }
            ],
        }

    def send(self, notification: Notification) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        last_error = "no attempt"
        for attempt in range(self.retries + 1):
            try:
                response = httpx.post(self.url, json=self.payload(notification), headers=headers, timeout=self.timeout)
                if response.status_code < 300:
                    return
                last_error = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    break  # the receiver rejected it; retrying will not help
            except httpx.HTTPError as error:
                last_error = f"{type(error).__name__}: {error}"
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        raise SinkError(f"webhook delivery failed after {attempt + 1} attempt(s): {last_error}")
