"""Small-group suppression (DESIGN.md §9): "<5" cells, complementary suppression, no subtraction attack."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from xinfang import privacy
from xinfang.errors import ValidationError, message


def with_totals(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out["合计"] = out.sum(axis=1)
    out.loc["合计"] = out.sum()
    return out


def recoverable_cells(shown: pd.DataFrame, true: pd.DataFrame) -> list[tuple[object, object]]:
    """Hidden cells an attacker can compute: the only hidden cell of a line whose total is visible."""
    found = []
    hidden = shown.map(lambda v: isinstance(v, str))
    for axis in (0, 1):
        lines = hidden.iterrows() if axis == 0 else hidden.items()
        for label, line in lines:
            if "合计" not in line.index or line["合计"]:
                continue
            cells = [k for k, h in line.drop("合计").items() if h]
            if len(cells) == 1:
                found.append((label, cells[0]) if axis == 0 else (cells[0], label))
    return found


def test_small_cells_show_as_less_than_five__ok():
    table = pd.DataFrame({"人数": [12, 3, 0, 7]}, index=["综采队", "掘进队", "机电队", "运输队"])
    shown = privacy.suppress(table, min_size=5)
    assert shown.loc["掘进队", "人数"] == "<5"
    assert shown.loc["综采队", "人数"] == 12 and shown.loc["机电队", "人数"] == 0
    assert shown["人数"].dtype == object


def test_default_threshold_comes_from_settings__ok(monkeypatch):
    from xinfang import config

    table = pd.DataFrame({"n": [6, 9]})
    assert privacy.suppress(table)["n"].tolist() == [6, 9]
    monkeypatch.setenv("XINFANG_MIN_GROUP_SIZE", "8")
    config.reset()
    assert privacy.suppress(table)["n"].tolist() == ["<8", 9]


def test_subtraction_attack_on_a_row_total_is_blocked__ok():
    true = with_totals(pd.DataFrame({"C01": [3, 20], "C02": [12, 15], "C03": [9, 30]}, index=["甲队", "乙队"]))
    # Primary suppression alone would hide only 甲队/C01; 甲队's total minus the rest would give it away.
    shown = privacy.suppress(true, min_size=5)
    assert shown.loc["甲队", "C01"] == "<5"
    hidden_in_row = [c for c in ["C01", "C02", "C03"] if shown.loc["甲队", c] == "<5"]
    assert len(hidden_in_row) >= 2
    assert shown.loc["甲队", "C03"] == "<5"            # the next smallest cell of the row
    assert recoverable_cells(shown, true) == []
    assert shown.loc["甲队", "合计"] == 24 and shown.loc["合计", "合计"] == 89   # true totals kept


def test_complementary_suppression_repeats_until_stable__ok():
    true = with_totals(pd.DataFrame({"C01": [3, 10, 12], "C02": [8, 2, 20], "C03": [9, 9, 9]},
                                    index=["A", "B", "C"]))
    shown = privacy.suppress(true, min_size=5)
    assert recoverable_cells(shown, true) == []
    assert shown.loc["A", "C01"] == "<5" and shown.loc["B", "C02"] == "<5"


def test_no_table_of_small_random_counts_leaks_by_subtraction__ok():
    import random

    rnd = random.Random(7)
    for _ in range(200):
        rows, cols = rnd.randint(1, 5), rnd.randint(1, 5)
        data = [[rnd.choice([0, 1, 2, 4, 5, 6, 9, 15, 40]) for _ in range(cols)] for _ in range(rows)]
        true = with_totals(pd.DataFrame(data, index=[f"r{i}" for i in range(rows)],
                                        columns=[f"c{j}" for j in range(cols)]))
        shown = privacy.suppress(true, min_size=5)
        assert recoverable_cells(shown, true) == [], true
        for (r, c) in itertools.product(true.index, true.columns):
            if 0 < true.loc[r, c] < 5:
                assert shown.loc[r, c] == "<5"


def test_single_cell_line_hides_its_total__ok():
    true = pd.DataFrame({"人数": [3], "合计": [3]}, index=["甲队"])
    shown = privacy.suppress(true, min_size=5)
    assert shown.loc["甲队"].tolist() == ["<5", "<5"]


def test_column_of_counts_with_total_row__ok():
    true = pd.DataFrame({"人数": [2, 30, 40, 72]}, index=["A", "B", "C", "合计"])
    shown = privacy.suppress(true, min_size=5)
    assert shown["人数"].tolist() == ["<5", "<5", 40, 72]


def test_counts_table_decides_for_a_table_of_means__ok():
    means = pd.DataFrame({"满意度": [81.5, 64.0]}, index=["甲队", "乙队"])
    counts = pd.DataFrame({"满意度": [4, 30]}, index=["甲队", "乙队"])
    shown = privacy.suppress(means, counts=counts, min_size=5)
    assert shown["满意度"].tolist() == ["<5", 64]


def test_hidden_cells_for_charts__ok():
    true = with_totals(pd.DataFrame({"a": [1, 8], "b": [7, 9]}, index=["x", "y"]))
    mask = privacy.hidden_cells(true, min_size=5)
    assert mask.dtypes.eq(bool).all()
    shown = privacy.suppress(true, min_size=5)
    assert (mask == shown.map(lambda v: isinstance(v, str))).all().all()


def test_series_and_multiindex__ok():
    series = pd.Series([1, 6], index=pd.MultiIndex.from_tuples([("A", "C01"), ("A", "C02")]), name="n")
    shown = privacy.suppress(series, min_size=5)
    assert shown["n"].tolist() == ["<5", 6]


def test_enough_respondents__ok():
    assert privacy.enough_respondents(5) is True
    assert privacy.enough_respondents(4) is False
    assert privacy.enough_respondents(None) is False
    assert privacy.enough_respondents(9, min_size=10) is False


def test_text_in_the_table__error():
    table = pd.DataFrame({"人数": [3, "<5"]}, index=["A", "B"])
    with pytest.raises(ValidationError) as info:
        privacy.suppress(table)
    assert str(info.value) == message("privacy.not_numeric", column="人数", row="B", value="<5")


def test_counts_of_another_shape__error():
    with pytest.raises(ValidationError) as info:
        privacy.suppress(pd.DataFrame({"a": [1, 2]}), counts=pd.DataFrame({"a": [1]}))
    assert info.value.code == "privacy.shape_mismatch"
