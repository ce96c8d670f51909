"""Stage order from depends_on: defaults, file order among ready stages, cycles named exactly."""

import itertools
from typing import Any

import pytest
from pydantic import TypeAdapter

from pipeline.ordering import StageCycleError, ancestors, dependencies, execution_order
from pipeline.stages import Stage, StageBase

STAGES = TypeAdapter(list[Stage])


def stages(*specs: dict[str, Any]) -> list[StageBase]:
    return list(STAGES.validate_python(list(specs)))


def names(ordered: list[StageBase]) -> list[str]:
    return [stage.id for stage in ordered]


def test_depends_on_defaults_to_the_stage_listed_before() -> None:
    listed = stages({"type": "fetch_data"}, {"type": "validate"}, {"type": "train", "depends_on": []})
    assert dependencies(listed) == {"fetch_data": (), "validate": ("fetch_data",), "train": ()}


def test_ready_stages_run_one_at_a_time_in_file_order() -> None:
    """graphlib hands out a and c together; b (ready once a is done) is listed before c, so it runs first."""
    listed = stages(
        {"name": "a", "type": "fetch_data"},
        {"name": "b", "type": "validate"},
        {"name": "c", "type": "train", "depends_on": []},
    )
    assert names(execution_order(listed)) == ["a", "b", "c"]


def test_a_stage_listed_before_its_parent_runs_after_it() -> None:
    listed = stages(
        {"name": "fit", "type": "train", "depends_on": ["load"]},
        {"name": "load", "type": "fetch_data", "depends_on": []},
        {"name": "score", "type": "evaluate"},
    )
    assert names(execution_order(listed)) == ["load", "fit", "score"]


def test_parents_that_name_no_stage_are_left_to_the_validator() -> None:
    listed = stages({"name": "a", "type": "fetch_data", "depends_on": ["ghost"]}, {"name": "b", "type": "train"})
    assert names(execution_order(listed)) == ["a", "b"]


def test_a_cycle_names_exactly_the_stages_in_the_loop() -> None:
    listed = stages(
        {"name": "root", "type": "fetch_data"},
        {"name": "b", "type": "validate", "depends_on": ["c"]},
        {"name": "c", "type": "preprocess", "depends_on": ["b"]},
        {"name": "tail", "type": "train"},
    )
    with pytest.raises(StageCycleError) as raised:
        execution_order(listed)
    cycle = raised.value.cycle
    assert len(cycle) == 3 and cycle[0] == cycle[-1] and set(cycle) == {"b", "c"}
    parents = dependencies(listed)
    assert all(before in parents[after] for before, after in itertools.pairwise(cycle))


def test_a_stage_depending_on_itself_is_a_cycle() -> None:
    with pytest.raises(StageCycleError) as raised:
        execution_order(stages({"name": "a", "type": "fetch_data", "depends_on": ["a"]}))
    assert raised.value.cycle == ["a", "a"]


def test_ancestors_follow_every_branch_of_a_diamond() -> None:
    listed = stages(
        {"name": "f", "type": "fetch_data"},
        {"name": "v", "type": "validate"},
        {"name": "p", "type": "preprocess", "depends_on": ["f"]},
        {"name": "t", "type": "train", "depends_on": ["v", "p"]},
    )
    assert ancestors(listed) == {"f": set(), "v": {"f"}, "p": {"f"}, "t": {"v", "p", "f"}}
