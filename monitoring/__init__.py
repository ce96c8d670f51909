"""Watching the model in production: drift, prediction logs, metrics, alerts and accuracy."""
