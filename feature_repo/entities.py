"""Entities: what features are keyed by."""

from feast import Entity, ValueType

customer = Entity(
    name="customer",
    join_keys=["customer_id"],
    value_type=ValueType.INT64,
    description="A paying customer; ids are positive integers.",
    tags={"owner": "fraud-team"},
)
