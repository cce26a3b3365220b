"""Quarterly 研判分析报告: draft from the small mine, edit, submit, review; HTML and DOCX; both databases."""

import datetime as dt
import io

import pytest

from xinfang import report
from xinfang.errors import ValidationError
from xinfang.storage import db

from .conftest import MARKER, TODAY


def _draft(branch="甲支部", year=2026, quarter=4):
    with db.session() as s:
        return report.draft(s, branch, year, quarter, today=TODAY)


def _text(r, key):
    return next(i["text"] for i in r["items"] if i["key"] == key)


def test_draft_has_the_sections_in_order_with_the_branch_figures(small_mine):
    r = _draft()
    assert [i["title"] for i in r["items"]] == ["一、总体情况", "二、主要表现", "三、不稳定因素", "四、思想情绪",
                                               "五、典型案例", "六、原因分析", "七、对策建议", "八、上季度措施落实"]
    assert r["status"] == "草稿"
    overview = _text(r, "overview")
    # 甲支部 = 一队 + 二队: activities 1 + 1 (40 + 30 people), cases 6 + 3, 化解率 4/6
    assert "活动 2 次" in overview and "参与 70 人次" in overview and "诉求 9 件" in overview
    assert "化解率 66.7%" in overview and "按期办结率 <5" in overview
    # the rates as a reader checks them, as the dashboard lists them under its cards
    assert "\n化解率 66.7%：4 ÷ 6，期内办结且结果为支持" in overview and "\n按期办结率 <5：在办理期限" in overview
    # topic totals 6 and 3 with the 合计 9 shown: 3 is hidden, and 6 with it (else 9 − 6 gives it away)
    assert "薪酬与绩效分配（<5 件）" in _text(r, "performance") and "劳动保护用品（<5 件）" in _text(r, "performance")
    assert "负面 9 件（共 9 件）" in _text(r, "performance")
    # questionnaire: 一队 6 + 二队 3 = 9 respondents; index (24 + 6)/9 = 3.333 → 58.3
    assert "问卷 9 份" in _text(r, "mood") and "综合指数 58.3" in _text(r, "mood")
    assert "一队职工反映薪酬与绩效分配方面的问题" in _text(r, "cases") and "受理后 15 天办结" in _text(r, "cases")
    assert _text(r, "causes") == "" and "没有已提交" in _text(r, "last_measures")
    everything = repr(r)
    assert MARKER not in everything and "XF20" not in everything  # no case text, no case numbers


def test_unclassified_is_said_apart_from_the_hot_topics():
    import pandas as pd

    heat = pd.DataFrame({"C01": [6, 6], "未归类": [8, 8], "C02": ["<5", "<5"], "合计": [17, 17]}, index=["一队", "合计"],
                        dtype=object)
    sentiment = pd.DataFrame({"负面": [17, 17], "合计": [17, 17]}, index=["一队", "合计"], dtype=object)
    names = {"C01": "薪酬与绩效分配", "C02": "劳保用品", "未归类": "未归类"}
    text, tables = report._performance({"heat": heat, "sentiment": sentiment, "topic_names": names})
    assert text.startswith("职工反映较集中的问题依次为：薪酬与绩效分配（6 件）、劳保用品（<5 件）。另有 8 件未能归入话题分类。")
    assert [row[0] for row in tables[0]["rows"]] == ["薪酬与绩效分配", "劳保用品"]
    only = heat[["未归类", "合计"]]
    text, _ = report._performance({"heat": only, "sentiment": sentiment, "topic_names": names})
    assert text.startswith("另有 8 件未能归入话题分类。从反映的情绪看，负面 17 件")


def test_other_branch_and_unknown_branch(small_mine):
    r = _draft("乙支部")
    assert "诉求 0 件" in _text(r, "overview") and "化解率 —" in _text(r, "overview")
    assert "问卷 5 份" in _text(r, "mood") and "综合指数 25（" in _text(r, "mood")  # 三队: 5 × (2−1)/4
    assert "人数不足" in _text(_draft("乙支部", quarter=3), "mood")  # no questionnaire in Q3
    with pytest.raises(ValidationError) as err:
        _draft("不存在支部")
    assert err.value.code == "report.unknown_branch"


def test_edit_submit_review_and_status_rules(small_mine):
    r = _draft()
    with db.session() as s:
        with pytest.raises(ValidationError) as err:
            report.submit(s, r["id"])
        assert err.value.code == "report.section_required" and "六、原因分析" in str(err.value)
    with db.session() as s:
        report.edit(s, r["id"], {"causes": "奖金二次分配<b>不透明</b>", "measures": "每月公开精益奖金分配明细"})
    # redrafting a 草稿 keeps what the branch wrote
    again = _draft()
    assert again["id"] == r["id"] and _text(again, "causes") == "奖金二次分配<b>不透明</b>"
    with db.session() as s:
        assert report.submit(s, r["id"])["status"] == "已提交"
    with db.session() as s:
        with pytest.raises(ValidationError) as err:
            report.edit(s, r["id"], {"causes": "x"})
        assert err.value.code == "report.not_editable"
    with pytest.raises(ValidationError) as err:
        _draft()
    assert err.value.code == "report.exists"
    with db.session() as s:
        stored = report.find(s, "甲支部", 2026, 4)
        assert stored["status"] == "已提交" and stored["submitted_at"] is not None
        assert report.review(s, r["id"])["status"] == "已审核"
    with db.session() as s:
        assert report.list_reports(s, 2026, 4) == [{"id": r["id"], "branch": "甲支部", "year": 2026, "quarter": 4,
                                                    "status": "已审核"}]


def test_next_quarter_lists_last_quarters_measures(small_mine):
    r = _draft(quarter=3)
    with db.session() as s:
        report.edit(s, r["id"], {"causes": "原因", "measures": "措施甲：公开奖金明细"})
        report.submit(s, r["id"])
    q4 = _draft(quarter=4)
    assert "2026年第三季度提出的措施" in _text(q4, "last_measures") and "措施甲：公开奖金明细" in _text(q4, "last_measures")


def test_unknown_section_and_return_to_draft(small_mine):
    r = _draft()
    with db.session() as s:
        with pytest.raises(ValidationError) as err:
            report.edit(s, r["id"], {"nope": "x"})
        assert err.value.code == "report.unknown_section"
        report.edit(s, r["id"], {"causes": "a", "measures": "b"})
        report.submit(s, r["id"])
        assert report.return_to_draft(s, r["id"])["status"] == "草稿"


def test_html_is_escaped_and_docx_has_the_same_text(small_mine):
    r = _draft()
    with db.session() as s:
        r = report.edit(s, r["id"], {"causes": "<script>alert(1)</script>原因"})
    page = report.to_html(r)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;原因" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from outside
    assert "甲支部2026年第四季度信访工作研判分析报告" in page
    from docx import Document

    doc = Document(io.BytesIO(report.to_docx(r)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "<script>alert(1)</script>原因" in text and "一、总体情况" in text and "八、上季度措施落实" in text
    assert any("薪酬与绩效分配" in c.text for t in doc.tables for row in t.rows for c in row.cells)


def test_images_embedded_only_when_given(small_mine):
    r = _draft()
    assert "data:image/png" not in report.to_html(r)
    fake = {"performance": b"\x89PNG\r\n\x1a\nfake"}
    assert report.to_html(r, fake).count("data:image/png;base64,") == 1
    assert set(report.charts_of(r)) == {"performance", "mood"}


def test_write_files(small_mine, tmp_path):
    with db.session() as s:
        html_path, docx_path = report.write_files(s, "甲支部", 2026, 4, tmp_path, today=TODAY)
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") and docx_path.stat().st_size > 1000
    assert dt.date.today() >= TODAY


def test_report_editor_widget_draft_edit_submit(small_mine):
    from widgets.report_editor import ReportEditor

    editor = ReportEditor(branch="甲支部", today=TODAY)
    editor.period.value = "2026Q4"
    assert "还没有报告" in editor.status.value and editor.submit_button.disabled
    editor.draft_button.click()
    assert ">草稿<" in editor.status.value and "诉求 9 件" in editor.texts["overview"].value
    editor.submit_button.click()
    assert "原因分析" in editor.message.value and 'data-testid="error"' in editor.message.value
    editor.texts["causes"].value = "分配<不透明>"
    editor.save_button.click()
    with db.session() as s:
        assert _text(report.find(s, "甲支部", 2026, 4), "causes") == "分配<不透明>"
    editor.texts["measures"].value = "公开明细"
    editor.submit_button.click()
    assert ">已提交<" in editor.status.value and editor.texts["causes"].disabled and editor.save_button.disabled
    assert editor.downloads.value == ""
    editor.files_button.click()
    assert 'data-testid="download-docx"' in editor.downloads.value and 'download="2026Q4_甲支部_研判分析报告.html"' in \
        editor.downloads.value
    with db.session() as s:
        assert report.find(s, "甲支部", 2026, 4)["status"] == "已提交"
