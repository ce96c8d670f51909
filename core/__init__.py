"""The base every stage stands on: paths, settings, shared names, errors, Redis and Feast access.

It imports no other package of this project, so any stage may import it without a cycle.
"""
