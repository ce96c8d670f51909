"""Client side of the rollout serving tests: requests over new connections, and waiting for workers."""

import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Answer:
    customer_id: int
    status: int
    variant: str | None
    version: str | None
    header_variant: str | None
    header_version: str | None
    probability: float | None


@dataclass
class Client:
    """Every request on a new connection, so the kernel spreads them over the workers."""

    url: str
    admin_token: str
    answers: list[Answer] = field(default_factory=list)

    def predict(self, customer_id: int, amount: float = 20.0) -> Answer:
        response = httpx.post(f"{self.url}/predict", json={"customer_id": customer_id, "amount": amount}, timeout=10)
        body = response.json() if response.status_code == 200 else {}
        answer = Answer(
            customer_id,
            response.status_code,
            body.get("variant"),
            body.get("model_version"),
            response.headers.get("x-model-variant"),
            response.headers.get("x-model-version"),
            body.get("probability"),
        )
        self.answers.append(answer)
        return answer

    def batch(self, customer_ids: list[int], amount: float = 20.0) -> tuple[httpx.Headers, list[dict[str, Any]]]:
        items = [{"customer_id": customer, "amount": amount} for customer in customer_ids]
        response = httpx.post(f"{self.url}/predict/batch", json={"items": items}, timeout=10)
        assert response.status_code == 200, response.text
        predictions: list[dict[str, Any]] = response.json()["predictions"]
        for item in predictions:
            self.answers.append(
                Answer(
                    item["customer_id"], 200, item["variant"], item["model_version"], None, None, item["probability"]
                )
            )
        return response.headers, predictions

    def admin_model(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/admin/model", headers={"Authorization": f"Bearer {self.admin_token}"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def reload(self) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        body: dict[str, Any] = httpx.post(f"{self.url}/admin/reload", headers=headers, timeout=60).json()
        return body

    def settle(self, customer_id: int, variant: str, version: str, times: int = 8, timeout: float = 60) -> None:
        """Until ``times`` answers in a row (any worker) come from ``variant`` at ``version``."""

        def answered() -> bool:
            answer = self.predict(customer_id)
            return (answer.variant, answer.version) == (variant, version)

        self._until(answered, times, timeout)

    def settle_canary(self, version: str | None) -> None:
        """Until every worker holds canary ``version``: for a canary whose every answer fails over to production."""
        self._settle_held("canary_version", version)

    def settle_shadow(self, version: str | None) -> None:
        """Until every worker holds shadow ``version`` (no answer shows a shadow)."""
        self._settle_held("shadow_version", version)

    def _settle_held(self, key: str, version: str | None, times: int = 8, timeout: float = 60) -> None:
        """Until ``times`` /admin/model answers in a row (any worker) hold ``version`` under ``rollout.<key>``."""
        self._until(lambda: self.admin_model()["rollout"][key] == version, times, timeout)

    @staticmethod
    def _until(check: Any, times: int, timeout: float) -> None:
        deadline, streak = time.monotonic() + timeout, 0
        while streak < times:
            assert time.monotonic() < deadline, "the workers did not follow the registry in time"
            streak = streak + 1 if check() else 0
            if not streak:
                time.sleep(0.1)
