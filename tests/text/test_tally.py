"""Tallies over analysed remarks: by topic × unit × month × sentiment, distinct people, suppression."""

from __future__ import annotations

import pandas as pd
import pytest

from xinfang.errors import ValidationError
from xinfang.text import analyze, tally


@pytest.fixture
def analysed() -> pd.DataFrame:
    rows = []
    # 综采队: 8 people complain about night-shift pay (C02), one of them twice; 3 praise the canteen.
    for person in range(8):
        rows.append(("综采队", "2025-10-03", f"p{person}", "夜班费太低了"))
    rows.append(("综采队", "2025-10-09", "p0", "夜班费又少算了"))
    for person in range(20, 23):
        rows.append(("综采队", "2025-11-02", f"p{person}", "食堂饭菜很好，谢谢"))
    # 掘进队: 6 people, boots and night-shift pay in one remark (two topics).
    for person in range(30, 36):
        rows.append(("掘进队", "2025-11-05", f"p{person}", "矿靴漏水，夜班费也拖欠"))
    df = pd.DataFrame(rows, columns=["unit", "date", "person_key", "text"])
    return df.join(analyze(df))


def test_counts_distinct_people_and_explodes_topics__ok(analysed):
    table = tally(analysed, by=["unit", "topic"], suppress=False)
    assert table.loc[("综采队", "C02"), "人数"] == 8          # p0 counted once
    assert table.loc[("掘进队", "C02"), "人数"] == 6
    assert table.loc[("掘进队", "C07"), "人数"] == 6
    assert table.loc[("合计", "合计"), "人数"] == 17         # people, not remarks or topic rows


def test_rows_are_counted_without_a_person_key__ok(analysed):
    table = tally(analysed.drop(columns="person_key"), by=["unit"], suppress=False)
    assert table.loc["综采队", "条数"] == 12


def test_month_from_date_and_label_columns__ok(analysed):
    table = tally(analysed, by=["month"], columns="label", suppress=False)
    assert table.loc["2025-10", "负面"] == 8
    assert table.loc["2025-11", "正面"] == 3
    assert table.loc["合计", "合计"] == 17


def test_suppression_is_applied__ok(analysed):
    table = tally(analysed, by=["unit"], columns="label")
    assert table.loc["综采队", "正面"] == "<5"                  # 3 people
    # 综采队 has a visible total, so a second cell of that row is hidden too.
    assert (table.loc["综采队"].drop("合计") == "<5").sum() >= 2
    assert table.loc["合计", "合计"] == 17


def test_unknown_column__error(analysed):
    with pytest.raises(ValidationError) as info:
        tally(analysed, by=["branch"])
    assert info.value.code == "text.no_column"
