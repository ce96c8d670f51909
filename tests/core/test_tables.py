"""The one table renderer: aligned columns, an optional rule, no trailing spaces."""

from core.tables import render_table


def test_columns_are_aligned_to_the_widest_cell_with_a_rule_under_the_header() -> None:
    text = render_table(("view", "rows"), [("customer_stats", 1200), ("x", 3)])
    assert text.splitlines() == [
        "view            rows",
        "--------------  ----",
        "customer_stats  1200",
        "x               3",
    ]


def test_without_a_rule_and_with_a_wide_header() -> None:
    assert render_table(("a long header", "b"), [("1", "")], rule=False).splitlines() == ["a long header  b", "1"]


def test_no_rows_gives_the_header_alone() -> None:
    assert render_table(("only", "header"), []) == "only  header\n----  ------"
