"""简 / 繁: the converter (xinfang.script), figures in Traditional (xinfang.charts.in_script), the widget
walker of a page (widgets.page_script) and the report drafted for a Traditional page."""

import html
import re

import ipywidgets as w
import pytest
from hypothesis import given
from hypothesis import strategies as st

from widgets.page_script import apply, keep, page
from xinfang.script import SIMPLIFIED, TRADITIONAL, markup_to_script, script_of, to_script, verbatim

from .dashboard.conftest import MARKER, TODAY, no_browser, small_mine  # noqa: F401 - fixtures used below

T = TRADITIONAL


# -- the converter -------------------------------------------------------------------------------


@pytest.mark.parametrize("simplified, traditional", [
    ("信访", "信訪"), ("矿", "礦"), ("队", "隊"), ("党支部", "黨支部"), ("满意率", "滿意率"),
    # characters, not vocabulary: mainland words stay (s2twp would give 軟體, 資料, 資訊)
    ("软件", "軟件"), ("数据", "數據"), ("信息", "信息"),
    # OpenCC's phrases pick the right character
    ("头发", "頭髮"), ("发现", "發現"), ("干部", "幹部"), ("干净", "乾淨"),
])
def test_to_script_examples(simplified, traditional):
    assert to_script(simplified, T) == traditional
    assert to_script(simplified, SIMPLIFIED) == simplified
    assert to_script(simplified, "en") == simplified


def test_script_of_the_query():
    assert script_of("zh-Hant") == T
    assert [script_of(v) for v in ("zh-Hans", "en", None, "zh-hant", "<x>")] == [SIMPLIFIED] * 5


def test_markup_converts_text_and_readable_attributes_only():
    markup = ('<style>.a{font-family:"微软雅黑"}</style><div class="xf-重大" data-label="满意率" title="满意率说明">'
              '满意率 &lt;b&gt;党&lt;/b&gt;<img alt="图表" src="data:image/png;base64,QUJD">'
              '<a href="?page=cases&amp;lang=zh-Hant">返回</a><!-- 注释 --></div>')
    assert markup_to_script(markup, T) == (
        '<style>.a{font-family:"微软雅黑"}</style><div class="xf-重大" data-label="满意率" title="滿意率說明">'
        '滿意率 &lt;b&gt;黨&lt;/b&gt;<img alt="圖表" src="data:image/png;base64,QUJD">'
        '<a href="?page=cases&amp;lang=zh-Hant">返回</a><!-- 注释 --></div>')
    assert markup_to_script(markup, SIMPLIFIED) is markup


def test_markup_keeps_what_a_person_wrote():
    said = "于先生说：食堂饭菜<b>太差</b>"
    markup = f"<p>后来{verbatim(said)}后来</p><blockquote translate='no'>后来<span>后来</span>后来</blockquote>后来"
    out = markup_to_script(markup, T)
    assert out == (f"<p>後來{verbatim(said)}後來</p><blockquote translate='no'>后来<span>后来</span>后来</blockquote>後來")
    assert html.escape(said) in out and "<b>" not in out
    nested = '<div translate="no"><div>队</div>队</div>队'
    assert markup_to_script(nested, T) == '<div translate="no"><div>队</div>队</div>隊'


@given(st.text())
def test_escaped_text_never_becomes_markup(text):
    out = markup_to_script(f"<div>{html.escape(text)}</div>", T)
    inner = out[len("<div>"):-len("</div>")]
    assert out.startswith("<div>") and out.endswith("</div>")
    assert "<" not in inner and ">" not in inner and inner.count("&") == html.escape(text).count("&")


# -- figures ---------------------------------------------------------------------------------------


def test_figure_labels_converted_values_untouched():
    import pandas as pd

    from xinfang import charts

    table = pd.DataFrame({"负面": [3, 10], "中性": [7, "<5"], "正面": [12, 9], "合计": [22, 23]},
                         index=["综采一队", "掘进二队"], dtype=object)
    fig = charts.sentiment_by_unit(table, title="各单位反映的情绪")
    before = fig.to_dict()
    assert charts.in_script(fig, SIMPLIFIED).to_dict() == before
    after = charts.in_script(fig, T).to_dict()
    assert after["layout"]["title"]["text"] == "各單位反映的情緒"
    assert [t["name"] for t in after["data"][:3]] == ["負面", "中性", "正面"]
    assert list(after["data"][0]["y"]) == ["綜採一隊", "掘進二隊"]
    assert "負面" in after["data"][0]["hovertemplate"] and "件" in after["data"][0]["hovertemplate"]
    for old, new in zip(before["data"], after["data"], strict=True):
        assert list(old["x"]) == list(new["x"])  # the values
        assert old["customdata"] == new["customdata"] and old["marker"] == new["marker"]
    assert after["layout"]["template"] == before["layout"]["template"]  # fonts (…SC) as they were


# -- the widget walker -----------------------------------------------------------------------------

# Synced traits that are not words a person reads.
NOT_READ = {"_model_name", "_model_module", "_model_module_version", "_view_name", "_view_module",
            "_view_module_version", "_dom_classes", "icon", "button_style", "bar_style", "box_style",
            "orientation", "layout", "style", "tabbable", "disabled", "description_allow_html"}
_KEPT_REGION = re.compile(r"<(\w+)[^>]*translate=[\"']no[\"'][^>]*>.*?</\1>|<style.*?</style>", re.S)


def _readable(root):
    """(widget, trait, text) for every synced string a page shows, found without the walker's list:
    all synced str / tuple-of-str traits except NOT_READ and the values of inputs (typed text)."""
    stack = [root]
    while stack:
        widget = stack.pop()
        if getattr(widget, "_xf_keep", None) == frozenset({"*"}):
            continue
        for name in widget.keys:
            if name in NOT_READ or name in getattr(widget, "_xf_keep", ()):
                continue
            if name == "value" and not isinstance(widget, w.HTML | w.HTMLMath | w.Label):
                continue
            value = getattr(widget, name)
            texts = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
                if isinstance(value, tuple) else []
            for text in texts:
                if name == "value" and isinstance(widget, w.HTML | w.HTMLMath):
                    text = html.unescape(re.sub(r"<[^>]*>", " ", _KEPT_REGION.sub(" ", text)))
                yield widget, name, text
        stack.extend(getattr(widget, "children", ()))


def _simplified_left(root) -> list[tuple[str, str, str]]:
    return [(type(wd).__name__, name, text) for wd, name, text in _readable(root) if to_script(text, T) != text]


def _all_html(root) -> str:
    parts = [root.value] if isinstance(root, w.HTML) else []
    return "\n".join(parts + [_all_html(c) for c in getattr(root, "children", ())])


def test_walker_converts_labels_keeps_values_and_redraws():
    dropdown = w.Dropdown(options=["全部", "综采一队"], description="单位")
    text = w.Textarea(value="后来", placeholder="请写处理意见")
    box = w.VBox([w.HTML("<b>办理过程</b>"), dropdown, text, w.Button(description="确定", tooltip="提交后不能修改")])
    changes = []
    dropdown.observe(changes.append, names="value")
    dropdown.value = "综采一队"
    apply(box, T)
    assert dropdown.value == "综采一队" and dropdown.index == 1 and len(changes) == 1  # no selection event
    assert dropdown._options_labels == ("全部", "綜採一隊") and dropdown.description == "單位"
    assert text.value == "后来" and text.placeholder == "請寫處理意見"
    assert box.children[0].value == "<b>辦理過程</b>" and box.children[3].tooltip == "提交後不能修改"
    # redraws: a new value, new options, new children are converted as they come
    box.children[0].value = "<b>下一步办理</b>"
    dropdown.options = ["全部", "掘进二队"]
    box.children = [*box.children, w.HBox([w.Label("说明"), w.Checkbox(description="劳保用品")])]
    assert box.children[0].value == "<b>下一步辦理</b>" and dropdown._options_labels == ("全部", "掘進二隊")
    assert dropdown.options == ("全部", "掘进二队") and dropdown.value == "全部"
    assert _simplified_left(box) == []
    text.value = "后来又说"
    assert text.value == "后来又说"


def test_kept_widgets_are_left_alone_and_simplified_pages_untouched():
    said = keep(w.HTML("于先生：食堂饭菜太差"))
    labels = keep(w.Dropdown(options=[("12　食堂饭菜太差", 12)], description="台账编号"), "_options_labels")
    apply(w.VBox([said, labels]), T)
    assert said.value == "于先生：食堂饭菜太差" and labels._options_labels == ("12　食堂饭菜太差",)
    assert labels.description == "臺賬編號"
    plain = w.VBox([w.HTML("办理过程")])
    apply(plain, SIMPLIFIED)
    assert plain.children[0].value == "办理过程"


def test_switch_keeps_the_other_parameters():
    shown = page(w.HTML("办理过程"), {"page": "case", "id": "7", "lang": "zh-Hant"})
    switch = shown.children[0].value
    assert 'href="?page=case&amp;id=7&amp;lang=zh-Hans"' in switch
    assert '<b data-testid="script-current" lang="zh-Hant">繁</b>' in switch and ">简</a>" in switch  # own script
    assert shown.children[1].value == "辦理過程"
    plain = page(w.HTML("办理过程"), {"page": "dashboard", "x": "<script>"})
    assert 'href="?page=dashboard&amp;x=%3Cscript%3E&amp;lang=zh-Hant"' in plain.children[0].value
    assert plain.children[1].value == "办理过程"


def test_case_page_in_traditional_keeps_case_text_notes_and_names(use_db):
    import datetime as dt

    from widgets.case_page import CasePage
    from xinfang.cases import NewCase, register_case
    from xinfang.storage import db
    from xinfang.storage.models import OrgUnit, User

    said = "食堂饭菜质量差，后勤说了不算<b>"
    with db.session() as s:
        s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
        s.add(User(username="ganbu1", display_name="于发", role="信访干部"))
        s.flush()
        case_id = register_case(s, NewCase(text=said, received_on=dt.date.today() - dt.timedelta(days=3),
                                           channel="来访", intake_mode="匿名", unit="更新队")).case_id
    case = CasePage(case_id, actor=lambda: "于发")
    shown = page(case, {"page": "case", "id": str(case_id), "lang": "zh-Hant"})
    assert html.escape(said) in case.info.value and "辦理過程" in case.info.value and "單位：更新隊" in case.info.value
    assert "经办人" not in case.actor.value and ">于发<" in case.actor.value
    assert [b.description for b in case.actions.children][:2] == ["受理", "不予受理"]
    case.actions.children[0].click()  # 受理: a form is drawn after the page was shown
    assert case.form.children[1].description == "日期"
    case.form.children[-2].value = "已约谈后勤，后来答复"  # the note as typed
    case.form.children[-1].children[0].click()  # 确定受理
    assert "已辦理：受理" in case.message.value
    assert "已约谈后勤，后来答复" in case.info.value and "于发" in case.info.value
    assert _simplified_left(shown) == []


def test_dashboard_in_traditional(small_mine, no_browser):  # noqa: F811 - fixtures imported above
    from widgets.dashboard import DashboardView

    view = DashboardView(view="office", today=TODAY, script=T)
    shown = page(view, {"page": "dashboard", "lang": "zh-Hant"})
    view.filters.period.value = "2026Q4"
    assert view.filters.branch.description == "黨支部" and "甲支部" in view.filters.branch._options_labels
    assert 'data-label="满意率"' in view.cards.value and ">滿意率<" in view.cards.value  # hooks kept
    assert view.figures["heat"].layout.title.text.startswith("話題 × 單位")
    view.filters.unit.value = "一队"  # the unit's value, its label reads 一隊
    assert view.filters.unit.label == "一隊" and view.data["cards"]["诉求数"] == "6"
    view.drill.unit.value = "一队"
    view.drill.button.click()
    assert MARKER + "0：精益奖金分配差距太大，要求公开" in view.drill.result.value  # remarks as written
    assert "<th>內容</th>" in view.drill.result.value and "選擇圖表中的單位" in _all_html(view)
    assert _simplified_left(shown) == []


def test_report_drafted_for_a_traditional_page(small_mine):  # noqa: F811
    import io

    from docx import Document

    from xinfang import report
    from xinfang.storage import db

    with db.session() as s:
        r = report.draft(s, "甲支部", 2026, 4, today=TODAY, script=T)
        r = report.edit(s, r["id"], {"causes": "奖金分配<不透明>，后来才公开"})
    overview = next(i["text"] for i in r["items"] if i["key"] == "overview")
    assert r["script"] == T and "本支部（一隊、二隊）" in overview and "滿意率" in overview
    page_html = report.to_html(r)
    assert '<html lang="zh-Hant">' in page_html and "甲支部2026年第四季度信訪工作研判分析報告" in page_html
    assert "一、總體情況" in page_html and html.escape("奖金分配<不透明>，后来才公开") in page_html
    doc = Document(io.BytesIO(report.to_docx(r)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "八、上季度措施落實" in text and "奖金分配<不透明>，后来才公开" in text
    assert any("薪酬與績效分配" in c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert report.charts_of(r)["performance"].layout.title.text == "反映較多的話題"
    with db.session() as s:  # a report drafted on a Simplified page stays Simplified
        plain = report.draft(s, "乙支部", 2026, 4, today=TODAY)
    assert plain["script"] == SIMPLIFIED and "一、总体情况" in report.to_html(plain)


def test_questionnaire_page_speaks_its_workbook_language():
    import datetime as dt

    from widgets.form_view import form_page
    from xinfang.forms import Receipt

    shown = page(form_page("sixiang_dongtai", language=T), {"form": "sixiang_dongtai", "lang": "zh-Hant"})
    view = shown.children[1]
    assert getattr(view, "_xf_keep", None) == frozenset({"*"})  # the walker leaves the form to itself
    assert "員工思想動態問卷" in view.title.value and view.submit_button.description == "提交"
    assert "您對以下方面的滿意程度" in _all_html(view)
    assert view.boxes["unit"].input._options_labels[0] == "綜採一隊"
    assert view.languages.value == T and view.languages._options_labels == ("简体中文", "繁體中文", "English")
    view.on_submit = lambda answers, iid: Receipt(instance_id=iid, submission_id=1, form_key="sixiang_dongtai",
                                                  version="1", submitted_on=dt.date(2026, 11, 20))
    view.inputs["unit"].value = "综采一队"
    for name in ("pay", "safety", "canteen", "shift", "management", "ppe"):
        view.inputs[name].value = "4"
    view.inputs["remark"].value = "食堂饭菜太差"
    view.submit()
    assert "提交成功，感謝您的填寫" in view.confirmation.value and view.receipt is not None
    view.set_language(SIMPLIFIED)  # the form's own switch still works inside a Traditional page
    assert "员工思想动态问卷" in view.title.value and view.boxes["unit"].input._options_labels[0] == "综采一队"


def test_every_office_page_in_traditional(small_mine, no_browser):  # noqa: F811
    from widgets.case_list import CaseList
    from widgets.dashboard import DashboardView
    from widgets.ledger_views import PlanList, RiskLedger
    from widgets.report_editor import ReportEditor
    from widgets.warning_list import WarningList

    cases = CaseList(link="?page=case&lang=zh-Hant")
    editor = ReportEditor(branch="甲支部", today=TODAY, script=T)
    meeting = DashboardView(view="meeting", today=TODAY, script=T)
    views = [cases, RiskLedger(), PlanList(), WarningList(today=TODAY), editor, meeting]
    shown = [page(v, {"lang": "zh-Hant"}) for v in views]
    editor.period.value = "2026Q4"
    editor.draft_button.click()
    meeting.filters.period.value = "2026Q4"
    meeting.body.next.click()
    cases.status.value = "办理中"
    assert "精益奖金分配差距太大" in cases.table.value and "<th>辦理期限</th>" in cases.table.value
    assert "一隊" in editor.texts["overview"].value and editor.texts["causes"].placeholder.startswith("請支部")
    assert meeting.body.next.description == "下一屏 ▶" and "話題 × 單位" in meeting.body.where.value
    for view, root in zip(views, shown, strict=True):
        assert _simplified_left(root) == [], type(view).__name__
