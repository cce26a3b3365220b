"""Answers against a form: types, skip logic, calculations, choice filters, required and constraints.

``evaluate_form`` is a plain function used twice: by the form view on every change (to hide what is
not relevant and show messages beside fields) and by ``submit`` (to refuse or clean the answers).
Answers are a dict by question name; a repeat's answer is a list of such dicts, one per item.
Values are JSON-ready: text, int, float, list of choice names, dates as 'YYYY-MM-DD'.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field

from xinfang.errors import message
from xinfang.forms.expressions import to_string
from xinfang.forms.spec import DEFAULT_LANGUAGE, VALUE_KINDS, Choice, Field, FormSpec

MAX_TEXT = 5000  # characters in one free-text answer
INT_RANGE = (-2_147_483_648, 2_147_483_647)  # what every database column of ours can hold
DECIMAL_LIMIT = 1e12
_ALLOWED_CONTROL = {"\n", "\r", "\t"}

Key = tuple[str, int | None]  # (question name, repeat item index or None)

_EXPECTED = {"integer": ("整数", "an integer"), "decimal": ("数字", "a number"),
             "date": ("日期（如 2026-11-20）", "a date"), "datetime": ("日期和时间", "a date and time"),
             "text": ("文字", "text"), "select_one": ("一个选项", "one choice"),
             "select_multiple": ("选项列表", "a list of choices")}


class BadValue(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Evaluation:
    values: dict[str, object]  # clean answers: irrelevant cleared, calculations filled
    relevant: dict[Key, bool] = field(default_factory=dict)
    options: dict[Key, tuple[Choice, ...]] = field(default_factory=dict)
    read_only: dict[Key, bool] = field(default_factory=dict)
    errors: dict[Key, str] = field(default_factory=dict)  # type/required/constraint, in the language

    @property
    def problems(self) -> list[tuple[str, int | None, str]]:
        return [(name, idx, msg) for (name, idx), msg in self.errors.items()]


def is_empty(v: object) -> bool:
    return v is None or v == "" or (isinstance(v, list | tuple) and not v) or (isinstance(v, str) and not v.strip())


def _check_text(f: Field, s: str) -> str:
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROL for ch in s):
        raise BadValue("form.control_chars")
    if len(s) > MAX_TEXT:
        raise BadValue("form.too_long", n=len(s), limit=MAX_TEXT)
    return s


def coerce(f: Field, raw: object, options: tuple[Choice, ...] | None = None) -> object:
    """``raw`` as the JSON-ready value of question ``f``; raises BadValue with a catalogue code."""
    if is_empty(raw):
        return [] if f.kind == "select_multiple" else ""
    kind = f.kind
    expected = _EXPECTED.get(kind, ("文字", "text"))
    bad = BadValue("form.bad_type", expected=expected[0], expected_en=expected[1], value=_preview(raw))
    if kind in {"text", "calculate"}:
        if isinstance(raw, bool | list | tuple | dict):
            raise bad
        if kind == "calculate" and isinstance(raw, int | float):
            return raw
        # surrounding blanks are never meant (a pasted line, a trailing newline); inner text is kept verbatim
        return _check_text(f, str(raw).strip() if kind == "text" else str(raw))
    if kind == "integer":
        if isinstance(raw, bool):
            raise bad
        if isinstance(raw, float):
            if not raw.is_integer():
                raise bad
            raw = int(raw)
        if isinstance(raw, str):
            try:
                raw = int(unicodedata.normalize("NFKC", raw).strip())
            except ValueError:
                raise bad from None
        if not isinstance(raw, int):
            raise bad
        if not INT_RANGE[0] <= raw <= INT_RANGE[1]:
            raise BadValue("form.out_of_range", value=raw, lo=INT_RANGE[0], hi=INT_RANGE[1])
        return raw
    if kind == "decimal":
        if isinstance(raw, bool):
            raise bad
        try:
            num = float(unicodedata.normalize("NFKC", raw).strip()) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            raise bad from None
        if not math.isfinite(num):
            raise bad
        if abs(num) > DECIMAL_LIMIT:
            raise BadValue("form.out_of_range", value=_preview(raw), lo=-DECIMAL_LIMIT, hi=DECIMAL_LIMIT)
        return num
    if kind == "date":
        if isinstance(raw, dt.datetime):
            raw = raw.date()
        if isinstance(raw, str):
            try:
                raw = dt.date.fromisoformat(raw.strip())
            except ValueError:
                raise bad from None
        if not isinstance(raw, dt.date) or not 1900 <= raw.year <= 2100:
            raise bad
        return raw.isoformat()
    if kind == "datetime":
        if isinstance(raw, str):
            try:
                raw = dt.datetime.fromisoformat(raw.strip())
            except ValueError:
                raise bad from None
        if not isinstance(raw, dt.datetime) or not 1900 <= raw.year <= 2100:
            raise bad
        return raw.replace(tzinfo=None, microsecond=0).isoformat()
    names = [c.name for c in (f.choices if options is None else options)]
    if kind == "select_one":
        if isinstance(raw, bool | list | tuple | dict):
            raise bad
        value = to_string(raw).strip()
        if value not in names:
            raise BadValue("form.bad_choice", value=_preview(raw))
        return int(value) if f.numeric_choices else value
    if kind == "select_multiple":
        items = raw.split() if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple | set):
            raise bad
        chosen = {to_string(x).strip() for x in items}
        for x in sorted(chosen - set(names)):
            raise BadValue("form.bad_choice", value=_preview(x))
        return [n for n in names if n in chosen]
    return ""


def _preview(raw: object) -> str:
    s = to_string(raw) if not isinstance(raw, dict) else "{…}"
    return s if len(s) <= 40 else s[:40] + "…"


def _msg(code: str, f: Field, language: str, **params: object) -> str:
    lang = "zh" if language.startswith("zh") else "en"
    return message(code, lang, label=f.label(language), **params)


class _Run:
    def __init__(self, spec: FormSpec, answers: Mapping[str, object], today: dt.date, language: str,
                 strict: bool) -> None:
        self.spec, self.answers, self.today, self.language, self.strict = spec, answers, today, language, strict
        self.ev = Evaluation(values={})

    def scope(self, item: dict | None) -> Mapping[str, object]:
        top: dict[str, object] = {}
        for name, v in self.ev.values.items():
            top[name] = v
            if isinstance(v, list) and v and isinstance(v[0], dict):
                for it in v:
                    for k, x in it.items():
                        top.setdefault(k, [])
                        if isinstance(top[k], list):
                            top[k].append(x)
        return ChainMap(item, top) if item is not None else top

    def fields(self, fields: tuple[Field, ...], raw: Mapping[str, object], out: dict, idx: int | None,
               parent_relevant: bool, item: dict | None) -> None:
        for f in fields:
            key = (f.name, idx)
            scope = self.scope(item)
            relevant = parent_relevant and (f.relevant is None or f.relevant.truth(scope, today=self.today))
            self.ev.relevant[key] = relevant
            if f.read_only is not None:
                self.ev.read_only[key] = f.read_only.truth(scope, today=self.today)
            if f.kind == "group":
                self.fields(f.children, raw, out, idx, relevant, item)
                continue
            if f.kind == "repeat":
                self.repeat(f, raw, out, relevant)
                continue
            if f.kind not in VALUE_KINDS:
                continue
            options = None
            if f.kind in {"select_one", "select_multiple"}:
                options = f.choices
                if f.choice_filter is not None:
                    options = tuple(c for c in f.choices if f.choice_filter.truth(
                        scope, today=self.today, row={"name": c.name, **c.extra}))
                self.ev.options[key] = options
            if not relevant:
                out.pop(f.name, None)
                continue
            if f.kind == "calculate":
                value = f.calculation.evaluate(scope, today=self.today) if f.calculation else raw.get(f.name, "")
                value = _json_value(value)
            else:
                try:
                    value = coerce(f, raw.get(f.name), options)
                except BadValue as exc:
                    self.ev.errors[key] = _msg(exc.code, f, self.language, **exc.params)
                    out.pop(f.name, None)
                    continue
            if is_empty(value):
                out.pop(f.name, None)  # unanswered: absent, read as '' by expressions
            else:
                out[f.name] = value
            self.check(f, key, value, item)

    def check(self, f: Field, key: Key, value: object, item: dict | None) -> None:
        scope = self.scope(item)
        if is_empty(value):
            if f.required is not None and f.required.truth(scope, value, today=self.today):
                detail = f.required_messages and _pick(f.required_messages, self.language) or (
                    "此题必须填写" if self.language.startswith("zh") else "this question is required")
                self.ev.errors[key] = _msg("form.required", f, self.language, detail=detail)
            return
        if f.constraint is not None and not f.constraint.truth(scope, value, today=self.today):
            detail = f.constraint_messages and _pick(f.constraint_messages, self.language) or (
                "填写的内容不符合要求" if self.language.startswith("zh") else "the answer is not allowed")
            self.ev.errors[key] = _msg("form.constraint", f, self.language, detail=detail)

    def repeat(self, f: Field, raw: Mapping[str, object], out: dict, relevant: bool) -> None:
        items = raw.get(f.name) or []
        if not isinstance(items, list | tuple) or not all(isinstance(x, Mapping) for x in items):
            self.ev.errors[(f.name, None)] = _msg("form.bad_type", f, self.language, expected="列表",
                                                  expected_en="a list", value=_preview(items))
            out.pop(f.name, None)
            return
        if not relevant:
            out.pop(f.name, None)
            return
        done: list[dict] = []
        out[f.name] = done
        for i, it in enumerate(items):
            clean: dict[str, object] = {}
            done.append(clean)
            self.fields(f.children, it, clean, i, True, clean)
        if f.required is not None and not done and f.required.truth(self.scope(None), today=self.today):
            detail = _pick(f.required_messages, self.language) or "至少填写一条"
            self.ev.errors[(f.name, None)] = _msg("form.required", f, self.language, detail=detail)

    def unknown(self) -> None:
        known = {f.name for f in self.spec.walk()}
        for name in self.answers:
            if name not in known:
                self.ev.errors[(name, None)] = message("form.unknown_question", name=_preview(name))
        for f in self.spec.walk():
            if f.kind == "repeat" and isinstance(self.answers.get(f.name), list):
                inner = {c.name for c in f.walk()} - {f.name}
                for i, it in enumerate(self.answers[f.name]):
                    if isinstance(it, Mapping):
                        for name in it:
                            if name not in inner:
                                self.ev.errors[(str(name), i)] = message("form.unknown_question",
                                                                         name=_preview(name))


def _pick(texts: Mapping[str, str], language: str) -> str:
    if not texts:
        return ""
    return texts.get(language) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()))


def _json_value(v: object) -> object:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    if isinstance(v, list):
        return [to_string(x) for x in v]
    return to_string(v)


def evaluate_form(spec: FormSpec, answers: Mapping[str, object], *, today: dt.date | None = None,
                  language: str = DEFAULT_LANGUAGE, strict: bool = False) -> Evaluation:
    """Evaluate ``answers`` against ``spec``. ``strict`` also reports answers to unknown questions.

    Two passes in document order, so a question may depend on one further down."""
    today = today or dt.date.today()
    run = _Run(spec, answers, today, language, strict)
    for _ in range(2):
        run.ev.errors.clear()
        run.fields(spec.fields, answers, run.ev.values, None, True, None)
    if strict:
        run.unknown()
    return run.ev

