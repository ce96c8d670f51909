"""Streaming velocity features: ``mlops stream run`` keeps ``customer_txn_velocity`` current from events."""
