"""Pieces of the form view: one question (label, hint, input, error), checkboxes, a repeat.

Labels sit above inputs (phones); every text from the form or a user is escaped before it becomes
HTML; each box carries the class ``xf-field-<name>`` for browser tests. FormView (form_view.py)
assembles these and decides what is shown.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

import ipywidgets as w
import traitlets

from xinfang.forms.engine import is_empty
from xinfang.forms.spec import DEFAULT_LANGUAGE, Field

STYLE = """
<style>
.xf-form{max-width:680px}
.xf-form .xf-label{font-weight:600;margin-top:10px;line-height:1.4}
.xf-form .xf-req{color:#b42318;margin-left:2px}
.xf-form .xf-hint{color:#57606a;font-size:13px;line-height:1.4}
.xf-form .xf-error{color:#b42318;font-size:13px}
.xf-form .xf-note{background:#f6f8fa;border-radius:6px;padding:6px 10px;line-height:1.5}
.xf-form .xf-group-title{font-size:16px;font-weight:600;margin-top:14px;border-bottom:1px solid #d0d7de}
.xf-form .xf-item{border:1px solid #d0d7de;border-radius:8px;padding:4px 10px 8px;margin:6px 0}
.xf-form .xf-ok{background:#e6f4ea;border-radius:6px;padding:8px 12px;line-height:1.6}
.xf-form .xf-bad{background:#fdecea;border-radius:6px;padding:8px 12px;line-height:1.6;color:#b42318}
</style>
"""
TEXT = {
    "zh-Hans": {"submit": "提交", "add": "添加一条", "remove": "删除这一条", "item": "第 {n} 条",
                "busy": "正在提交…", "failed": "提交时出错，请稍后再试。已填写的内容还在，可以直接再点「提交」。",
                "choose": "（请选择）", "new": "已换成一张空白表单，可以继续填写下一份。"},
    "zh-Hant": {"submit": "提交", "add": "添加一條", "remove": "刪除這一條", "item": "第 {n} 條",
                "busy": "正在提交…", "failed": "提交時出錯，請稍後再試。已填寫的內容還在，可以直接再點「提交」。",
                "choose": "（請選擇）", "new": "已換成一張空白表單，可以繼續填寫下一份。"},
    "en": {"submit": "Submit", "add": "Add one", "remove": "Remove this one", "item": "Item {n}",
           "busy": "Submitting…", "failed": "Something went wrong. Your answers are kept; press Submit again.",
           "choose": "(choose)", "new": "A blank form is ready for the next one."},
}


def text_for(language: str, key: str) -> str:
    return TEXT.get(language, TEXT[DEFAULT_LANGUAGE])[key]


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


class Checks(w.VBox):
    """select_multiple as checkboxes; ``value`` is the list of chosen names."""

    value = traitlets.List()

    def __init__(self, options: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self._muted = False
        self.set_options(options)

    def set_options(self, options: list[tuple[str, str]]) -> None:
        keep = set(self.value)
        self._boxes = []
        for label, name in options:
            box = w.Checkbox(value=name in keep, description=label, indent=False)
            box._xf_name = name
            box.observe(self._changed, names="value")
            self._boxes.append(box)
        self.children = self._boxes
        self._changed()

    def relabel(self, options: list[tuple[str, str]]) -> None:
        labels = dict((name, label) for label, name in options)
        for box in self._boxes:
            box.description = labels.get(box._xf_name, box.description)

    def _changed(self, _change=None) -> None:
        if not self._muted:
            self.value = [b._xf_name for b in self._boxes if b.value]

    @traitlets.observe("value")
    def _push(self, change) -> None:
        chosen = set(change["new"] or [])
        self._muted = True
        try:
            for b in self._boxes:
                b.value = b._xf_name in chosen
        finally:
            self._muted = False

    @property
    def names(self) -> list[str]:
        return [b._xf_name for b in self._boxes]


def full_width(**more) -> w.Layout:
    """A Layout for an input filling its column box. ipywidgets gives every control a 2 px margin, so
    ``width="100%"`` overflows the box by 4 px and the box (``overflow: auto``) cuts off the input's
    right border; ``auto`` in a column box stretches the input to the width the margins leave."""
    return w.Layout(width="auto", **more)


class FieldBox:
    """One question: label and hint above its input, error below."""

    def __init__(self, field: Field, index: int | None, language: str, on_change: Callable) -> None:
        self.field, self.index = field, index
        f = field
        self.label = w.HTML()
        self.hint = w.HTML()
        self.error = w.HTML()
        self.input: w.Widget | None = self._make_input(language)
        parts = [self.label, self.hint] + ([self.input] if self.input is not None else []) + [self.error]
        self.box = w.VBox(parts, layout=w.Layout(width="100%"))
        self.box.add_class("xf-field")
        self.box.add_class(f"xf-field-{f.name}")
        self.box.add_class(f"xf-kind-{f.kind}")
        if self.input is not None:
            self.input.add_class(f"xf-input-{f.name}")
            self.reset()
            self.input.observe(lambda _c: on_change(self), names="value")
        self.set_language(language)

    def _options(self, choices, language: str) -> list[tuple[str, str]]:
        return [(c.label(language), c.name) for c in choices]

    def _make_input(self, language: str) -> w.Widget | None:
        f = self.field
        if f.kind == "text":
            if f.multiline:
                return w.Textarea(rows=4, layout=full_width(), continuous_update=False)
            return w.Text(layout=full_width(), continuous_update=False)
        if f.kind in {"integer", "decimal"}:
            return w.Text(layout=w.Layout(width="12em"), continuous_update=False)
        if f.kind == "select_one":
            options = self._options(f.choices, language)
            if "minimal" in f.appearance.split():
                return w.Dropdown(options=options, value=None, layout=full_width())
            if {"likert", "horizontal", "horizontal-compact"} & set(f.appearance.split()):
                return w.ToggleButtons(options=options, value=None,
                                       style=w.ToggleButtonsStyle(button_width="auto"))
            return w.RadioButtons(options=options, value=None, layout=full_width())
        if f.kind == "select_multiple":
            return Checks(self._options(f.choices, language))
        if f.kind == "date":
            return w.DatePicker(value=None)
        if f.kind == "datetime":
            return w.NaiveDatetimePicker(value=None)
        return None  # note, calculate

    # -- values ---------------------------------------------------------------------------------

    def get(self) -> object:
        if self.input is None:
            return None
        v = self.input.value
        if isinstance(v, dt.datetime):
            return v.replace(microsecond=0).isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, tuple):
            return list(v)
        return v

    def empty_value(self) -> object:
        if isinstance(self.input, Checks):
            return []
        if isinstance(self.input, w.Text | w.Textarea):
            return ""
        return None

    def set(self, value: object) -> None:
        if self.input is None:
            return
        f = self.field
        if is_empty(value):
            self.input.value = self.empty_value()
        elif f.kind == "date":
            self.input.value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        elif f.kind == "datetime":
            self.input.value = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        elif f.kind == "select_multiple":
            self.input.value = list(value) if not isinstance(value, str) else value.split()
        elif f.kind in {"select_one"}:
            self.input.value = str(value)
        else:
            self.input.value = str(value)

    def reset(self) -> None:
        """Blank, or the form's default (today() and now() for dates)."""
        default = self.field.default
        if default and default.replace(" ", "") == "today()" and self.field.kind == "date":
            default = dt.date.today()
        elif default and default.replace(" ", "") in {"now()", "today()"} and self.field.kind == "datetime":
            default = dt.datetime.now().replace(microsecond=0)
        try:
            self.set(default if default is not None else None)
        except (ValueError, traitlets.TraitError):
            self.set(None)

    # -- presentation ---------------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        f = self.field
        text = esc(f.label(language)) if f.labels else ""
        if f.kind == "note":
            self.label.value = f'<div class="xf-note">{text}</div>'
        else:
            star = '<span class="xf-req">*</span>' if f.required is not None else ""
            self.label.value = f'<div class="xf-label">{text}{star}</div>' if text else ""
        hint = f.hint(language)
        self.hint.value = f'<div class="xf-hint">{esc(hint)}</div>' if hint else ""
        if isinstance(self.input, Checks):
            self.input.relabel(self._options(f.choices, language))
        elif isinstance(self.input, w.Dropdown | w.RadioButtons | w.ToggleButtons):
            names = [name for _, name in self.input.options]
            labels = {c.name: c.label(language) for c in f.choices}
            self._set_options([(labels.get(n, n), n) for n in names])

    def set_choices(self, choices, language: str) -> None:
        """Options after a choice_filter; keeps the answer when still allowed."""
        if isinstance(self.input, Checks):
            if [c.name for c in choices] != self.input.names:
                self.input.set_options(self._options(choices, language))
        elif isinstance(self.input, w.Dropdown | w.RadioButtons | w.ToggleButtons):
            options = self._options(choices, language)
            if options != [tuple(o) for o in self.input.options]:  # other choices, or the same relabelled
                self._set_options(options)

    def _set_options(self, options: list[tuple[str, str]]) -> None:
        keep = self.input.value
        self.input.options = options
        self.input.value = keep if keep in [n for _, n in options] else None

    def show(self, visible: bool) -> None:
        self.box.layout.display = None if visible else "none"

    def show_error(self, text: str | None) -> None:
        self.error.value = f'<div class="xf-error" data-testid="field-error">{esc(text)}</div>' if text else ""


class RepeatBox:
    """A repeat: its items, each a set of field boxes, with add and remove buttons."""

    def __init__(self, field: Field, view) -> None:
        self.field, self.view = field, view
        self.title = w.HTML()
        self.items: list[tuple[w.VBox, dict[str, FieldBox], dict[str, w.VBox]]] = []
        self.items_box = w.VBox()
        self.add_button = w.Button(icon="plus")
        self.add_button.add_class(f"xf-add-{field.name}")
        self.add_button.on_click(lambda _b: self.add())
        self.box = w.VBox([self.title, self.items_box, self.add_button], layout=w.Layout(width="100%"))
        self.box.add_class("xf-repeat")
        self.box.add_class(f"xf-field-{field.name}")
        self.set_language(view.language)

    def add(self, refresh: bool = True) -> dict[str, FieldBox]:
        index = len(self.items)
        boxes: dict[str, FieldBox] = {}
        groups: dict[str, w.VBox] = {}
        head = w.HTML()
        remove = w.Button(icon="trash", layout=w.Layout(width="auto"))
        children = self.view._build(self.field.children, index, boxes, groups)
        item = w.VBox([head, *children, remove])
        item.add_class("xf-item")
        remove.on_click(lambda _b, it=item: self.remove(it))
        self.items.append((item, boxes, groups))
        self.items_box.children = [it for it, _, _ in self.items]
        self.set_language(self.view.language)
        if refresh:
            self.view._refresh()
        return boxes

    def remove(self, item: w.VBox) -> None:
        self.items = [t for t in self.items if t[0] is not item]
        # re-index what follows: boxes know their item index for errors and relevance
        for i, (_it, boxes, _g) in enumerate(self.items):
            for b in boxes.values():
                b.index = i
        self.items_box.children = [it for it, _, _ in self.items]
        self.set_language(self.view.language)
        self.view._refresh()

    def clear(self) -> None:
        self.items = []
        self.items_box.children = []

    def value(self) -> list[dict]:
        return [{name: b.get() for name, b in boxes.items() if not is_empty(b.get())} for _, boxes, _ in self.items]

    def set_language(self, language: str) -> None:
        self.title.value = f'<div class="xf-group-title">{esc(self.field.label(language))}</div>'
        self.add_button.description = f"{text_for(language, 'add')}：{self.field.label(language)}"
        for i, (item, boxes, _groups) in enumerate(self.items):
            item.children[0].value = f'<b>{esc(text_for(language, "item").format(n=i + 1))}</b>'
            item.children[-1].description = text_for(language, "remove")
            for b in boxes.values():
                b.set_language(language)
