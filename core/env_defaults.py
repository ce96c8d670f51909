"""Localhost defaults for the variables that ``feature_store.yaml`` expands.

Feast expands ``${VAR}`` with ``os.path.expandvars``, which has no default syntax and leaves
an unset variable as literal text. A ``.pth`` file installed with the project imports this
module at interpreter start-up inside the virtual environment, so ``feast apply`` from the
repository root reaches the local Redis without any setup, while any value the user
exports still wins. Only non-secret defaults belong here.
"""

import os

DEFAULTS: dict[str, str] = {
    "REDIS_CONNECTION_STRING": "127.0.0.1:6379",
}


def apply_defaults() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)


apply_defaults()
