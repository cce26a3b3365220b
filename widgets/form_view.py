"""FormView: an XLSForm drawn as ipywidgets, for phones and PCs; 提交 writes through xinfang.forms.

Labels sit above inputs (phones). Every change re-evaluates the form with the same plain function
``submit`` uses (``xinfang.forms.evaluate_form``): what is not relevant is hidden and cleared, choice
filters narrow options, a failed constraint shows its message beside the field. Widgets are updated,
never recreated (except when a repeat item is added). All user and form text is escaped before it
becomes HTML. Each field box carries the class ``xf-field-<name>`` for browser tests.

Testable without a browser: ``view.inputs["pay"].value = "4"``, ``view.submit_button.click()``,
then read ``view.receipt`` / ``view.status.value``.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable, Mapping

import ipywidgets as w
import traitlets

from xinfang import forms
from xinfang.errors import FormAnswersError, XinfangError, message
from xinfang.forms.engine import is_empty
from xinfang.forms.spec import DEFAULT_LANGUAGE, LANGUAGES, Field, FormSpec

log = logging.getLogger(__name__)

_STYLE = """
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
_TEXT = {
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


def _t(language: str, key: str) -> str:
    return _TEXT.get(language, _TEXT[DEFAULT_LANGUAGE])[key]


def _esc(text: object) -> str:
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


class _FieldBox:
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
        full = w.Layout(width="100%")
        if f.kind == "text":
            if f.multiline:
                return w.Textarea(rows=4, layout=full, continuous_update=False)
            return w.Text(layout=full, continuous_update=False)
        if f.kind in {"integer", "decimal"}:
            return w.Text(layout=w.Layout(width="12em"), continuous_update=False)
        if f.kind == "select_one":
            options = self._options(f.choices, language)
            if "minimal" in f.appearance.split():
                return w.Dropdown(options=options, value=None, layout=full)
            if {"likert", "horizontal", "horizontal-compact"} & set(f.appearance.split()):
                return w.ToggleButtons(options=options, value=None,
                                       style=w.ToggleButtonsStyle(button_width="auto"))
            return w.RadioButtons(options=options, value=None, layout=full)
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
        """Blank, or the form's default."""
        default = self.field.default
        try:
            self.set(default if default is not None else None)
        except (ValueError, traitlets.TraitError):
            self.set(None)

    # -- presentation ---------------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        f = self.field
        text = _esc(f.label(language)) if f.labels else ""
        if f.kind == "note":
            self.label.value = f'<div class="xf-note">{text}</div>'
        else:
            star = '<span class="xf-req">*</span>' if f.required is not None else ""
            self.label.value = f'<div class="xf-label">{text}{star}</div>' if text else ""
        hint = f.hint(language)
        self.hint.value = f'<div class="xf-hint">{_esc(hint)}</div>' if hint else ""
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
            if [c.name for c in choices] != [n for _, n in self.input.options]:
                self._set_options(self._options(choices, language))

    def _set_options(self, options: list[tuple[str, str]]) -> None:
        keep = self.input.value
        self.input.options = options
        self.input.value = keep if keep in [n for _, n in options] else None

    def show(self, visible: bool) -> None:
        self.box.layout.display = None if visible else "none"

    def show_error(self, text: str | None) -> None:
        self.error.value = f'<div class="xf-error" data-testid="field-error">{_esc(text)}</div>' if text else ""


class _RepeatBox:
    """A repeat: its items, each a set of field boxes, with add and remove buttons."""

    def __init__(self, field: Field, view: FormView) -> None:
        self.field, self.view = field, view
        self.title = w.HTML()
        self.items: list[tuple[w.VBox, dict[str, _FieldBox], dict[str, w.VBox]]] = []
        self.items_box = w.VBox()
        self.add_button = w.Button(icon="plus")
        self.add_button.add_class(f"xf-add-{field.name}")
        self.add_button.on_click(lambda _b: self.add())
        self.box = w.VBox([self.title, self.items_box, self.add_button], layout=w.Layout(width="100%"))
        self.box.add_class("xf-repeat")
        self.box.add_class(f"xf-field-{field.name}")
        self.set_language(view.language)

    def add(self, refresh: bool = True) -> dict[str, _FieldBox]:
        index = len(self.items)
        boxes: dict[str, _FieldBox] = {}
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
        self.title.value = f'<div class="xf-group-title">{_esc(self.field.label(language))}</div>'
        self.add_button.description = f"{_t(language, 'add')}：{self.field.label(language)}"
        for i, (item, boxes, _groups) in enumerate(self.items):
            item.children[0].value = f'<b>{_esc(_t(language, "item").format(n=i + 1))}</b>'
            item.children[-1].description = _t(language, "remove")
            for b in boxes.values():
                b.set_language(language)


class FormView(w.VBox):
    """A form drawn from ``spec``. ``on_submit(answers, instance_id) -> Receipt``; default writes to the DB."""

    def __init__(self, spec: FormSpec, on_submit: Callable[[Mapping, str], forms.Receipt] | None = None,
                 language: str = DEFAULT_LANGUAGE, today: dt.date | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.language = language if language in spec.languages else spec.languages[0]
        self.on_submit = on_submit or database_submit(spec)
        self._today = today
        self.instance_id = forms.new_instance_id()
        self.receipt: forms.Receipt | None = None
        self.boxes: dict[str, _FieldBox] = {}  # top-level and group questions, by name
        self.groups: dict[str, w.VBox] = {}
        self.repeats: dict[str, _RepeatBox] = {}
        self._muted = False
        self._touched: set[tuple[str, int | None]] = set()
        self._show_required = False

        self.title = w.HTML()
        self.languages = w.ToggleButtons(options=[(LANGUAGES.get(c, c), c) for c in spec.languages],
                                         value=self.language, style=w.ToggleButtonsStyle(button_width="auto"))
        self.languages.layout.display = None if len(spec.languages) > 1 else "none"
        self.languages.observe(lambda c: self.set_language(c["new"]), names="value")
        self.confirmation = w.HTML()
        self.status = w.HTML()
        self.submit_button = w.Button(button_style="primary", layout=w.Layout(width="10em", height="40px"))
        self.submit_button.add_class("xf-submit")
        self.submit_button.on_click(lambda _b: self.submit())
        body = self._build(spec.fields, None, self.boxes, self.groups)
        self.children = [w.HTML(_STYLE), self.title, self.languages, self.confirmation, *body,
                         self.status, self.submit_button]
        self.add_class("xf-form")
        self.add_class(f"xf-form-{spec.key}")
        self.set_language(self.language)
        self._refresh()

    # -- building -------------------------------------------------------------------------------

    def _build(self, fields, index, boxes: dict, groups: dict) -> list[w.Widget]:
        out: list[w.Widget] = []
        for f in fields:
            if f.kind == "calculate":
                continue
            if f.kind == "group":
                title = w.HTML()
                title._xf_field = f
                inner = self._build(f.children, index, boxes, groups)
                group = w.VBox([title, *inner], layout=w.Layout(width="100%"))
                group.add_class("xf-group")
                group.add_class(f"xf-field-{f.name}")
                groups[f.name] = group
                out.append(group)
            elif f.kind == "repeat":
                rep = _RepeatBox(f, self)
                self.repeats[f.name] = rep
                out.append(rep.box)
            else:
                fb = _FieldBox(f, index, self.language, self._changed)
                boxes[f.name] = fb
                out.append(fb.box)
        return out

    @property
    def inputs(self) -> dict[str, w.Widget]:
        """Input widgets of the top-level questions, by name (repeat items: ``repeats[name].items``)."""
        return {name: b.input for name, b in self.boxes.items() if b.input is not None}

    # -- answers --------------------------------------------------------------------------------

    @property
    def answers(self) -> dict[str, object]:
        """What the person entered, as submit() takes it (numbers still as typed)."""
        out: dict[str, object] = {}
        for name, b in self.boxes.items():
            v = b.get()
            if not is_empty(v):
                out[name] = v
        for name, rep in self.repeats.items():
            if rep.items:
                out[name] = rep.value()
        return out

    @property
    def value(self) -> dict[str, object]:
        """The answers as they would be stored: typed, irrelevant ones cleared, calculations filled."""
        return self._evaluate().values

    def _evaluate(self, strict: bool = False):
        return forms.evaluate_form(self.spec, self.answers, today=self._today or dt.date.today(),
                                   language=self.language, strict=strict)

    # -- reacting -------------------------------------------------------------------------------

    def _changed(self, box: _FieldBox) -> None:
        if self._muted:
            return
        self._touched.add((box.field.name, box.index))
        self._refresh()

    def _all_boxes(self):
        yield from self.boxes.values()
        for rep in self.repeats.values():
            for _item, boxes, _groups in rep.items:
                yield from boxes.values()

    def _all_groups(self):
        for name, g in self.groups.items():
            yield (name, None), g
        for rep in self.repeats.values():
            for i, (_item, _boxes, groups) in enumerate(rep.items):
                for name, g in groups.items():
                    yield (name, i), g

    def _refresh(self) -> None:
        """Re-evaluate; hide and clear what is not relevant; update options and messages."""
        if self._muted:
            return
        self._muted = True
        try:
            for _ in range(4):  # clearing one answer may make another irrelevant
                ev = self._evaluate()
                cleared = False
                for b in self._all_boxes():
                    key = (b.field.name, b.index)
                    relevant = ev.relevant.get(key, True)
                    b.show(relevant)
                    if key in ev.options:
                        b.set_choices(ev.options[key], self.language)
                    if b.input is not None:
                        b.input.disabled = ev.read_only.get(key, False)
                    if not relevant and b.input is not None and not is_empty(b.get()):
                        b.set(None)
                        cleared = True
                for key, g in self._all_groups():
                    g.layout.display = None if ev.relevant.get(key, True) else "none"
                for name, rep in self.repeats.items():
                    rep.box.layout.display = None if ev.relevant.get((name, None), True) else "none"
                if not cleared:
                    break
            for b in self._all_boxes():
                key = (b.field.name, b.index)
                err = ev.errors.get(key)
                if err and not (self._show_required or key in self._touched):
                    err = None
                if err and not self._show_required and is_empty(b.get()):
                    err = None  # "required" waits for 提交
                b.show_error(err)
        finally:
            self._muted = False

    def set_language(self, language: str) -> None:
        self.language = language
        if self.languages.value != language:
            self.languages.value = language
        self.title.value = f'<h2 class="xf-title" data-testid="form-title">{_esc(self.spec.title)}</h2>'
        self.submit_button.description = _t(language, "submit")
        for b in self._all_boxes():
            b.set_language(language)
        for name, g in self.groups.items():
            f = self.spec[name]
            g.children[0].value = f'<div class="xf-group-title">{_esc(f.label(language))}</div>'
        for rep in self.repeats.values():
            for _item, _boxes, groups in rep.items:
                for name, g in groups.items():
                    g.children[0].value = f'<div class="xf-group-title">{_esc(self.spec[name].label(language))}</div>'
            rep.set_language(language)
        if not self._muted:
            self._refresh()

    # -- submitting -----------------------------------------------------------------------------

    def submit(self) -> forms.Receipt | None:
        """Check, then hand the answers to ``on_submit``; on success show the receipt and a blank form."""
        if self.submit_button.disabled:
            return None
        self._show_required = True
        self._refresh()
        ev = self._evaluate(strict=True)
        if ev.errors:
            self._show_problems([(n, i, m) for (n, i), m in ev.errors.items()])
            return None
        self.submit_button.disabled = True
        self.status.value = f'<div class="xf-hint">{_esc(_t(self.language, "busy"))}</div>'
        try:
            receipt = self.on_submit(self.answers, self.instance_id)
        except FormAnswersError as exc:
            self._show_problems(exc.problems)
            return None
        except XinfangError as exc:
            self.status.value = f'<div class="xf-bad" data-testid="form-error">{_esc(exc.zh)}</div>'
            return None
        except Exception:  # never a traceback in the page; the log keeps it
            log.exception("form %s: submit failed", self.spec.key)
            self.status.value = f'<div class="xf-bad" data-testid="form-error">{_esc(_t(self.language, "failed"))}</div>'
            return None
        finally:
            self.submit_button.disabled = False
        self.receipt = receipt
        self.confirmation.value = (f'<div class="xf-ok" data-testid="receipt">{_esc(receipt.text)}<br>'
                                   f'{_esc(_t(self.language, "new"))}</div>')
        self.status.value = ""
        self.reset()
        return receipt

    def _show_problems(self, problems) -> None:
        for name, index, text in problems:
            for b in self._all_boxes():
                if b.field.name == name and b.index == index:
                    b.show_error(text)
        summary = message("form.rejected", n=len(problems), problems="；".join(p[2] for p in problems))
        self.status.value = f'<div class="xf-bad" data-testid="form-error">{_esc(summary)}</div>'

    def reset(self) -> None:
        """A fresh blank form with a new instanceID (the receipt stays shown above it)."""
        self._muted = True
        try:
            for b in self.boxes.values():
                b.reset()
                b.show_error(None)
            for rep in self.repeats.values():
                rep.clear()
        finally:
            self._muted = False
        self._touched.clear()
        self._show_required = False
        self.instance_id = forms.new_instance_id()
        self._refresh()


def database_submit(spec: FormSpec) -> Callable[[Mapping, str], forms.Receipt]:
    """The default ``on_submit``: one transaction in the configured database."""

    def submit(answers: Mapping, instance_id: str) -> forms.Receipt:
        from xinfang.storage import db

        with db.session() as s:
            return forms.submit(s, spec, answers, instance_id)

    return submit


def form_page(key: str, language: str = DEFAULT_LANGUAGE) -> w.Widget:
    """The page of the shipped form ``key``: the form, or a clear message if it cannot be loaded."""
    try:
        return FormView(forms.by_key(key), language=language)
    except XinfangError as exc:
        return w.HTML(f'<div data-testid="error" style="color:#b42318">{_esc(exc.zh)}</div>')
