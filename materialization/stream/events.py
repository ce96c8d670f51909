"""Transaction events as they travel on the stream: flat string fields, one id per event."""

import math
from dataclasses import dataclass


class BadEvent(ValueError):
    """An entry that cannot be a transaction; it is acknowledged and counted, never retried."""


@dataclass(frozen=True)
class TransactionEvent:
    event_id: str
    """The producer's id: redelivery or a producer retry carries the same one, so it is counted once."""
    customer_id: int
    amount: float
    timestamp: float
    """Event time, epoch seconds."""

    def fields(self) -> dict[str, str]:
        return {
            "event_id": self.event_id,
            "customer_id": str(self.customer_id),
            "amount": repr(self.amount),
            "event_timestamp": repr(self.timestamp),
        }

    @classmethod
    def parse(cls, fields: dict[bytes, bytes] | dict[str, str], fallback_id: str) -> "TransactionEvent":
        text = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in fields.items()
        }
        try:
            customer_id = int(text["customer_id"])
            amount = float(text["amount"])
            timestamp = float(text["event_timestamp"])
        except (KeyError, ValueError) as error:
            raise BadEvent(f"entry {fallback_id}: {error}") from error
        if not 0 < customer_id < 2**63 or not math.isfinite(amount) or not math.isfinite(timestamp):
            raise BadEvent(f"entry {fallback_id}: customer_id, amount or event_timestamp out of range")
        return cls(text.get("event_id") or fallback_id, customer_id, amount, timestamp)
