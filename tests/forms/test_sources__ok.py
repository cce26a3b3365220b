"""select_one_from_file: a question whose choices are the ledger's 一人一策 plans, read when the form is
drawn and when it is submitted; the labels name no one and say nothing of the concern."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from widgets.form_view import FormView
from xinfang import forms
from xinfang.errors import FormAnswersError, FormDefinitionError, message
from xinfang.forms import new_instance_id, submit, with_choices
from xinfang.storage import db
from xinfang.storage.models import FollowUpPlan, FollowUpVisit, OrgUnit

from .util import form

TODAY = dt.date(2026, 11, 20)
VISIT = {"visited_on": "2026-11-19", "way": "上门走访", "visitor": "王干事", "mood": "好转", "notes": "工伤待遇已落实，情绪好转",
         "plan_status": "跟进中", "next_on": "2026-12-19"}


def _plans(eng) -> dict[str, int]:
    """Three more plans beside the fixture's: one per status, with a unit and an officer; name → id."""
    with db.session(eng) as s:
        unit = s.scalar(select(OrgUnit.id).where(OrgUnit.name == "机电队"))
        made = {}
        for status, concern in (("已结束", "子女就学困难"), ("已稳定", "长期夜班睡眠差"), ("跟进中", "对考核结果不服")):
            p = FollowUpPlan(unit_id=unit, concern=concern, owner="李干事", started_on=dt.date(2026, 8, 1),
                             status=status)
            s.add(p)
            s.flush()
            made[status] = p.id
        s.add(FollowUpVisit(plan_id=made["已稳定"], visited_on=dt.date(2026, 10, 2), visitor="李干事", mood="稳定"))
    return made


def test_the_shipped_visit_form_lists_the_ledgers_plans_without_names__ok(mine):
    made = _plans(mine)
    spec = forms.by_key("yirenyice_huifang")
    assert spec["plan"].source == "yirenyice.csv" and spec["plan"].choices == ()  # read at use, not at load
    with db.session(mine) as s:
        choices = with_choices(spec, s)["plan"].choices
    labels = {c.name: c.label() for c in choices}
    assert labels[str(made["已稳定"])] == f"{made['已稳定']}号｜机电队｜已稳定｜责任人：李干事｜上次回访：2026-10-02"
    assert labels[str(mine.plan_id)] == f"{mine.plan_id}号｜未定单位｜跟进中｜尚未回访"
    # open plans first, then the stable ones, the closed last; by number within each
    assert [c.name for c in choices] == [str(i) for i in (mine.plan_id, made["跟进中"], made["已稳定"], made["已结束"])]
    every = " ".join(c.label(lang) for c in choices for lang in ("zh-Hans", "zh-Hant", "en"))
    for private in ("王建国", "工伤后待遇问题", "子女就学困难", "长期夜班睡眠差", "对考核结果不服"):
        assert private not in every
    assert choices[2].label("zh-Hant") == f"{made['已稳定']}號｜機電隊｜已穩定｜責任人：李幹事｜上次回訪：2026-10-02"
    assert choices[2].label("en").startswith(f"No. {made['已稳定']} | 机电队 | 已稳定 | officer 李干事")
    assert choices[2].extra == {"unit": "机电队", "status": "已稳定"}


def test_a_plan_from_the_list_is_written_as_its_number_and_one_not_in_the_ledger_is_refused__ok(mine):
    made = _plans(mine)
    spec = forms.by_key("yirenyice_huifang")
    with db.session(mine) as s:
        r = submit(s, spec, {**VISIT, "plan": str(made["跟进中"])}, new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        assert s.get(FollowUpVisit, r.visit_id).plan_id == made["跟进中"]
    with pytest.raises(FormAnswersError) as info, db.session(mine) as s:
        submit(s, spec, {**VISIT, "plan": 9999}, new_instance_id(), today=TODAY)
    assert info.value.problems == [("plan", None, message("form.bad_choice", label="回访的一人一策", value="9999"))]
    with db.session(mine) as s:
        assert s.scalar(select(func.count()).select_from(FollowUpVisit)) == 2  # the fixture's none, _plans' one, r


def test_the_form_view_offers_the_plans_and_reads_them_again_after_a_submit__ok(mine):
    made = _plans(mine)
    view = FormView(forms.by_key("yirenyice_huifang"), today=TODAY)
    plan = view.inputs["plan"]
    assert [v for _, v in plan.options] == [str(i) for i in (mine.plan_id, made["跟进中"], made["已稳定"],
                                                              made["已结束"])]
    with db.session(mine) as s:  # a plan opened while the form is on the screen
        p = FollowUpPlan(concern="家庭变故情绪低落", started_on=dt.date(2026, 11, 1))
        s.add(p)
        s.flush()
        late = p.id
    view.inputs["plan"].value = str(made["跟进中"])
    for name, value in VISIT.items():
        if name not in {"visited_on", "next_on"}:
            view.inputs[name].value = value
    view.inputs["next_on"].value = dt.date(2026, 12, 19)
    view.inputs["visited_on"].value = TODAY
    receipt = view.submit()
    assert receipt is not None and receipt.visit_id, view.status.value
    labels = dict((v, k) for k, v in plan.options)
    assert str(late) in labels  # listed after the submit, without reloading the page
    assert labels[str(made["跟进中"])].endswith(f"上次回访：{TODAY.isoformat()}")
    view.set_language("zh-Hant")
    assert dict((v, k) for k, v in plan.options)[str(made["跟进中"])].endswith(f"上次回訪：{TODAY.isoformat()}")


def test_a_number_field_takes_a_numeric_choice_list_only__ok():
    numbered = form("""
    | survey |
    |        | type           | name | label | xf_field   |
    |        | select_one ids | plan | 编号  | visit.plan |
    """, """
    | choices |
    |         | list_name | name | label |
    |         | ids       | 1    | 一号  |
    """, record="visit")
    assert numbered["plan"].numeric_choices
    with pytest.raises(FormDefinitionError) as info:
        form("""
        | survey |
        |        | type             | name | label | xf_field   |
        |        | select_one named | plan | 编号  | visit.plan |
        """, """
        | choices |
        |         | list_name | name | label |
        |         | named     | 甲   | 甲    |
        """, record="visit")
    assert "第 2 行「xf_field」列：题型「select_one」不能写入「visit.plan」（需要整数）" in str(info.value)


def test_an_unknown_source__error():
    with pytest.raises(FormDefinitionError) as info:
        form("""
        | survey |
        |        | type                           | name | label |
        |        | select_one_from_file staff.csv | who  | 谁    |
        """)
    text = str(info.value)
    assert "survey 表第 2 行「type」列：没有名为「staff.csv」的数据来源" in text
    assert "yirenyice.csv（一人一策台账）" in text


def test_a_choice_filter_on_a_source_uses_its_columns__ok(mine):
    made = _plans(mine)
    spec = form("""
    | survey |
    |        | type                                | name | label | choice_filter     | appearance | xf_field   |
    |        | select_one_from_file yirenyice.csv  | plan | 编号  | status != '已结束' | minimal    | visit.plan |
    """, record="visit")
    with db.session(mine) as s:
        resolved = with_choices(spec, s)
    options = forms.evaluate_form(resolved, {}, today=TODAY).options[("plan", None)]
    assert str(made["已结束"]) not in [c.name for c in options] and str(made["已稳定"]) in [c.name for c in options]
    with pytest.raises(FormDefinitionError) as info:
        form("""
        | survey |
        |        | type                                | name | label | choice_filter  |
        |        | select_one_from_file yirenyice.csv  | plan | 编号  | owner = '李'    |
        """)
    assert "数据来源「yirenyice.csv」没有「owner」列" in str(info.value)


def test_a_link_may_choose_the_plan_and_nothing_else__ok(mine):
    """The 一人一策 list's 记录回访 opens the form with its plan chosen (?form=…&plan=12); a value that is not
    an option, a text question or an unknown name chooses nothing."""
    made = _plans(mine)
    view = FormView(forms.by_key("yirenyice_huifang"), today=TODAY, chosen={"plan": str(made["已稳定"])})
    assert view.inputs["plan"].value == str(made["已稳定"])
    view = FormView(forms.by_key("yirenyice_huifang"), today=TODAY,
                    chosen={"plan": "9999", "visitor": "<b>x</b>", "nope": "1", "way": "电话回访"})
    assert view.inputs["plan"].value is None and view.inputs["visitor"].value == ""
    assert view.inputs["way"].value == "电话回访"
