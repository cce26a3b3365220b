"""Figures: values from the tables, hidden cells as gaps marked <5, escaped text, CJK fonts."""

import json

import pandas as pd
import pytest

from xinfang import charts, privacy
from xinfang.errors import XinfangError


def _heat():
    raw = pd.DataFrame({"C01": [6, 3], "C07": [0, 12]}, index=["一队", "<b>二队</b>"])
    return privacy.suppress(raw)


def test_heatmap_values_gaps_and_escaping():
    fig = charts.heatmap(_heat(), labels={"C01": "薪酬<i>"})
    trace = fig.data[0]
    assert list(trace.y) == ["一队", "&lt;b&gt;二队&lt;/b&gt;"]
    assert list(trace.x) == ["薪酬&lt;i&gt;", "C07"]
    assert trace.z[0][0] == 6 and trace.z[1][0] is None and trace.z[1][1] == 12
    assert trace.text[1][0] == "&lt;5"
    assert "<b>" not in json.dumps(fig.to_plotly_json(), ensure_ascii=False)


def test_raw_counts_are_suppressed_by_the_chart_itself():
    raw = pd.DataFrame({"负面": [6, 2], "中性": [7, 9]}, index=["一队", "二队"])
    fig = charts.sentiment_by_unit(raw)
    neg = next(t for t in fig.data if t.name == "负面")
    assert list(neg.x) == [6, 0] and list(neg.customdata) == ["6", "&lt;5"] and list(neg.text) == ["6", ""]


def test_totals_not_drawn_and_order_kept():
    table = privacy.suppress(pd.DataFrame({"负面": [6, 8, 14], "合计": [6, 8, 14]}, index=["一队", "二队", "合计"]))
    fig = charts.sentiment_by_unit(table)
    assert [t.name for t in fig.data] == ["负面"] and list(fig.data[0].y) == ["一队", "二队"]


def test_kpi_trend_percentages_with_gaps():
    table = pd.DataFrame({"化解率": [0.5, "<5"], "满意率": [1.0, 0.8]}, index=["2026年10月", "2026年11月"], dtype=object)
    fig = charts.kpi_trend(table)
    rate = next(t for t in fig.data if t.name == "化解率")
    assert list(rate.y) == [50.0, None] and list(rate.customdata) == ["50%", "&lt;5"]
    assert list(fig.layout.yaxis.range) == [0, 105]
    # a month that closed more than it accepted: the axis reaches its point
    over = pd.DataFrame({"化解率": [1.6], "满意率": [0.9]}, index=["2026年10月"], dtype=object)
    assert list(charts.kpi_trend(over).layout.yaxis.range) == [0, 165]


def test_kpi_trend_with_nothing_to_draw_says_why():
    months = ["2026年10月", "2026年11月"]
    hidden = charts.kpi_trend(pd.DataFrame({"化解率": ["<5", "<5"], "满意率": ["<5", None]}, index=months, dtype=object))
    assert [a.text for a in hidden.layout.annotations] == ["每月的件数都少于 5 件：为保护当事人，不显示比率"]
    empty = charts.kpi_trend(pd.DataFrame({"化解率": [None, None]}, index=months, dtype=object))
    assert [a.text for a in empty.layout.annotations] == ["这段时间没有可计算比率的事项"]
    one_point = charts.kpi_trend(pd.DataFrame({"化解率": ["<5", 0.5]}, index=months, dtype=object))
    assert not one_point.layout.annotations
    assert charts.in_script(hidden, "zh-Hant").layout.annotations[0].text == "每月的件數都少於 5 件：爲保護當事人，不顯示比率"


def test_template_has_cjk_fonts_and_large_mode():
    normal, large = charts.template(), charts.template(large=True)
    assert "Noto Sans CJK SC" in normal.layout.font.family and "Microsoft YaHei" in normal.layout.font.family
    assert large.layout.font.size > normal.layout.font.size


def test_png_without_kaleido_is_a_catalogue_error(monkeypatch):
    monkeypatch.setattr(charts, "kaleido_available", lambda: False)
    with pytest.raises(XinfangError) as err:
        charts.to_png(charts.heatmap(_heat()))
    assert err.value.code == "chart.no_kaleido"


@pytest.mark.skipif(not charts.kaleido_available(), reason="kaleido not installed")
def test_png_with_kaleido():
    png = charts.to_png(charts.heatmap(_heat()), width=400, height=300)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_hidden_segments_drawn_as_one_hatched_rest_up_to_the_total():
    raw = pd.DataFrame({"负面": [6, 2, 1], "中性": [7, 9, 2], "合计": [13, 11, 3]}, index=["一队", "二队", "三队"])
    # 二队: 负面 2 hidden, and 中性 9 with it (row total 11 shown); 三队: everything hidden, total too
    fig = charts.sentiment_by_unit(raw)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["负面"].x) == [6, 0, 0] and list(by_name["中性"].x) == [7, 0, 0]
    rest = by_name["人数少于 5 的格子（合计）"]
    assert list(rest.x) == [0, 11, 0] and rest.marker.pattern.shape == "/"
    assert list(by_name["&lt;5"].text) == ["", "", "&lt;5"]


def test_margins_are_reserved_for_the_widest_label_and_the_colour_bar():
    """plotly.js widens a margin too narrow for a label with a second complete drawing: the figures
    reserve the room their labels need (a wide CJK character counts one em, others about 0.6)."""
    def heat(unit, large=False):
        raw = pd.DataFrame({"C01": [60, 30], "C07": [40, 1200]}, index=[unit, "一队"])
        return charts.heatmap(raw, large=large)

    short, long_ = heat("二队"), heat("综合采煤一队第二作业班组")
    assert short.layout.margin.l == charts.template().layout.margin.l  # two characters fit the default
    assert long_.layout.margin.l >= 12 * 13 + 20
    assert heat("综合采煤一队第二作业班组", large=True).layout.margin.l >= 12 * 22 + 20
    assert heat("ABCDEFGHIJKL").layout.margin.l < long_.layout.margin.l  # Latin letters are narrower
    assert long_.layout.margin.r >= 90 + 5 * 0.6 * 13  # the colour bar's ticks up to "1,200"
    bars = charts.survey_frequencies(pd.DataFrame({"人数": [30, 20]}, index=["工资待遇问题", "食堂"]), title="t")
    assert bars.layout.margin.l >= 6 * 13 + 20 and bars.layout.margin.r == charts.template().layout.margin.r


def test_months_read_in_chinese_on_the_monthly_chart():
    table = pd.DataFrame({"负面": [6, 7], "中性": [8, 9]}, index=["2025-12", "2026-01"])
    fig = charts.monthly_trend(table)
    assert list(fig.data[0].x) == ["2025年12月", "2026年1月"]
