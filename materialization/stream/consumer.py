"""The stream consumer: events -> window state -> velocity rows online, offline in batches, then ack.

Order per batch: add the events to the state (idempotent), push their rows online, and
buffer them; the buffered rows are appended offline and only then are their entries
acknowledged. A crash anywhere leaves the entries pending; the restart recovers them and
recomputes the same values, so no event is lost and none is counted twice.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from materialization.stream.events import BadEvent, TransactionEvent
from materialization.stream.metrics import StreamMetrics
from materialization.stream.settings import StreamSettings
from materialization.stream.source import Delivery, EventSource
from materialization.stream.state import Update, VelocityRow, WindowState

logger = logging.getLogger("materialization.stream")
_RECLAIM_EVERY_SECONDS = 30.0
_EXPIRE_BATCH = 1000


class RowWriter(Protocol):
    def online(self, rows: list[VelocityRow]) -> None: ...
    def offline(self, rows: list[VelocityRow]) -> None: ...


class VelocityConsumer:
    def __init__(
        self,
        source: EventSource,
        state: WindowState,
        writer: RowWriter,
        settings: StreamSettings,
        metrics: StreamMetrics,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source, self._state, self._writer, self._metrics = source, state, writer, metrics
        self._settings = settings
        self._clock = clock
        self.watermark = float("-inf")
        """Newest event time applied so far."""
        self._rows: list[VelocityRow] = []
        self._ids: list[str] = []
        self._oldest_unflushed: float | None = None
        self._complete_horizon: float | None = None
        """Every expiry up to here has its row in the buffer (or offline already)."""
        self.events_applied = 0

    def run(self, stop: threading.Event, exit_when_idle: bool = False) -> None:
        """Until ``stop`` is set (or, with ``exit_when_idle``, until the stream is drained)."""
        rescheduled = self._state.rewind()
        if rescheduled:
            logger.info("rescheduled the window expiries of %d customers after the last flush", rescheduled)
        self._handle(self._source.recover())
        reclaimed_at = time.monotonic()
        busy = False
        while not stop.is_set():
            block = 0 if busy else self._settings.stream_block_ms  # the last loop had work: do not wait
            deliveries = self._source.read(self._settings.stream_batch_size, block)
            self._handle(deliveries)
            busy = self._expire() > 0 or bool(deliveries)
            self._flush_if_due()
            self._observe()
            if time.monotonic() - reclaimed_at > _RECLAIM_EVERY_SECONDS:
                self._handle(self._source.recover())
                reclaimed_at = time.monotonic()
            if exit_when_idle and not deliveries and not self._state.due(self.watermark, 1):
                break  # drained, and every expiry up to the newest event is pushed
        self.flush()

    def _handle(self, deliveries: list[Delivery]) -> None:
        if not deliveries:
            return
        events: dict[str, TransactionEvent] = {}
        for delivery in deliveries:
            try:
                event = TransactionEvent.parse(delivery.fields, delivery.id)
            except BadEvent as error:
                logger.warning("skipping %s", error)
                self._metrics.bad_events.inc()
                continue
            events.setdefault(event.event_id, event)
        update = self._state.add(list(events.values()))
        self._push(update, lower_only=True)
        now = self._clock()
        for event in events.values():
            self._metrics.event_to_online.observe(max(0.0, now - event.timestamp))
        self._metrics.events.inc(len(events))
        self.events_applied += len(events)
        if events:
            self.watermark = max(self.watermark, max(e.timestamp for e in events.values()))
        self._ids.extend(d.id for d in deliveries)
        if self._oldest_unflushed is None:
            self._oldest_unflushed = time.monotonic()

    def _push(self, update: Update, lower_only: bool) -> None:
        self._writer.online(update.rows)
        self._state.commit(update, lower_only)
        self._metrics.rows.labels("online").inc(len(update.rows))
        self._rows.extend(update.rows)
        if self._oldest_unflushed is None and update.rows:
            self._oldest_unflushed = time.monotonic()

    def _expire(self) -> int:
        """Push rows for windows that lost an event, up to the horizon; how many were pushed."""
        horizon = max(self.watermark, self._clock() - self._settings.stream_allowed_lateness_seconds)
        due = self._state.due(horizon, _EXPIRE_BATCH)
        if len(due) < _EXPIRE_BATCH:
            self._complete_horizon = horizon
        if not due:
            return 0
        self._push(self._state.expire(due), lower_only=False)
        return len(due)

    def _flush_if_due(self) -> None:
        if len(self._rows) >= self._settings.stream_offline_flush_rows or (
            self._oldest_unflushed is not None
            and time.monotonic() - self._oldest_unflushed >= self._settings.stream_offline_flush_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Append the buffered rows offline, then record the next expiries, then acknowledge."""
        self._writer.offline(self._rows)
        self._metrics.rows.labels("offline").inc(len(self._rows))
        if self._complete_horizon is not None:
            self._state.mark_flushed(self._complete_horizon)
        self._source.ack(self._ids)
        self._rows, self._ids = [], []
        self._oldest_unflushed = None

    def _observe(self) -> None:
        lag = self._source.lag()
        if lag is not None:
            self._metrics.lag.set(lag)
        self._metrics.unacked.set(len(self._ids))
        if self.watermark > float("-inf"):
            self._metrics.last_event_age.set(max(0.0, self._clock() - self.watermark))
