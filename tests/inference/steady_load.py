"""A steady closed-loop /predict load in background threads, recording every answer."""

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

import httpx


@dataclass(frozen=True)
class Answer:
    started: float
    finished: float
    status: int
    version: str | None
    error: str | None = None


@dataclass
class SteadyLoad:
    base_url: str
    threads: int = 3
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _run(self, offset: int) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10.0) as client:
            n = offset
            while not self._stop.is_set():
                n += 1
                started = time.monotonic()
                try:
                    response = client.post("/predict", json={"customer_id": 1 + n % 200, "amount": 25.0 + n % 50})
                    body = response.json() if response.status_code == 200 else {}
                    answer = Answer(started, time.monotonic(), response.status_code, body.get("model_version"))
                except httpx.HTTPError as error:
                    answer = Answer(started, time.monotonic(), 0, None, f"{type(error).__name__}: {error}")
                with self._lock:
                    self.answers.append(answer)

    def __enter__(self) -> "SteadyLoad":
        for index in range(self.threads):
            worker = threading.Thread(target=self._run, args=(index * 1000,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=15)

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def failures(self) -> list[Answer]:
        return [answer for answer in self.snapshot() if answer.status != 200]

    def wait_for_version(self, version: str, since: float, timeout: float = 60.0) -> Answer:
        """The first answer from ``version`` to a request started after ``since``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for answer in self.snapshot():
                if answer.started >= since and answer.version == version:
                    return answer
            time.sleep(0.05)
        raise TimeoutError(f"no answer from version {version} within {timeout}s")
