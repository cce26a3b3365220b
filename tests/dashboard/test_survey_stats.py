"""Questionnaire statistics on hand-counted responses (see conftest: 一队 6, 二队 3, 三队 5)."""

import datetime as dt

import pandas as pd
import pytest

from xinfang import survey_stats
from xinfang.errors import ValidationError, message
from xinfang.storage import db


def _responses(**kw):
    with db.session() as s:
        return survey_stats.responses(s, **kw)


def test_satisfaction_index_by_unit_with_complementary_suppression(small_mine):
    table = survey_stats.satisfaction_index(_responses())
    # 一队: mean 4 → (4-1)/4*100 = 75.0; all 14: (24+6+10)/14 = 2.857 → 46.4
    assert table.loc["一队", "综合指数"] == 75.0
    assert table.loc["一队", "工资收入和奖金分配"] == 75.0
    assert table.loc["合计", "综合指数"] == 46.4
    assert table.loc["合计", "人数"] == 14
    assert table.loc["二队", "综合指数"] == "<5" and table.loc["二队", "人数"] == "<5"
    # with 合计 shown, 二队 alone hidden could be recovered: the next smallest group (三队, 5) is hidden too
    assert table.loc["三队", "综合指数"] == "<5"


def test_index_without_total_keeps_groups_of_five(small_mine):
    table = survey_stats.satisfaction_index(_responses(), total=False)
    assert table.loc["三队", "综合指数"] == 25.0 and table.loc["二队", "综合指数"] == "<5"


def test_multi_select_frequencies_share_of_respondents(small_mine):
    table = survey_stats.frequencies(_responses(), "concerns")
    # 收入分配: 一队 5 + 三队 5 = 10 of 13 who chose anything
    assert table.loc["收入分配", "人数"] == 10 and table.loc["收入分配", "比例(%)"] == 76.9
    assert table.loc["安全生产", "人数"] == "<5" and table.loc["安全生产", "比例(%)"] == "<5"
    assert table.loc["本题有效填写人数", "人数"] == 13


def test_crosstab_like_wenjuanxing_with_multi_select(small_mine):
    ct = survey_stats.crosstab(_responses(), "unit", "concerns")
    assert ct.counts.loc["一队", "收入分配"] == 5 and ct.percent.loc["一队", "收入分配"] == 83.3
    assert ct.counts.loc["一队", "小计"] == 6
    assert ct.counts.loc["三队", "收入分配"] == 5
    assert ct.counts.loc["二队", "小计"] == "<5" and ct.counts.loc["二队", "安全生产"] == "<5"
    # 二队 has 3 respondents: its whole row is hidden, zeros included
    assert set(ct.counts.loc["二队"]) == {"<5"} and set(ct.percent.loc["二队"]) == {"<5"}
    assert ct.counts.loc["合计", "收入分配"] == 10 and ct.counts.loc["合计", "小计"] == 14
    assert ct.display().loc["一队", "收入分配"] == "5(83.3%)"
    # multi-select on the row side: each concern a row
    back = survey_stats.crosstab(_responses(), "concerns", "unit")
    assert back.counts.loc["收入分配", "一队"] == 5 and back.counts.loc["收入分配", "小计"] == 10


def test_crosstab_hides_the_percentages_that_would_give_away_a_hidden_subtotal(small_mine):
    """二队's 3 respondents are hidden, and with 合计 shown so is the next smallest 小计 (三队's 5): else
    14 - 6 - 5 = 3. 三队's percentages gave its 小计 away (5 people = 100.0% → 5); they are hidden with it,
    its counts stay. The dashboard and the workbook show this table."""
    ct = survey_stats.crosstab(_responses(), "unit", "concerns")
    assert ct.counts.loc["三队", "小计"] == "<5" and ct.counts.loc["合计", "小计"] == 14
    assert ct.counts.loc["三队", "收入分配"] == 5
    assert ct.percent.loc["三队"].isna().all()
    assert ct.display().loc["三队", "收入分配"] == "5"
    shown = ct.display().loc["三队"].tolist()
    assert not any("%" in str(cell) for cell in shown), shown
    assert ct.display().loc["一队", "收入分配"] == "5(83.3%)"  # a row whose 小计 is shown keeps them


def test_filter_under_five_respondents_says_too_few(small_mine):
    chosen = survey_stats.select_responses(_responses(), units=["二队"])
    for call in (lambda: survey_stats.satisfaction_index(chosen), lambda: survey_stats.frequencies(chosen, "pay"),
                 lambda: survey_stats.crosstab(chosen)):
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.code == "survey.too_few" and "人数不足" in str(err.value)
    assert str(err.value) == message("survey.too_few", k=5)


def test_period_filter_and_likert_frequencies(small_mine):
    assert len(_responses(start=dt.date(2026, 11, 1))) == 0
    freq = survey_stats.frequencies(_responses(), "pay")
    # values 5:2 (一队), 4:2, 3:3 (一队 2 + 二队 1), 2:6 (二队 1 + 三队 5), 1:1
    assert freq.loc["比较满意", "人数"] == "<5" and freq.loc["很不满意", "人数"] == "<5"
    assert freq.loc["不太满意", "人数"] == 6
    assert freq.loc["本题有效填写人数", "人数"] == 14


def test_unknown_item_is_a_catalogue_error():
    frame = pd.DataFrame({"unit": ["a"] * 5})
    with pytest.raises(ValidationError) as err:
        survey_stats.frequencies(frame, "nope")
    assert err.value.code == "survey.unknown_item"


def test_threshold_comes_from_settings(small_mine, monkeypatch):
    from xinfang import config

    monkeypatch.setenv("XINFANG_MIN_GROUP_SIZE", "3")
    config.reset()
    table = survey_stats.satisfaction_index(_responses(), total=False)
    assert table.loc["二队", "综合指数"] == 25.0  # (2-1)/4*100 with 3 respondents now enough


def test_likert_distribution_per_item(small_mine):
    table = survey_stats.likert_distribution(_responses())
    # every item has the same answers: 5:2, 4:2, 3:3, 2:6, 1:1 of 14; 不太满意 6 stays, the small ones hide
    row = table.loc["工资收入和奖金分配"]
    assert row["不太满意"] == 6 and row["合计"] == 14
    assert [row[c] for c in ("很满意", "比较满意", "一般", "很不满意")] == ["<5"] * 4
