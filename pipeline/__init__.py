"""The declarative training pipeline: its definition, validator, runner and CLI."""
