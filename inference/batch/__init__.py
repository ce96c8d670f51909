"""Batch scoring: a file of transactions in, the same rows with scores out, features as of each row's time."""
