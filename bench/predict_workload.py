"""The seeded request sequence and the checks every answer must pass.

A fast wrong answer is not a result: each timed answer is checked after the clock stops, and
before any timing both servers must agree on the feature values they read from Redis.
"""

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from http_load import Target, Validator

MAX_CUSTOMER_ID = 10_000


@dataclass(frozen=True)
class Workload:
    """Customer ids and amounts from fixed seeds: timed requests first, then the warm-up ones."""

    customer_ids: list[int]
    amounts: list[float]
    timed: int

    @classmethod
    def generate(cls, timed: int, warmup: int, seed: int) -> "Workload":
        ids = random.Random(seed)
        amounts = random.Random(seed + 1)
        total = timed + warmup
        return cls(
            customer_ids=[ids.randint(1, MAX_CUSTOMER_ID) for _ in range(total)],
            amounts=[round(amounts.lognormvariate(3.5, 1.0), 2) for _ in range(total)],
            timed=timed,
        )

    def ours_bodies(self) -> list[bytes]:
        return [
            orjson.dumps({"customer_id": customer, "amount": amount})
            for customer, amount in zip(self.customer_ids, self.amounts, strict=True)
        ]

    def peer_bodies(self, feature_service: str) -> list[bytes]:
        return [
            orjson.dumps({"feature_service": feature_service, "entities": {"customer_id": [customer]}})
            for customer in self.customer_ids
        ]


def ours_validator(workload: Workload) -> Validator:
    """200, a probability in [0, 1], and the answer is for the customer asked about."""

    def validate(status: int, body: bytes, index: int) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        try:
            answer = orjson.loads(body)
        except orjson.JSONDecodeError:
            return "body is not JSON"
        probability = answer.get("probability")
        if not isinstance(probability, float) or not 0.0 <= probability <= 1.0:
            return "no probability in [0, 1]"
        if answer.get("customer_id") != workload.customer_ids[index]:
            return "answer for another customer"
        return None

    return validate


def peer_validator(workload: Workload) -> Validator:
    """200, one value per feature, and the entity column echoes the customer asked about."""

    def validate(status: int, body: bytes, index: int) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        try:
            answer = orjson.loads(body)
            names = answer["metadata"]["feature_names"]
            results = answer["results"]
            customer = results[names.index("customer_id")]["values"][0]
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, ValueError):
            return "no feature results"
        if len(results) != len(names) or any(len(result["values"]) != 1 for result in results):
            return "wrong number of feature values"
        if customer != workload.customer_ids[index]:
            return "answer for another customer"
        return None

    return validate


def _post(client: httpx.Client, target: Target, index: int) -> dict[str, Any]:
    url = f"http://{target.host}:{target.port}{target.path}"
    response = client.post(url, content=target.bodies[index], headers={"Content-Type": "application/json"})
    reason = target.validate(response.status_code, response.content, index)
    if reason is not None:
        raise RuntimeError(f"{target.name} answered {reason} to {target.bodies[index]!r}: {response.text[:300]}")
    answer: dict[str, Any] = response.json()
    return answer


def _peer_values(answer: Mapping[str, Any]) -> dict[str, Any]:
    names = answer["metadata"]["feature_names"]
    return dict(zip(names, (result["values"][0] for result in answer["results"]), strict=True))


def verify(ours: Target, peers: Sequence[Target], workload: Workload, requests: int, timeout: float) -> dict[str, Any]:
    """Before timing: every server answers the first ``requests`` correctly, and the values agree.

    Ours reports the store features it used and their status; wherever ours says ``present`` each
    peer must return the same number, otherwise the servers would not be reading the same data.
    (Where ours says ``stale``, Feast still returns the old value as present: not compared.)
    """
    compared = mismatched = peer_with_values = 0
    ours_statuses: Counter[str] = Counter()
    examples: list[str] = []
    with httpx.Client(timeout=timeout) as client:
        for index in range(min(requests, len(workload.customer_ids))):
            mine = _post(client, ours, index)
            ours_statuses.update(mine["feature_status"].values())
            for peer in peers:
                values = _peer_values(_post(client, peer, index))
                if all(values.get(feature) is not None for feature in mine["feature_status"]):
                    peer_with_values += 1
                for feature, status in mine["feature_status"].items():
                    if status != "present":
                        continue
                    compared += 1
                    theirs = values.get(feature)
                    if theirs is None or not math.isclose(mine["features"][feature], float(theirs), rel_tol=1e-9):
                        mismatched += 1
                        customer = workload.customer_ids[index]
                        examples.append(
                            f"customer {customer} {feature}: ours {mine['features'][feature]}, {peer.name} {theirs}"
                        )
    if peer_with_values == 0:
        raise RuntimeError("the peer returned no feature values at all: is Redis materialized (see bench/README.md)?")
    return {
        "requests": requests,
        "values_compared": compared,
        "mismatched": mismatched,
        "ours_feature_statuses": dict(ours_statuses),
        "examples": examples[:5],
    }
