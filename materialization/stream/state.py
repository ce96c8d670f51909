"""Sliding-window state in Redis, keyed by event id, so a redelivered event is counted once.

Each customer's events of the last hour live in a sorted set (member ``event_id|amount``,
score the event time). Adding an event twice changes nothing, so a consumer killed at any
point and restarted recomputes exactly the values it would have pushed: processing is
idempotent without any transaction spanning Redis, Feast and the acknowledgement.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.redis_client import SyncClient
from core.velocity import LONGEST, WINDOWS, window_values
from materialization.stream.events import TransactionEvent

_KEPT = 2 * LONGEST
"""Events are kept twice the longest window, so a replay after a crash still finds the ones it needs."""
_TICK = 1e-6
"""A late event's row goes one microsecond after the customer's last row, so it is never older."""


@dataclass(frozen=True)
class VelocityRow:
    customer_id: int
    at: float
    values: tuple[float, ...]


@dataclass(frozen=True)
class Update:
    rows: list[VelocityRow]
    due: dict[int, float | None]
    """Per customer, the next instant one of its windows changes (None: all windows empty)."""
    newest: dict[int, float]
    """Per customer, the newest row time if this update moved it forward."""


def next_change(times: Iterable[float], after: float) -> float | None:
    """The first instant after ``after`` at which an event leaves a window."""
    upcoming = [t + seconds for t in times for _, seconds in WINDOWS if t + seconds > after]
    return min(upcoming) if upcoming else None


class WindowState:
    """Per-customer event sets, the next expiry of each customer, and the flushed horizon."""

    def __init__(self, client: SyncClient, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._due_key = f"{prefix}:due"
        self._last_key = f"{prefix}:last"
        self._active_key = f"{prefix}:active"
        self._flushed_key = f"{prefix}:flushed"

    def _key(self, customer_id: int) -> str:
        return f"{self._prefix}:c:{customer_id}"

    def add(self, events: list[TransactionEvent]) -> Update:
        """Record ``events``; a row per customer at each of their instants, values over every window.

        The rows are computed from the whole state, so a replayed event gets the values it got
        the first time (later events are outside its windows' ends), and a late event adds a
        row just after the customer's last pushed one, so online sees it.
        """
        by_customer: dict[int, list[TransactionEvent]] = defaultdict(list)
        for event in events:
            by_customer[event.customer_id].append(event)
        customers = sorted(by_customer)
        if not customers:
            return Update([], {}, {})
        pipe = self._client.pipeline(transaction=False)
        for customer in customers:
            batch = by_customer[customer]
            pipe.zadd(self._key(customer), {f"{e.event_id}|{e.amount!r}": e.timestamp for e in batch})
            pipe.zremrangebyscore(self._key(customer), "-inf", min(e.timestamp for e in batch) - _KEPT)
            pipe.zrange(self._key(customer), 0, -1, withscores=True)
        pipe.hmget(self._last_key, customers)
        replies: list[Any] = pipe.execute()
        last = replies[-1]
        rows: list[VelocityRow] = []
        due: dict[int, float | None] = {}
        newest: dict[int, float] = {}
        for position, customer in enumerate(customers):
            times, amounts = _decode(replies[3 * position + 2])
            instants = sorted({e.timestamp for e in by_customer[customer]})
            previous = float(last[position]) if last[position] is not None else None
            if previous is not None and instants[-1] <= previous:
                instants.append(previous + _TICK)  # Feast ignores a row not newer than the stored one
            rows.extend(VelocityRow(customer, at, window_values(times, amounts, at)) for at in instants)
            due[customer] = next_change(times, instants[0])
            if previous is None or instants[-1] > previous:
                newest[customer] = instants[-1]
        self._client.zadd(
            self._active_key, {str(c): max(e.timestamp for e in by_customer[c]) for c in customers}, gt=True
        )
        return Update(rows, due, newest)

    def expire(self, due: list[tuple[int, float]]) -> Update:
        """Rows at the instants events leave windows (``due``: customer, instant), in time order."""
        if not due:
            return Update([], {}, {})
        pipe = self._client.pipeline(transaction=False)
        for customer, _ in due:
            pipe.zrange(self._key(customer), 0, -1, withscores=True)
        pipe.hmget(self._last_key, [customer for customer, _ in due])
        replies: list[Any] = pipe.execute()
        last = replies[-1]
        rows: list[VelocityRow] = []
        next_due: dict[int, float | None] = {}
        newest: dict[int, float] = {}
        for position, (customer, at) in enumerate(due):
            times, amounts = _decode(replies[position])
            rows.append(VelocityRow(customer, at, window_values(times, amounts, at)))
            next_due[customer] = next_change(times, at)
            if last[position] is None or at > float(last[position]):
                newest[customer] = at
        return Update(rows, next_due, newest)

    def commit(self, update: Update, lower_only: bool) -> None:
        """Store the update's newest row times and next expiries (``lower_only``: keep an earlier expiry)."""
        pipe = self._client.pipeline(transaction=False)
        if update.newest:
            pipe.hset(self._last_key, mapping={str(c): repr(at) for c, at in update.newest.items()})
        upcoming = {str(c): at for c, at in update.due.items() if at is not None}
        if upcoming:
            pipe.zadd(self._due_key, upcoming, lt=lower_only)
        done = [str(c) for c, at in update.due.items() if at is None]
        if done and not lower_only:
            pipe.zrem(self._due_key, *done)
        pipe.execute()

    def due(self, horizon: float, limit: int) -> list[tuple[int, float]]:
        reply: Any = self._client.zrangebyscore(self._due_key, "-inf", horizon, start=0, num=limit, withscores=True)
        return [(int(member), float(score)) for member, score in reply]

    def mark_flushed(self, horizon: float) -> None:
        """Every row up to ``horizon`` is in the offline store."""
        self._client.set(self._flushed_key, repr(horizon))

    def rewind(self) -> int:
        """After a crash: schedule again every expiry after the flushed horizon (their offline rows may be lost).

        Returns how many customers were rescheduled. Rows pushed twice carry the same values.
        """
        raw: Any = self._client.get(self._flushed_key)
        if raw is None:
            return 0
        flushed = float(raw)
        customers = [int(c) for c in self._client.zrangebyscore(self._active_key, flushed - LONGEST, "+inf")]  # type: ignore[union-attr]
        if not customers:
            return 0
        pipe = self._client.pipeline(transaction=False)
        for customer in customers:
            pipe.zrange(self._key(customer), 0, -1, withscores=True)
        due = {
            c: next_change(_decode(entries)[0], flushed) for c, entries in zip(customers, pipe.execute(), strict=True)
        }
        self.commit(Update([], due, {}), lower_only=True)
        return len(customers)


def _decode(entries: list[tuple[bytes, float]]) -> tuple[list[float], list[float]]:
    """Event times (ascending) and amounts of a customer's sorted set."""
    times = [float(score) for _, score in entries]
    amounts = [float(member.rsplit(b"|", 1)[1]) for member, _ in entries]
    return times, amounts
