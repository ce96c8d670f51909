"""Feast definitions for fraud scoring: the registry built from these is the single source of truth."""
