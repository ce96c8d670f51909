"""The order stages run in, from their ``depends_on`` edges, with the standard library's graphlib.

A stage without ``depends_on`` runs after the stage listed before it, so a plain list is a
chain and only a real DAG needs edges. Among stages that are ready at the same time the one
listed first runs first: the order is the file's own wherever the edges allow it, and never
changes between runs.
"""

import heapq
from collections.abc import Sequence
from graphlib import CycleError, TopologicalSorter
from typing import TypeVar

from pipeline.stages import StageBase

S = TypeVar("S", bound=StageBase)


class StageCycleError(ValueError):
    """``depends_on`` edges that loop: no stage of the loop can ever start."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle
        """Stage names around the loop, first repeated last; each must run before the next."""


def dependencies(stages: Sequence[StageBase]) -> dict[str, tuple[str, ...]]:
    """Each stage's parents, with the default (the stage listed before) filled in."""
    parents: dict[str, tuple[str, ...]] = {}
    for index, stage in enumerate(stages):
        if stage.depends_on is not None:
            parents[stage.id] = tuple(stage.depends_on)
        else:
            parents[stage.id] = (stages[index - 1].id,) if index > 0 else ()
    return parents


def execution_order(stages: Sequence[S]) -> list[S]:
    """Stages so that each follows its parents, earliest-listed first among the ready ones.

    graphlib hands out every ready stage at once; taking them one at a time from a heap keyed
    on file position keeps a chain in file order even when a side branch becomes ready early.
    Parents that name no stage are left to the validator and ignored here.
    """
    position = {stage.id: index for index, stage in enumerate(stages)}
    graph = {name: [p for p in parents if p in position] for name, parents in dependencies(stages).items()}
    sorter = TopologicalSorter(graph)
    try:
        sorter.prepare()
    except CycleError as error:
        raise StageCycleError([str(name) for name in error.args[1]]) from error
    ready: list[tuple[int, str]] = []
    ordered: list[S] = []
    while sorter.is_active():
        for name in sorter.get_ready():
            heapq.heappush(ready, (position[name], name))
        index, name = heapq.heappop(ready)
        ordered.append(stages[index])
        sorter.done(name)
    return ordered


def ancestors(stages: Sequence[StageBase]) -> dict[str, set[str]]:
    """Every stage each one (transitively) runs after: what "runs after X" rules are checked against."""
    parents = dependencies(stages)
    lineage: dict[str, set[str]] = {}
    for stage in execution_order(stages):
        lineage[stage.id] = set()
        for parent in parents[stage.id]:
            lineage[stage.id] |= {parent} | lineage.get(parent, set())
    return lineage
