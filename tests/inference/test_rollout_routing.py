"""The canary split: deterministic per customer, close to the weight, reshuffled per rollout."""

import pytest

from inference.rollout_routing import in_canary


@pytest.mark.parametrize("weight", [5.0, 10.0, 25.0, 50.0])
def test_split_over_1000_customers_is_within_three_points_of_the_weight(weight: float) -> None:
    share = sum(in_canary(customer, weight, "7") for customer in range(1, 1001)) / 10
    assert abs(share - weight) <= 3.0, share


def test_assignment_is_sticky_and_depends_on_the_rollout() -> None:
    first = [in_canary(customer, 20.0, "7") for customer in range(1, 501)]
    assert first == [in_canary(customer, 20.0, "7") for customer in range(1, 501)]
    assert first != [in_canary(customer, 20.0, "8") for customer in range(1, 501)]
    assert not any(in_canary(customer, 0.0, "7") for customer in range(1, 501))
    assert all(in_canary(customer, 100.0, "7") for customer in range(1, 501))
