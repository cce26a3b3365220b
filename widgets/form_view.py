"""FormView: an XLSForm drawn as ipywidgets, for phones and PCs; 提交 writes through xinfang.forms.

Every change re-evaluates the form with the same plain function ``submit`` uses
(``xinfang.forms.evaluate_form``): what is not relevant is hidden and cleared, choice filters narrow
options, a failed constraint shows its message beside the field. Widgets are updated, never
recreated (except when a repeat item is added). All user and form text is escaped before it becomes
HTML. The instanceID is made when the form is drawn and renewed only after a successful submit, so a
retry after a lost answer is stored once.

Testable without a browser: ``view.inputs["pay"].value = "4"``, ``view.submit_button.click()``,
then read ``view.receipt`` / ``view.status.value``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping

import ipywidgets as w

from widgets.form_fields import STYLE, FieldBox, RepeatBox, esc, text_for
from widgets.page_script import keep
from xinfang import forms
from xinfang.errors import FormAnswersError, StorageError, XinfangError, message
from xinfang.forms.engine import is_empty
from xinfang.forms.spec import DEFAULT_LANGUAGE, LANGUAGES, FormSpec
from xinfang.script import to_script

log = logging.getLogger(__name__)


class FormView(w.VBox):
    """A form drawn from ``spec``. ``on_submit(answers, instance_id) -> Receipt``; default writes to the DB."""

    def __init__(self, spec: FormSpec, on_submit: Callable[[Mapping, str], forms.Receipt] | None = None,
                 language: str = DEFAULT_LANGUAGE, today: dt.date | None = None,
                 chosen: Mapping[str, str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base_spec = spec  # as loaded; self.spec adds the choices read from the ledger (forms.sources)
        self.spec = forms.with_choices(spec)
        self.language = language if language in spec.languages else spec.languages[0]
        self.on_submit = on_submit or database_submit(spec)
        self._today = today
        self.instance_id = forms.new_instance_id()
        self.receipt: forms.Receipt | None = None
        self.boxes: dict[str, FieldBox] = {}  # top-level and group questions, by name
        self.groups: dict[str, w.VBox] = {}
        self.repeats: dict[str, RepeatBox] = {}
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
        self.children = [w.HTML(STYLE), self.title, self.languages, self.confirmation, *body,
                         self.status, self.submit_button]
        self.add_class("xf-form")
        self.add_class(f"xf-form-{spec.key}")
        # The form speaks its own language (the workbook's label columns, its 简/繁/English switch);
        # the page's walker leaves it alone, and what the workbook does not hold is converted here.
        keep(self)
        self.set_language(self.language)
        self._choose(chosen or {})
        self._refresh()

    def _choose(self, chosen: Mapping[str, str]) -> None:
        """Answers chosen before the form is shown (a link from the 一人一策 list names its plan): single
        choices only, and only a value among the question's options; anything else is left blank."""
        single = w.Dropdown | w.RadioButtons | w.ToggleButtons
        for name, value in chosen.items():
            box = self.boxes.get(name)
            if box and box.field.kind == "select_one" and isinstance(box.input, single):
                if value in [v for _, v in box.input.options]:
                    box.input.value = value

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
                rep = RepeatBox(f, self)
                self.repeats[f.name] = rep
                out.append(rep.box)
            else:
                fb = FieldBox(f, index, self.language, self._changed)
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

    def _changed(self, box: FieldBox) -> None:
        if self._muted:
            return
        self._touched.add((box.field.name, box.index))
        try:
            self._refresh()
        except Exception:  # an observer must never leave a traceback in the page
            log.exception("form %s: refresh failed", self.spec.key)
            self.status.value = f'<div class="xf-bad" data-testid="form-error">{esc(text_for(self.language, "failed"))}</div>'

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
        self.title.value = f'<h2 class="xf-title" data-testid="form-title">{esc(to_script(self.spec.title, language))}</h2>'
        self.submit_button.description = text_for(language, "submit")
        for b in self._all_boxes():
            b.set_language(language)
        for name, g in self.groups.items():
            f = self.spec[name]
            g.children[0].value = f'<div class="xf-group-title">{esc(f.label(language))}</div>'
        for rep in self.repeats.values():
            for _item, _boxes, groups in rep.items:
                for name, g in groups.items():
                    g.children[0].value = f'<div class="xf-group-title">{esc(self.spec[name].label(language))}</div>'
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
        self.status.value = f'<div class="xf-hint">{esc(text_for(self.language, "busy"))}</div>'
        try:
            receipt = self.on_submit(self.answers, self.instance_id)
        except FormAnswersError as exc:
            self._show_problems(exc.problems)
            return None
        except StorageError as exc:
            # a phone user can neither read a database path nor act on it: say what to do, log the rest
            log.warning("form %s: submit refused by the database: %s", self.spec.key, exc.en)
            text = message("form.storage_busy", "en" if self.language == "en" else "zh")
            self.status.value = (f'<div class="xf-bad" data-testid="form-error" data-code="{esc(exc.code)}">'
                                 f'{esc(to_script(text, self.language))}</div>')
            return None
        except XinfangError as exc:
            self.status.value = f'<div class="xf-bad" data-testid="form-error">{esc(to_script(exc.zh, self.language))}</div>'
            return None
        except Exception:  # never a traceback in the page; the log keeps it
            log.exception("form %s: submit failed", self.spec.key)
            self.status.value = f'<div class="xf-bad" data-testid="form-error">{esc(text_for(self.language, "failed"))}</div>'
            return None
        finally:
            self.submit_button.disabled = False
        self.receipt = receipt
        self.confirmation.value = (f'<div class="xf-ok" data-testid="receipt">{esc(to_script(receipt.text, self.language))}<br>'
                                   f'{esc(text_for(self.language, "new"))}</div>')
        self.status.value = ""
        self.reset()
        return receipt

    def _show_problems(self, problems) -> None:
        for name, index, text in problems:
            for b in self._all_boxes():
                if b.field.name == name and b.index == index:
                    b.show_error(to_script(text, self.language))
        summary = to_script(message("form.rejected", n=len(problems), problems="；".join(p[2] for p in problems)),
                            self.language)
        self.status.value = f'<div class="xf-bad" data-testid="form-error">{esc(summary)}</div>'

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
        self._reload_choices()
        self._refresh()

    def _reload_choices(self) -> None:
        """Read the ledger's lists again (a visit just recorded changes a plan's 上次回访)."""
        spec = forms.with_choices(self.base_spec)
        if spec is self.base_spec:
            return
        self.spec = spec
        for b in self._all_boxes():
            b.field = spec[b.field.name]


def database_submit(spec: FormSpec) -> Callable[[Mapping, str], forms.Receipt]:
    """The default ``on_submit``: one transaction in the configured database."""

    def submit(answers: Mapping, instance_id: str) -> forms.Receipt:
        from xinfang.storage import db

        with db.session() as s:
            return forms.submit(s, spec, answers, instance_id)

    return submit


def form_page(key: str, language: str = DEFAULT_LANGUAGE, chosen: Mapping[str, str] | None = None) -> w.Widget:
    """The page of the shipped form ``key``: the form, or a clear message if it cannot be loaded.
    ``chosen``: single-choice answers to start with (FormView._choose)."""
    try:
        return FormView(forms.by_key(key), language=language, chosen=chosen)
    except XinfangError as exc:
        return w.HTML(f'<div data-testid="error" style="color:#b42318">{esc(to_script(exc.zh, language))}</div>')
