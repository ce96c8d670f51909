"""The simulated upstream system: customer snapshots and transactions that feed the feature store."""
