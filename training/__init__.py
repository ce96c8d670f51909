"""Learning from point-in-time correct data, evaluating, and registering in MLflow."""
