"""The MLflow model registry lifecycle: labels, promotion with archive, rollback, audit, comparison."""
