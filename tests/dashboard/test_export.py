"""Exports: Excel with Chinese headers, CSV in utf-8-sig, aggregates suppressed, PNG needs kaleido."""

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from xinfang import charts, export
from xinfang.errors import XinfangError


def _tally():
    t = pd.DataFrame({"负面": [6, 3, 9], "正面": [7, 8, 15], "合计": [13, 11, 24]}, index=["一队", "二队", "合计"])
    t.index.name = "unit"
    return t


def test_excel_has_chinese_headers_and_suppressed_cells(tmp_path):
    data = export.to_excel({"情绪": _tally()}, tmp_path / "a.xlsx")
    sheet = load_workbook(io.BytesIO(data))["情绪"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["单位", "负面", "正面", "合计"]
    # 二队 负面 3 is hidden; its row total 11 would give it away, so 二队 正面 (8) goes too; the column
    # 负面 (total 9) then loses 一队's 6, and 一队's row (total 13) its 正面 7
    assert rows[1] == ["一队", "<5", "<5", 13] and rows[2] == ["二队", "<5", "<5", 11]
    assert rows[3] == ["合计", 9, 15, 24]
    assert (tmp_path / "a.xlsx").read_bytes() == data


def test_excel_shows_rates_as_percentages(tmp_path):
    """A KPI rate (data/kpis.yaml) is a fraction in the library's tables; in Excel it read 0.0674157…
    under 化解率. It stays a number (Excel can sum and chart it) shown as 6.7%; counts and "<5" as before."""
    trend = pd.DataFrame({"诉求数": [97, 68], "化解率": [0.0674157, "<5"], "满意率": [0.8571428, 0.9]},
                         index=pd.Index(["2025年12月", "2026年1月"], name="月份"))
    sheet = load_workbook(io.BytesIO(export.to_excel({"关键指标": trend})))["关键指标"]
    first, second = sheet[2], sheet[3]
    assert [c.value for c in first] == ["2025年12月", 97, 0.0674157, 0.8571428]
    assert [c.number_format for c in first] == ["General", "General", "0.0%", "0.0%"]
    assert [c.value for c in second][2] == "<5"


def test_readable_table_for_the_screen():
    """What the notebooks and the command line show: Chinese headers, rates in per cent, "<5" kept."""
    cases = pd.DataFrame({"case_no": ["XF2026-0000001"], "due_on": ["2026-11-02"]}, index=pd.Index([7], name="unit"))
    assert list(export.readable(cases).columns) == ["编号", "办理期限"]
    assert export.readable(cases).index.name == "单位"
    trend = pd.DataFrame({"诉求数": [97, 3], "化解率": [0.0674157, "<5"], "满意率": [float("nan"), 1.0]})
    shown = export.readable(trend)
    assert shown.to_dict("list") == {"诉求数": [97, 3], "化解率": ["6.7%", "<5"], "满意率": ["—", "100.0%"]}
    assert trend.loc[0, "化解率"] == 0.0674157  # the table given is left as it was


def test_csv_is_utf8_sig_and_suppressed():
    data = export.to_csv(_tally())
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "单位,负面,正面,合计" and lines[2] == "二队,<5,<5,11"


def test_already_displayed_table_is_written_as_is_and_case_lists_not_suppressed():
    from xinfang import privacy

    shown = privacy.suppress(_tally())
    assert export.to_csv(shown) == export.to_csv(_tally())
    cases = pd.DataFrame({"case_no": ["XF1"], "people_count": [2], "topics": [["C01", "C07"]]})
    text = export.to_csv(cases, aggregate=False).decode("utf-8-sig")
    assert text.splitlines() == ["编号,人数,话题", "XF1,2,C01、C07"]


def test_export_by_extension_and_bad_format(tmp_path, monkeypatch):
    assert export.export(_tally(), tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(XinfangError) as err:
        export.export(_tally(), tmp_path / "t.pdf")
    assert err.value.code == "export.bad_format"
    monkeypatch.setattr(charts, "kaleido_available", lambda: False)
    with pytest.raises(XinfangError) as err:
        export.export(charts.sentiment_by_unit(_tally()), tmp_path / "c.png")
    assert err.value.code == "chart.no_kaleido" and not (tmp_path / "c.png").exists()
