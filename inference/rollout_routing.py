"""Which variant answers a customer during a canary: a stable hash of ``customer_id``.

Every worker and every pod computes the same answer with no shared state (the weight comes
from the registry), and a customer keeps one model for the life of a rollout. The hash is
BLAKE2b over the id and the candidate version, so a new rollout reshuffles who is in the
canary instead of always exposing the same customers first. Not wired into /predict yet.
"""

import hashlib

BUCKETS = 10_000
"""Resolution of the split: weights are honoured to 0.01%."""


def bucket(customer_id: int, salt: str) -> int:
    """The customer's bucket in [0, BUCKETS) for a rollout identified by ``salt``."""
    digest = hashlib.blake2b(f"{salt}:{customer_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def in_canary(customer_id: int, weight_percent: float, salt: str) -> bool:
    """True when the customer falls in the first ``weight_percent`` of buckets."""
    return bucket(customer_id, salt) < round(weight_percent * BUCKETS / 100)
