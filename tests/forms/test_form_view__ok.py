"""FormView without a browser: set widget values, click 提交, assert."""

import datetime as dt

import ipywidgets as w
import pytest
from sqlalchemy import func, select

from widgets.form_view import FormView, database_submit, form_page
from xinfang import forms
from xinfang.forms import Receipt
from xinfang.forms.records import IssuedCase
from xinfang.storage import db
from xinfang.storage.models import Case, Submission

from .util import form

TODAY = dt.date(2026, 11, 20)


class Recorder:
    """A stand-in for the database: records each call and returns a receipt."""

    def __init__(self, text="<b>XF2026-0000001</b>"):
        self.calls = []
        self.case_no = text

    def __call__(self, answers, instance_id):
        self.calls.append((answers, instance_id))
        return Receipt(instance_id=instance_id, submission_id=len(self.calls), form_key="k", version="1",
                       submitted_on=TODAY, cases=(IssuedCase(self.case_no, "ABCD-EFGH-JKMN"),))


def visible(box) -> bool:
    return box.layout.display != "none"


@pytest.mark.parametrize("key", sorted(forms.available()))
def test_every_shipped_form_renders__ok(key, mine):  # a database: the visit form lists the ledger's plans
    view = FormView(forms.by_key(key), on_submit=Recorder())
    assert view.submit_button.description == "提交"
    for name, box in view.boxes.items():
        assert f"xf-field-{name}" in box.box._dom_classes
        label = box.box.children[0]
        assert isinstance(label, w.HTML)  # label above the input, for phones
        if box.input is not None:
            assert box.box.children.index(box.input) > 0


def test_skip_logic_hides_and_clears__ok():
    view = FormView(forms.by_key("suqiu_dengji"), on_submit=Recorder())
    name = view.boxes["name"]
    view.inputs["intake_mode"].value = "实名"
    assert visible(name.box)
    view.inputs["name"].value = "王建国"
    view.inputs["intake_mode"].value = "匿名"
    assert not visible(name.box) and view.inputs["name"].value == ""
    assert "name" not in view.answers and "name" not in view.value
    view.inputs["intake_mode"].value = "保密"
    assert visible(name.box) and view.inputs["name"].value == ""  # cleared, not restored


def test_constraint_message_beside_the_field__ok():
    view = FormView(forms.by_key("suqiu_dengji"), on_submit=Recorder())
    view.inputs["intake_mode"].value = "实名"
    view.inputs["phone"].value = "12345"
    assert "请填写 11 位手机号或带区号的固定电话" in view.boxes["phone"].error.value
    view.inputs["phone"].value = "13912345678"
    assert view.boxes["phone"].error.value == ""
    assert view.boxes["content"].error.value == ""  # required waits for 提交


def test_submit_refused_names_each_problem__ok():
    rec = Recorder()
    view = FormView(forms.by_key("suqiu_dengji"), on_submit=rec)
    view.inputs["intake_mode"].value = "实名"
    view.submit_button.click()
    assert rec.calls == []
    assert "此题必须填写" in view.boxes["name"].error.value
    assert "此题必须填写" in view.boxes["content"].error.value
    assert "提交未成功，请改正以下 2 处后再提交" in view.status.value


def test_submit_shows_the_receipt_escaped_and_a_fresh_form__ok():
    rec = Recorder()
    view = FormView(forms.by_key("suqiu_dengji"), on_submit=rec)
    first_id = view.instance_id
    view.inputs["intake_mode"].value = "匿名"
    view.inputs["content"].value = "<script>alert(1)</script>矿靴发放不及时"
    view.submit_button.click()
    answers, iid = rec.calls[0]
    assert iid == first_id and answers["content"] == "<script>alert(1)</script>矿靴发放不及时"
    assert answers["intake_mode"] == "匿名" and answers["channel"] == "网上"  # default
    assert view.receipt.cases[0].query_code == "ABCD-EFGH-JKMN"
    assert "ABCD-EFGH-JKMN" in view.confirmation.value
    assert "&lt;b&gt;XF2026-0000001&lt;/b&gt;" in view.confirmation.value and "<b>XF" not in view.confirmation.value
    # a fresh blank form with a new instanceID, defaults back
    assert view.instance_id != first_id
    assert view.inputs["content"].value == "" and view.inputs["intake_mode"].value is None
    assert view.inputs["channel"].value == "网上"


def test_a_failed_send_keeps_the_instance_id_for_the_retry__ok():
    calls = []

    def flaky(answers, instance_id):
        calls.append(instance_id)
        if len(calls) == 1:
            raise ConnectionError("connection reset by peer\nTraceback (most recent call last): …")
        return Recorder()(answers, instance_id)

    view = FormView(forms.by_key("suqiu_dengji"), on_submit=flaky)
    view.inputs["intake_mode"].value = "匿名"
    view.inputs["content"].value = "食堂饭菜偏咸"
    view.submit_button.click()
    assert "提交时出错，请稍后再试" in view.status.value and "Traceback" not in view.status.value
    assert view.inputs["content"].value == "食堂饭菜偏咸"  # answers kept
    view.submit_button.click()
    assert calls[0] == calls[1]  # same instanceID: the server stores it once
    assert view.receipt is not None


def test_language_switch_relabels_in_place__ok():
    view = FormView(forms.by_key("sixiang_dongtai"), on_submit=Recorder())
    pay = view.inputs["pay"]
    pay.value = "4"
    view.languages.value = "en"
    assert view.inputs["pay"] is pay and pay.value == "4"
    assert "Pay and bonus distribution" in view.boxes["pay"].label.value
    assert ("Satisfied", "4") in pay.options
    assert view.submit_button.description == "Submit"
    view.languages.value = "zh-Hant"
    assert "工資收入和獎金分配" in view.boxes["pay"].label.value


def test_repeat_items_with_their_own_skip_logic__ok():
    rec = Recorder()
    view = FormView(forms.by_key("xiafang_zuotan"), on_submit=rec)
    rep = view.repeats["demands"]
    first = rep.add()
    second = rep.add()
    first["demand_text"].input.value = "精益奖金分配差距大"
    first["on_spot"].input.value = "no"
    second["demand_text"].input.value = "矿靴发放不及时"
    second["on_spot"].input.value = "yes"
    assert visible(first["follow_up_by"].box) and not visible(second["follow_up_by"].box)
    assert visible(second["reply"].box)
    view.inputs["kind"].value = "牢骚会"
    view.inputs["held_on"].value = dt.date(2026, 11, 18)
    view.inputs["unit"].value = "更新队"
    view.inputs["host"].value = "郜主任"
    view.inputs["participants"].value = "66"
    view.submit_button.click()
    assert rec.calls == []  # follow_up_by is required where not answered on the spot
    assert "未现场答复的诉求要指定跟进责任人" in first["follow_up_by"].error.value
    first["follow_up_by"].input.value = "李干事"
    view.submit_button.click()
    answers, _ = rec.calls[0]
    assert answers["demands"] == [
        {"demand_text": "精益奖金分配差距大", "people": "1", "on_spot": "no", "follow_up_by": "李干事"},
        {"demand_text": "矿靴发放不及时", "people": "1", "on_spot": "yes"}]
    assert answers["held_on"] == "2026-11-18"


def test_removing_a_repeat_item__ok():
    view = FormView(forms.by_key("xiafang_zuotan"), on_submit=Recorder())
    rep = view.repeats["demands"]
    a, b = rep.add(), rep.add()
    a["demand_text"].input.value = "甲甲甲甲"
    b["demand_text"].input.value = "乙乙乙乙"
    rep.remove(rep.items[0][0])
    assert [it["demand_text"] for it in rep.value()] == ["乙乙乙乙"]
    assert b["demand_text"].index == 0


def test_choice_filter_and_read_only__ok():
    spec = form("""
    | survey |
    |        | type         | name | label | choice_filter | read_only | default |
    |        | select_one k | kind | 类别  |               |           |         |
    |        | select_one u | unit | 单位  | k = ${kind}   |           |         |
    |        | text         | note | 说明  |               | yes       | 固定文字 |
    """, """
    | choices |
    |         | list_name | name   | label  | k    |
    |         | k         | 区队   | 区队   |      |
    |         | k         | 科室   | 科室   |      |
    |         | u         | 更新队 | 更新队 | 区队 |
    |         | u         | 安监科 | 安监科 | 科室 |
    """)
    view = FormView(spec, on_submit=Recorder())
    view.inputs["kind"].value = "区队"
    assert [n for _, n in view.inputs["unit"].options] == ["更新队"]
    view.inputs["unit"].value = "更新队"
    view.inputs["kind"].value = "科室"
    assert [n for _, n in view.inputs["unit"].options] == ["安监科"] and view.inputs["unit"].value is None
    assert view.inputs["note"].disabled and view.inputs["note"].value == "固定文字"


def test_labels_from_the_form_are_escaped__ok():
    spec = form("""
    | survey |
    |        | type | name | label                      | hint            |
    |        | text | a    | <img src=x onerror=alert(1)> | <b>提示</b>   |
    """)
    view = FormView(spec, on_submit=Recorder())
    assert "<img" not in view.boxes["a"].label.value and "&lt;img" in view.boxes["a"].label.value
    assert "&lt;b&gt;提示&lt;/b&gt;" in view.boxes["a"].hint.value


def test_bad_value_message_is_escaped__ok():
    view = FormView(form("""
    | survey |
    |        | type    | name | label |
    |        | integer | n    | 人数  |
    """), on_submit=Recorder())
    view.inputs["n"].value = "<b>12</b>"
    assert "&lt;b&gt;12&lt;/b&gt;" in view.boxes["n"].error.value and "<b>12" not in view.boxes["n"].error.value


def test_writes_to_the_database_and_resend_stores_nothing__ok(mine):
    spec = forms.by_key("sixiang_dongtai")
    view = FormView(spec, on_submit=database_submit(spec))
    view.inputs["unit"].value = "更新队"
    for item in ("pay", "safety", "canteen", "shift", "management", "ppe"):
        view.inputs[item].value = "3"
    view.inputs["concerns"].value = ["收入分配"]
    iid = view.instance_id
    answers = view.answers
    receipt = view.submit()
    assert receipt is not None and not receipt.duplicate
    again = database_submit(spec)(answers, iid)  # the same request arriving twice
    assert again.duplicate and again.submission_id == receipt.submission_id
    with db.session(mine) as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(Submission.answers))["pay"] == 3


def test_form_page_by_key__ok():
    assert isinstance(form_page("sixiang_dongtai"), FormView)
    page = form_page("no_such_form")
    assert isinstance(page, w.HTML) and "没有名为「no_such_form」的表单" in page.value


def test_a_catalogue_error_at_submit_is_shown_escaped__ok():
    from xinfang.errors import ValidationError

    def refuse(answers, instance_id):
        raise ValidationError("case.unknown_unit", unit="<i>七号井</i>")

    view = FormView(forms.by_key("suqiu_dengji"), on_submit=refuse)
    view.inputs["intake_mode"].value = "匿名"
    view.inputs["content"].value = "食堂饭菜偏咸"
    view.submit_button.click()
    assert "找不到单位「&lt;i&gt;七号井&lt;/i&gt;」" in view.status.value and view.receipt is None
    assert view.inputs["content"].value == "食堂饭菜偏咸"


def test_a_busy_database_says_what_to_do_and_keeps_the_answers__ok():
    from xinfang.errors import StorageError

    calls = []

    def locked(answers, instance_id):
        calls.append(instance_id)
        if len(calls) == 1:
            raise StorageError("db.locked", where="/srv/xinfang/data/xinfang.db", seconds=10)
        return Recorder()(answers, instance_id)

    view = FormView(forms.by_key("suqiu_dengji"), on_submit=locked)
    view.inputs["intake_mode"].value = "匿名"
    view.inputs["content"].value = "澡堂热水不够"
    view.submit_button.click()
    assert "您填写的内容都还在，请稍等片刻再按一次「提交」" in view.status.value
    assert "/srv/xinfang" not in view.status.value and 'data-code="db.locked"' in view.status.value
    assert view.inputs["content"].value == "澡堂热水不够"
    view.submit_button.click()
    assert calls[0] == calls[1] and view.receipt is not None
