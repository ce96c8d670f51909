"""Closed-loop /predict load that keeps what a soak needs from every answer, and the checks on it."""

import bisect
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from types import TracebackType

import httpx
import numpy as np


@dataclass(frozen=True)
class Answer:
    started: float
    finished: float
    status: int
    customer_id: int
    version: str | None = None
    total_purchases: float | None = None
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.finished - self.started


@dataclass
class SoakLoad:
    base_url: str
    concurrency: int = 8
    customers: int = 300
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _run(self, offset: int) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30.0) as client:
            n = offset
            while not self._stop.is_set():
                n += 7
                customer_id = 1 + n % self.customers
                started = time.monotonic()
                try:
                    response = client.post("/predict", json={"customer_id": customer_id, "amount": 20.0 + n % 90})
                    body = response.json() if response.status_code == 200 else {}
                    answer = Answer(
                        started,
                        time.monotonic(),
                        response.status_code,
                        customer_id,
                        body.get("model_version"),
                        body.get("features", {}).get("total_purchases"),
                    )
                except httpx.HTTPError as error:
                    answer = Answer(started, time.monotonic(), 0, customer_id, error=f"{type(error).__name__}: {error}")
                with self._lock:
                    self.answers.append(answer)

    def __enter__(self) -> "SoakLoad":
        for index in range(self.concurrency):
            worker = threading.Thread(target=self._run, args=(index,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=40)

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)


def regressions(answers: list[Answer]) -> list[tuple[Answer, float]]:
    """Answers that served an older snapshot than one already served before they started.

    ``total_purchases`` only grows from snapshot to snapshot (upstream/append.py), so a
    request that starts after another finished must see at least that request's value.
    """
    found: list[tuple[Answer, float]] = []
    by_customer: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        if answer.status == 200 and answer.total_purchases is not None:
            by_customer[answer.customer_id].append(answer)
    for served in by_customer.values():
        finished = sorted(served, key=lambda a: a.finished)
        ends = [a.finished for a in finished]
        running_max = np.maximum.accumulate([a.total_purchases or 0.0 for a in finished])
        for answer in served:
            before = bisect.bisect_left(ends, answer.started)
            if before and (answer.total_purchases or 0.0) < running_max[before - 1]:
                found.append((answer, float(running_max[before - 1])))
    return found


def latency_row(name: str, answers: list[Answer]) -> str:
    if not answers:
        return f"{name:24} {'-':>7}"
    seconds = np.array([a.seconds for a in answers]) * 1000
    statuses = defaultdict(int)
    for answer in answers:
        statuses[answer.status] += 1
    shown = " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
    return (
        f"{name:24} {len(answers):7d} {np.percentile(seconds, 50):8.1f} {np.percentile(seconds, 99):8.1f}"
        f" {seconds.max():8.1f}  {shown}"
    )
