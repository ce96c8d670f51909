"""The `mlops` command line: one sub-command group per stage of the model's life."""
