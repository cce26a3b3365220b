"""Every question kind the renderer draws, and the answers it gives back."""

import datetime as dt

import ipywidgets as w

from widgets.form_fields import Checks
from widgets.form_view import FormView

from .util import form

SPEC = form("""
| survey |
|        | type              | name    | label    | appearance | relevant      | calculation          | default |
|        | note              | hello   | 欢迎填写 |            |               |                      |         |
|        | text              | line    | 单行     |            |               |                      |         |
|        | text              | lines   | 多行     | multiline  |               |                      |         |
|        | integer           | n       | 整数     |            |               |                      |         |
|        | decimal           | x       | 小数     |            |               |                      |         |
|        | select_one abc    | radio   | 单选     |            |               |                      |         |
|        | select_one abc    | drop    | 下拉     | minimal    |               |                      |         |
|        | select_one l5     | likert  | 量表     | likert     |               |                      |         |
|        | select_multiple abc | many  | 多选     |            |               |                      |         |
|        | date              | day     | 日期     |            |               |                      | today() |
|        | datetime          | at      | 时间     |            |               |                      |         |
|        | begin_group       | g       | 一组     |            | ${n} > 0      |                      |         |
|        | text              | inside  | 组内     |            |               |                      |         |
|        | end_group         |         |          |            |               |                      |         |
|        | calculate         | total   |          |            |               | ${n} * ${x}          |         |
""", """
| choices |
|         | list_name | name | label |
|         | abc       | a    | 甲    |
|         | abc       | b    | 乙    |
|         | l5        | 1    | 差    |
|         | l5        | 2    | 好    |
""")


def test_each_kind_gets_its_widget__ok():
    view = FormView(SPEC, on_submit=lambda a, i: None)
    kinds = {name: type(widget) for name, widget in view.inputs.items()}
    assert kinds == {"line": w.Text, "lines": w.Textarea, "n": w.Text, "x": w.Text, "radio": w.RadioButtons,
                     "drop": w.Dropdown, "likert": w.ToggleButtons, "many": Checks, "day": w.DatePicker,
                     "at": w.NaiveDatetimePicker, "inside": w.Text}
    assert "欢迎填写" in view.boxes["hello"].label.value and view.boxes["hello"].input is None
    assert "total" not in view.boxes  # calculations are not drawn
    assert view.inputs["day"].value == dt.date.today()  # default today()


def test_answers_come_back_typed__ok():
    view = FormView(SPEC, on_submit=lambda a, i: None, today=dt.date(2026, 11, 20))
    assert view.groups["g"].layout.display == "none"  # ${n} > 0 is false while n is empty
    view.inputs["line"].value = "一行"
    view.inputs["n"].value = "3"
    view.inputs["x"].value = "2.5"
    view.inputs["radio"].value = "b"
    view.inputs["likert"].value = "2"
    view.inputs["many"].value = ["b", "a"]
    view.inputs["day"].value = dt.date(2026, 11, 1)
    view.inputs["at"].value = dt.datetime(2026, 11, 1, 8, 30, 15, 999)
    assert view.groups["g"].layout.display is None
    view.inputs["inside"].value = "组里"
    assert view.value == {"line": "一行", "n": 3, "x": 2.5, "radio": "b", "likert": 2, "many": ["a", "b"],
                          "day": "2026-11-01", "at": "2026-11-01T08:30:15", "inside": "组里", "total": 7.5}
    # ticking a checkbox is the same as setting the list
    view.inputs["many"].children[1].value = False
    assert view.inputs["many"].value == ["a"]
    # the group becomes irrelevant: hidden and its answer cleared
    view.inputs["n"].value = "0"
    assert view.groups["g"].layout.display == "none" and view.inputs["inside"].value == ""
