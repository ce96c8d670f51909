"""The local stack: the real services the demo and tests need, started on this machine."""
